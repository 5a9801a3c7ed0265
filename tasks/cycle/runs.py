"""Run records of the daily cycle: the order of days, the run row, and the PostgreSQL lock that
keeps two cycles from working at once."""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models import CycleRun
from models.types import utcnow
from rules.enums import RunStatus
from rules.errors import DuecourseError
from tasks.cycle.context import RunTotals

RUN = CycleRun.__table__  # type: ignore[attr-defined]
DAILY = "daily_cycle"
DEADLINE_CHECK = "deadline_check"
# One daily cycle at a time per database: a second `run-day` waits, then finds the day done.
_PG_LOCK_KEY = 0x0DC0_0001


class CycleLock:
    """A PostgreSQL session advisory lock held for a whole run (nothing on SQLite, where each
    batch's transaction takes the write lock before it reads)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def acquire(self) -> None:
        if self.engine.dialect.name != "postgresql" or self.conn is not None:
            return
        self.conn = self.engine.connect()
        self.conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
        self.conn.commit()

    def release(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
            self.conn.commit()
        finally:
            self.conn.close()
            self.conn = None


def succeeded_days(conn: Connection, flow: str = DAILY) -> set[date]:
    rows = conn.execute(
        sa.select(RUN.c.as_of)
        .where(RUN.c.flow == flow, RUN.c.status == RunStatus.SUCCEEDED)
        .distinct()
    )
    return {d for (d,) in rows}


def last_run_day(conn: Connection, flow: str = DAILY) -> date | None:
    value = conn.execute(
        sa.select(sa.func.max(RUN.c.as_of)).where(
            RUN.c.flow == flow, RUN.c.status == RunStatus.SUCCEEDED
        )
    ).scalar()
    return value if isinstance(value, date) else None


def check_order(conn: Connection, as_of: date) -> list[str]:
    """Refuse a day before the last day run; warnings for days skipped since it."""
    last = last_run_day(conn)
    if last is None:
        return []
    if as_of < last:
        raise DuecourseError(
            f"as-of {as_of.isoformat()} is before the last day run ({last.isoformat()}): "
            "days run in order; a past day cannot be run again after later ones"
        )
    gap = (as_of - last).days - 1
    if gap > 0:
        first = (last + timedelta(days=1)).isoformat()
        end = (as_of - timedelta(days=1)).isoformat()
        return [
            f"{gap} day(s) not run between {last.isoformat()} and {as_of.isoformat()} "
            f"({first}..{end}): actions due only on those days were not planned"
        ]
    return []


def start_run(conn: Connection, as_of: date, version: str, flow: str = DAILY) -> int:
    result = conn.execute(
        sa.insert(RUN).values(
            as_of=as_of,
            flow=flow,
            policy_version=version,
            status=RunStatus.RUNNING,
            cases=0,
            counts="{}",
            risk_changes=0,
            skipped=0,
            capacity_exceeded=False,
            warnings="[]",
            started_at=utcnow(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def touch_run(conn: Connection, run_id: int, totals: RunTotals) -> None:
    """Progress so far (also the first write of a batch, so SQLite takes its lock up front)."""
    conn.execute(
        sa.update(RUN)
        .where(RUN.c.id == run_id)
        .values(cases=totals.cases, counts=json.dumps(dict(totals.actions)))
    )


def finish_run(
    engine: Engine,
    run_id: int,
    totals: RunTotals,
    status: RunStatus,
    error: str | None = None,
    flow_run_id: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(RUN)
            .where(RUN.c.id == run_id)
            .values(
                status=status,
                cases=totals.cases,
                counts=json.dumps(dict(sorted(totals.actions.items()))),
                risk_changes=totals.risk_changes,
                skipped=totals.skipped,
                capacity_exceeded=totals.capacity_exceeded,
                warnings=json.dumps(totals.warnings, ensure_ascii=False),
                error=error,
                flow_run_id=flow_run_id,
                finished_at=utcnow(),
            )
        )
