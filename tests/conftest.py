"""Shared fixtures: a fresh database per test, on SQLite and (where it answers) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine, upgrade

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_state: dict[str, str | None] = {}


def pg_base_url() -> str | None:
    """The PostgreSQL URL for tests, or None when no server answers (skipped with a reason;
    an error instead when DUECOURSE_REQUIRE_PG is set, as in CI)."""
    if "url" not in _pg_state:
        url = os.environ.get("DUECOURSE_TEST_PG_URL", PG_DEFAULT)
        try:
            eng = sa.create_engine(url, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(sa.text("select 1"))
            eng.dispose()
            _pg_state["url"] = url
        except Exception as exc:
            _pg_state["url"] = None
            _pg_state["why"] = f"PostgreSQL not reachable at {url}: {type(exc).__name__}"
    return _pg_state["url"]


def require_pg() -> str:
    url = pg_base_url()
    if url is None:
        why = _pg_state.get("why") or "PostgreSQL not reachable"
        if os.environ.get("DUECOURSE_REQUIRE_PG"):
            pytest.fail(f"{why} (DUECOURSE_REQUIRE_PG is set)")
        pytest.skip(why)
    return url


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema, dropped afterwards."""
    base = require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A fresh, empty database URL per test: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/duecourse.sqlite"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on a fresh database (both backends)."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: os.PathLike[str]) -> Iterator[Engine]:
    """A migrated engine on a fresh SQLite file, for tests where the backend does not matter."""
    eng = make_engine(f"sqlite:///{tmp_path}/duecourse.sqlite")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture(autouse=True)
def _duecourse_environment_restored() -> Iterator[None]:
    """Every DUECOURSE_* variable as it was before the test: the CLI exports DUECOURSE_HOME for
    the flows it runs, and a test must not hand that to the next one."""
    before = {k: v for k, v in os.environ.items() if k.startswith("DUECOURSE_")}
    yield
    for key in [k for k in os.environ if k.startswith("DUECOURSE_") and k not in before]:
        del os.environ[key]
    os.environ.update(before)
