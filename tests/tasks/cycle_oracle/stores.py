"""Fresh, migrated stores for one hypothesis example (two SQLite files, or two PostgreSQL
schemas), and the daily cycle run with a chosen evaluator.

The evaluator is chosen through `tasks.cycle.core.run_day(..., evaluator=Evaluator.SQL)` (issue
15). Until `Evaluator` exists in tasks/cycle/core.py only the reference (`"python"`) can run,
and the SQL tests are skipped with `SQL_MISSING`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.db import make_engine, upgrade
from tasks.clock import pinned_today
from tasks.cycle import core
from tests.conftest import require_pg

PYTHON, SQL = "python", "sql"
EVALUATOR: Any = getattr(core, "Evaluator", None)
SQL_MISSING = (
    "tasks.cycle.core has no Evaluator yet: the set-based SQL cycle of issue 15 has not landed"
)


def run_cycle(
    engine: Engine, day: date, bundle: core.PolicyBundle, *, batch_size: int, evaluator: str
) -> dict[str, Any]:
    """One daily cycle for `day` (today pinned to it) with the `evaluator` ("python" or "sql")."""
    with pinned_today(day):
        if EVALUATOR is None:
            assert evaluator == PYTHON, SQL_MISSING
            return core.run_day(engine, day, bundle, batch_size=batch_size)
        run_day: Any = core.run_day  # the evaluator argument arrives with the SQL engine
        return dict(
            run_day(engine, day, bundle, batch_size=batch_size, evaluator=EVALUATOR(evaluator))
        )


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_stores(backend: str, folder: Path, count: int = 2) -> Iterator[list[Engine]]:
    """`count` empty migrated stores on `backend` ("sqlite" or "postgresql"), removed after."""
    tag = uuid.uuid4().hex[:10]
    schemas: list[str] = []
    if backend == "sqlite":
        urls = [f"sqlite:///{folder}/oracle-{tag}-{i}.sqlite" for i in range(count)]
    else:
        base = require_pg()
        schemas = [f"oracle_{tag}_{i}" for i in range(count)]
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        urls = [_schema_url(base, s) for s in schemas]
    engines = [make_engine(u) for u in urls]
    try:
        for engine in engines:
            upgrade(engine)
        yield engines
    finally:
        for engine in engines:
            engine.dispose()
        if schemas:
            with admin.begin() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
        for i in range(count if backend == "sqlite" else 0):
            Path(folder, f"oracle-{tag}-{i}.sqlite").unlink(missing_ok=True)
