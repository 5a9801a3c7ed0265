"""prefect.yaml's deployments as `duecourse serve` reads them, typed and validated by the one
YAML loader (tasks/yaml_file.py): a broken prefect.yaml is one line, `file:line: message`
(exit 2), instead of a KeyError or a traceback when the deployments are built.

Prefect owns this file's format, so the keys serve does not read (work_pool, build, pull, ...)
are left to Prefect (`extra="allow"`); the ones it reads are typed: each deployment's name,
entrypoint (`path/to/file.py:flow_function`), description, tags, parameters, concurrency limit
and cron schedules (cron, time zone, active).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from duecourse.settings import REPO_ROOT
from tasks.yaml_file import load_model

PREFECT_YAML = REPO_ROOT / "prefect.yaml"


def _empty_if_null(empty: Any) -> Any:
    return BeforeValidator(lambda v: empty if v is None else v)


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class CronEntry(_Read):
    """One schedule: serve only runs cron schedules."""

    cron: str
    timezone: str | None = None
    active: bool = True

    @model_validator(mode="after")
    def _a_valid_cron(self) -> CronEntry:
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=self.cron, timezone=self.timezone)
        except ValueError:
            raise ValueError(
                f"cron {self.cron!r} with time zone {self.timezone!r} is not a valid schedule"
            ) from None
        return self


class Deployment(_Read):
    name: str = Field(min_length=1)
    entrypoint: str = Field(pattern=r"^[^:]+\.py:[A-Za-z_]\w*$")
    description: str | None = None
    tags: tuple[str, ...] | None = None
    parameters: Annotated[dict[str, Any], _empty_if_null({})] = {}
    concurrency_limit: int | None = Field(default=None, ge=1)
    schedules: Annotated[tuple[CronEntry, ...], _empty_if_null(())] = ()

    @property
    def flow_file(self) -> str:
        return self.entrypoint.partition(":")[0]

    @property
    def flow_function(self) -> str:
        return self.entrypoint.partition(":")[2]


class PrefectFile(_Read):
    deployments: tuple[Deployment, ...] = Field(min_length=1)


def read_deployments(path: Path = PREFECT_YAML) -> tuple[Deployment, ...]:
    """prefect.yaml's deployments; YamlFileError (an InputError) at the file and line of each
    problem."""
    return load_model(path, PrefectFile).deployments
