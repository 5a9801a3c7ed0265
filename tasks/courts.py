"""The court tables the bank keeps: `<policy>/courts.yaml` (jurisdiction, the agreed forum, who
signs filings) and `<policy>/small_claims.yaml` (CPL 2023 Art. 165 thresholds), validated by the
one YAML loader (`file:line: message`, unknown keys refused). A policy folder without one of
them uses the shipped file. The lookups themselves are pure: rules/jurisdiction.py.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rules.jurisdiction import AgreedForum, CourtRow, Threshold
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tasks.yaml_file import LocatedProblem, YamlFileError, YamlRefusedError, load_model

COURTS_FILE = "courts.yaml"
SMALL_CLAIMS_FILE = "small_claims.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Row(_Frozen):
    province: str = Field(min_length=1)
    court: str = Field(min_length=1)
    city: str | None = None
    district: str | None = None
    demo: bool = False


class _Agreed(_Frozen):
    court: str = Field(min_length=1)
    clause: str = Field(min_length=1)
    demo: bool = False


class Litigant(_Frozen):
    """Who signs filings for the bank (CPL 2023 Art. 124(1): the legal representative or
    person in charge, and the title)."""

    representative: str
    title: str
    phone: str
    demo: bool = False


class CourtsFile(_Frozen):
    agreed_forum: _Agreed | None = None
    litigant: Litigant
    courts: tuple[_Row, ...] = Field(min_length=1)

    def rows(self) -> list[CourtRow]:
        return [CourtRow(**r.model_dump()) for r in self.courts]

    def agreed(self) -> AgreedForum | None:
        a = self.agreed_forum
        return AgreedForum(a.court, a.clause, a.demo) if a is not None else None


class _Threshold(_Frozen):
    province: str = Field(min_length=1)
    wage_year: int = Field(ge=2000, le=2100)
    threshold: Decimal = Field(gt=0)
    example: bool = False
    source: str = ""


class SmallClaimsFile(_Frozen):
    thresholds: tuple[_Threshold, ...] = ()

    def table(self) -> list[Threshold]:
        return [
            Threshold(t.province, t.threshold, t.wage_year, t.example, t.source)
            for t in self.thresholds
        ]


def _path(policy_dir: Path, name: str) -> Path:
    """The policy folder's file (the folder of a single policy file), else the shipped one."""
    folder = policy_dir if policy_dir.is_dir() else policy_dir.parent
    own = folder / name
    return own if own.is_file() else SHIPPED_POLICY_DIR / name


def load_courts(policy_dir: Path) -> CourtsFile:
    return load_model(_path(policy_dir, COURTS_FILE), CourtsFile)


def load_small_claims(policy_dir: Path) -> SmallClaimsFile:
    return load_model(_path(policy_dir, SMALL_CLAIMS_FILE), SmallClaimsFile)


def court_table_problems(source: Path) -> list[LocatedProblem]:
    """The problems of the courts.yaml and small_claims.yaml in use, for `policy check`."""
    problems: list[LocatedProblem] = []
    for load in (load_courts, load_small_claims):
        try:
            load(source)
        except YamlRefusedError:
            raise
        except YamlFileError as exc:
            problems += exc.problems
    return problems
