"""A portfolio of a few dozen cases over every stage of the test ladder, the same for every call
(two stores given it run the same day comparably), and what a run left in a store."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from rules.errors import DuecourseError
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, rows

CASES = 36
BATCH = 5  # 8 batches


def fill(engine: Engine) -> None:
    stages = (Stage.SOFT_REMINDER, Stage.FORMAL_DEMAND, Stage.NEGOTIATION, Stage.LAWYER_LETTER)
    with Session(engine) as s:
        for i in range(CASES):
            dpd = (5, 20, 45, 80, 120, 200)[i % 6]
            owner = ("ann", "bob", None)[i % 3]
            make_case(s, dpd=dpd, stage=stages[i % 4], as_of=MONDAY, owner=owner)
        s.commit()


def outcome(engine: Engine) -> dict[str, Any]:
    """What a run decided, comparable between stores: stages in case order, action and
    milestone counts, how many cases have an owner."""
    return {
        "stages": [r[0] for r in rows(engine, "select stage from collection_case order by id")],
        "actions": Counter(r[0] for r in rows(engine, "select kind from cycle_action")),
        "milestones": Counter(r[0] for r in rows(engine, "select kind from milestone")),
        "owned": rows(engine, "select count(*) from collection_case where owner is not null")[0][0],
    }


@contextmanager
def pg_store(base: str) -> Iterator[Engine]:
    """A migrated engine on a fresh PostgreSQL schema holding the portfolio; dropped after."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    engine = make_engine(f"{base}{sep}options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        fill(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def first_two_meet(real: Any) -> Any:
    """`process_batch` whose first two batches wait for each other: they must run at once."""
    meet = threading.Barrier(2, timeout=20)
    calls = itertools.count()

    def batch(run: Any, lo: int, hi: int) -> Any:
        if next(calls) < 2:
            try:
                meet.wait()
            except threading.BrokenBarrierError:
                raise DuecourseError("the batches did not run at once") from None  # no retry
        return real(run, lo, hi)

    return batch
