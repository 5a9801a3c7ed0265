"""Engine, sessions and migrations. SQLite file by default, PostgreSQL by URL, same code."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Engine
from sqlmodel import Session

import models  # noqa: F401  (registers the tables)
from rules.errors import DuecourseError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ENV_URL = "DUECOURSE_DATABASE_URL"
ENV_HOME = "DUECOURSE_HOME"
DEFAULT_HOME = Path(".duecourse")


class CycleRunner(StrEnum):
    """What runs the daily cycle's batches at once on PostgreSQL (DUECOURSE_CYCLE_RUNNER):
    threads of the flow's process, or a Dask cluster (prefect-dask, a development extra)."""

    THREADS = "threads"
    DASK = "dask"


class EnvSettings(BaseSettings):
    """The environment Duecourse reads (an unset or empty variable is the default):
    DUECOURSE_HOME (the home folder: SQLite store, documents, outbox), DUECOURSE_DATABASE_URL
    (the store, overriding the home's SQLite file), DUECOURSE_POLICY_DIR (the policy folder,
    resolved by tasks.policy_dir.resolve_policy_dir) and DUECOURSE_SHARED_GROUP (files the
    group may read, `restrict_new_files`). DUECOURSE_TODAY is read by tasks/clock.py.
    DUECOURSE_CYCLE_WORKERS (batches of a daily cycle run at once on PostgreSQL; SQLite runs
    one at a time), DUECOURSE_CYCLE_RUNNER (threads or dask) and DUECOURSE_DASK_ADDRESS (a Dask
    scheduler, tcp://host:8786, to run them on; implies dask) are read by flows/daily_cycle.py.
    A command's option wins over the environment, the environment over the default."""

    model_config = SettingsConfigDict(
        env_prefix="DUECOURSE_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    home: Path = DEFAULT_HOME
    database_url: str | None = None
    policy_dir: Path | None = None
    shared_group: bool = False
    cycle_workers: int = Field(default=1, ge=1, le=64)
    cycle_runner: CycleRunner = CycleRunner.THREADS
    dask_address: str | None = None
    # the web console's cookie-signing key (duecourse/web/session.py); else <home>/web-secret
    web_secret: SecretStr | None = None


def env_settings() -> EnvSettings:
    """The environment as EnvSettings; a value that is not what it should be is one line
    naming the variable (DuecourseError), never a validation traceback."""
    try:
        return EnvSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "DUECOURSE_" + "_".join(str(p) for p in first["loc"]).upper()
        raise DuecourseError(f"{name}: {first['msg'].lower()}") from None


_Settings = TypeVar("_Settings", bound=BaseSettings)


def settings_from_env(model: type[_Settings], prefix: str, what: str) -> _Settings:
    """`model()` read from the environment (variables `prefix`...); a bad value is one line
    naming the variable (`what: DUECOURSE_SMS_URL: ...`), never a validation traceback."""
    try:
        return model()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "_".join(str(p) for p in first["loc"])
        name = f"{prefix}{where.upper()}: " if where else ""
        why = str(first["msg"]).removeprefix("Value error, ")
        raise DuecourseError(f"{what}: {name}{why}") from None


def home_dir(home: str | Path | None = None) -> Path:
    """The Duecourse home: argument, else $DUECOURSE_HOME, else ./.duecourse."""
    chosen = Path(home) if home else env_settings().home
    return chosen.expanduser().resolve()


def database_url(url: str | None = None, home: str | Path | None = None) -> str:
    """The database URL: argument, else $DUECOURSE_DATABASE_URL, else SQLite under the home."""
    return url or env_settings().database_url or f"sqlite:///{home_dir(home) / 'duecourse.sqlite'}"


PRIVATE_UMASK = 0o077  # folders 0700, files 0600: the owner's only
SHARED_UMASK = 0o027  # DUECOURSE_SHARED_GROUP=1: folders 0750, files 0640 (the group reads)


def new_files_umask() -> int:
    """PRIVATE_UMASK, or SHARED_UMASK when DUECOURSE_SHARED_GROUP is set."""
    return SHARED_UMASK if env_settings().shared_group else PRIVATE_UMASK


def restrict_new_files() -> int:
    """Set the process umask so that everything Duecourse creates - the home, the SQLite store
    and its -wal/-shm files, quarantine files, documents, the outbox, reports - is its owner's
    only, or also readable by the group with DUECOURSE_SHARED_GROUP=1. Set by the CLI and the
    `flows` package (which a worker imports); child processes inherit it. Returns the old one."""
    return os.umask(new_files_umask())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created when missing."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: an error's text never carries the rows it was writing (issue 13)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def pending_migrations(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current != heads


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (`duecourse db upgrade`)."""
    command.upgrade(alembic_config(engine), "heads")


def open_engine(url: str | None = None, home: str | Path | None = None) -> Engine:
    """An engine for the store, migrated to the newest schema on first use."""
    engine = make_engine(database_url(url, home))
    if pending_migrations(engine):
        upgrade(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
