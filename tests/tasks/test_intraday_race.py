"""Regression (issue 12 item 13): the intraday deadline check never undoes the daily cycle.

Before, it took no lock and wrote whole milestone rows back: with a daily cycle running between
its read and its write (reproduced on PostgreSQL), a missed milestone went back to open and was
escalated again by the next cycle."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import MilestoneStatus, Stage
from tasks.cycle.core import run_day
from tasks.cycle.intraday import check_deadlines
from tasks.cycle.plan import BatchPlan
from tasks.cycle.write import write_plan
from tasks.store_lock import StoreLock
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle, table

FRIDAY = MONDAY + timedelta(days=4)


def _one_missed(engine: Engine) -> int:
    """A soft-reminder case whose first_contact (3 working days) is missed on Friday."""
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    b = bundle()
    run_day(engine, MONDAY, b)
    run_day(engine, FRIDAY, b)
    (m,) = [m for m in table(engine, "milestone") if m.case_id == case_id]
    assert m.status == MilestoneStatus.MISSED
    return int(m.id)


def test_a_stale_write_does_not_reopen_a_closed_milestone(engine: Engine) -> None:
    """The write a check planned from what it read (the milestone open, then alerted) applies
    only to a milestone still open: one the cycle closed meanwhile stays closed."""
    mid = _one_missed(engine)
    stale = BatchPlan()
    stale.milestone_updates[mid] = {
        "b_id": mid, "status": MilestoneStatus.OPEN, "closed_on": None, "reason": None,
        "alerted_on": FRIDAY, "owner": None,
    }  # fmt: skip
    with engine.begin() as conn:
        write_plan(conn, stale)
    (m,) = [m for m in table(engine, "milestone") if m.id == mid]
    assert m.status == MilestoneStatus.MISSED and m.closed_on == FRIDAY


def test_the_check_after_a_cycle_leaves_its_misses_alone(engine: Engine) -> None:
    mid = _one_missed(engine)
    result = check_deadlines(engine, FRIDAY, bundle())
    assert result["actions"] == {}
    (m,) = [m for m in table(engine, "milestone") if m.id == mid]
    assert m.status == MilestoneStatus.MISSED
    escalations = [a for a in table(engine, "cycle_action") if a.kind == "escalated"]
    assert len(escalations) == 1


@pytest.mark.pg
def test_the_check_waits_for_a_running_cycle(pg_schema_url: str) -> None:
    """On PostgreSQL the check takes the daily cycle's advisory lock: while a cycle holds it,
    the check waits, and runs once the cycle is done. (SQLite serialises writers itself.)"""
    engine = make_engine(pg_schema_url)
    upgrade(engine)
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    run_day(engine, MONDAY, bundle())
    cycle = StoreLock(engine)
    cycle.acquire()
    done = threading.Event()

    def check() -> None:
        check_deadlines(engine, MONDAY + timedelta(days=1), bundle())
        done.set()

    worker = threading.Thread(target=check, daemon=True)
    try:
        worker.start()
        time.sleep(1.0)
        assert not done.is_set(), "the check ran while a daily cycle held the lock"
    finally:
        cycle.release()
    worker.join(timeout=60)
    engine.dispose()
    assert done.is_set()
