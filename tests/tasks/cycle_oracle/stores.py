"""Fresh, migrated stores for each hypothesis example, and the daily cycle run with a chosen
evaluator.

Migrating a store takes longer than playing a small scenario, so a `StorePool` migrates once
per test: on SQLite a template file copied for each example; on PostgreSQL a few schemas,
emptied between examples (every table of the models; ids go on counting, which the comparison
does not see) and dropped at the end.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from models.db import make_engine, upgrade
from tasks.clock import pinned_today
from tasks.cycle.core import Evaluator, PolicyBundle, run_day
from tests.conftest import require_pg

PYTHON, SQL = Evaluator.PYTHON, Evaluator.SQL


def run_cycle(
    engine: Engine, day: date, bundle: PolicyBundle, *, batch_size: int, evaluator: Evaluator
) -> dict[str, Any]:
    """One daily cycle for `day` (today pinned to it), decided by `evaluator`."""
    with pinned_today(day):
        return run_day(engine, day, bundle, batch_size=batch_size, evaluator=evaluator)


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


class StorePool:
    """Empty migrated stores on demand, for one test (close() at its end)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tag = uuid.uuid4().hex[:10]
        self.template: Path | None = None
        self.schemas: list[tuple[str, Engine]] = []
        self.admin: Engine | None = None

    def _sqlite_template(self) -> Path:
        if self.template is None:
            self.template = self.folder / f"oracle-{self.tag}-template.sqlite"
            engine = make_engine(f"sqlite:///{self.template}")
            upgrade(engine)
            engine.dispose()
        return self.template

    def _pg_schema(self, i: int) -> Engine:
        """The i-th schema, migrated on first use, else emptied."""
        if i < len(self.schemas):
            engine = self.schemas[i][1]
            with engine.begin() as conn:  # a few rows: DELETE is quicker than TRUNCATE
                # the audit chain refuses DELETE (a trigger): its owner lifts it for the reset
                conn.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
                for table in reversed(SQLModel.metadata.sorted_tables):
                    conn.execute(table.delete())
                conn.execute(sa.text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
            return engine
        base = require_pg()
        self.admin = self.admin or sa.create_engine(base)
        schema = f"oracle_{self.tag}_{i}"
        with self.admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(_schema_url(base, schema))
        self.schemas.append((schema, engine))
        upgrade(engine)
        return engine

    @contextmanager
    def fresh(self, backend: str, count: int = 2) -> Iterator[list[Engine]]:
        """`count` empty migrated stores on `backend` ("sqlite" or "postgresql")."""
        if backend != "sqlite":
            yield [self._pg_schema(i) for i in range(count)]
            return
        template = self._sqlite_template()
        paths = [self.folder / f"oracle-{uuid.uuid4().hex[:10]}.sqlite" for _ in range(count)]
        engines = []
        for path in paths:
            shutil.copyfile(template, path)
            engines.append(make_engine(f"sqlite:///{path}"))
        try:
            yield engines
        finally:
            for engine in engines:
                engine.dispose()
            for path in paths:
                for leftover in path.parent.glob(f"{path.name}*"):  # -wal, -shm, .store-lock
                    leftover.unlink(missing_ok=True)

    def close(self) -> None:
        for _schema, engine in self.schemas:
            engine.dispose()
        if self.admin is not None:
            with self.admin.begin() as conn:
                for schema, _engine in self.schemas:
                    conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            self.admin.dispose()
