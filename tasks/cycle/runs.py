"""Run records of the daily cycle: the order of days, the run row (failed before it started,
crashed, finished). The lock that keeps two cycles (or a cycle and an import) from working at
once is tasks.store_lock."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models import CycleRun
from models.import_run import ImportRun
from models.types import utcnow
from rules.enums import RunStatus
from rules.errors import DuecourseError
from tasks.clock import today
from tasks.cycle.context import RunTotals
from tasks.db_errors import safe_error_text

log = logging.getLogger(__name__)

RUN = CycleRun.__table__  # type: ignore[attr-defined]
DAILY = "daily_cycle"
DEADLINE_CHECK = "deadline_check"
# A deadline check's row is `running` only for the seconds between its commit and its finish.
_CHECK_STALE = timedelta(minutes=15)


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


def refuse_future(as_of: date, option: str = "as-of") -> None:
    """A day after today (tasks.clock) is refused: once run, every scheduled day before it
    would be refused as out of order."""
    now = today()
    if as_of > now:
        raise DuecourseError(
            f"{option} {as_of.isoformat()} is after today ({now.isoformat()}): a future day "
            "cannot be run (once run, every day before it would be refused)"
        )


def mark_crashed(conn: Connection) -> list[str]:
    """Under the store lock: daily cycles left `running` (and deadline checks left so for long)
    belong to a process that died; they become `crashed`. A warning for each."""
    now = utcnow()
    stale = sa.or_(
        RUN.c.flow == DAILY,
        sa.and_(RUN.c.flow == DEADLINE_CHECK, RUN.c.started_at < now - _CHECK_STALE),
    )
    found = conn.execute(
        sa.select(RUN.c.id, RUN.c.as_of, RUN.c.flow).where(RUN.c.status == RunStatus.RUNNING, stale)
    ).all()
    if not found:
        return []
    conn.execute(
        sa.update(RUN)
        .where(RUN.c.id.in_([r.id for r in found]))
        .values(
            status=RunStatus.CRASHED,
            error="its process ended before the run finished (found running by the next run)",
            finished_at=now,
        )
    )
    return [
        f"run {r.id} ({r.flow} {r.as_of.isoformat()}) never finished: marked crashed" for r in found
    ]


def stale_snapshot(conn: Connection, as_of: date) -> list[str]:
    """A warning when no snapshot was imported with this as-of: balances and days past due are
    then those of the last import."""
    imports = ImportRun.__table__  # type: ignore[attr-defined]
    ok = imports.c.status == RunStatus.SUCCEEDED
    if conn.execute(sa.select(imports.c.as_of).where(ok, imports.c.as_of == as_of)).first():
        return []
    last = conn.execute(sa.select(sa.func.max(imports.c.as_of)).where(ok)).scalar()
    if isinstance(last, date):
        since = f"the latest is {last.isoformat()}"
        figures = f"those of {last.isoformat()}"
    else:
        since, figures = "none imported yet", "as the cases were loaded"
    return [
        f"stale data: no snapshot imported for {as_of.isoformat()} ({since}); balances and "
        f"days past due are {figures}"
    ]


def before_run(conn: Connection, as_of: date) -> list[str]:
    """Under the store lock, before the run row: runs left running are marked crashed, the day
    must not be in the future nor before the last day run; the run's first warnings."""
    warnings = mark_crashed(conn)
    refuse_future(as_of)
    warnings += check_order(conn, as_of)
    warnings += stale_snapshot(conn, as_of)
    return warnings


def start_run(
    conn: Connection,
    as_of: date,
    version: str,
    flow: str = DAILY,
    flow_run_id: str | None = None,
) -> int:
    result = conn.execute(
        sa.insert(RUN).values(
            as_of=as_of,
            flow=flow,
            policy_version=version,
            flow_run_id=flow_run_id,
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
    """The run's outcome (a flow run id given here is recorded; none keeps the one it has)."""
    extra = {"flow_run_id": flow_run_id} if flow_run_id else {}
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
                finished_at=utcnow(),
                **extra,
            )
        )


def set_flow_run_id(engine: Engine, run_id: int, flow_run_id: str | None) -> None:
    if not flow_run_id:
        return
    with engine.begin() as conn:
        conn.execute(sa.update(RUN).where(RUN.c.id == run_id).values(flow_run_id=flow_run_id))


def record_failure(
    engine: Engine,
    as_of: date,
    exc: BaseException,
    *,
    flow: str = DAILY,
    version: str = "",
    flow_run_id: str | None = None,
) -> int | None:
    """A run that failed before its row existed (database, policy, order of days) still leaves
    a `failed` row with the error. Best effort: a database that cannot be written to is only
    logged, and the original error is what the caller raises."""
    now = utcnow()
    try:
        with engine.begin() as conn:
            result = conn.execute(
                sa.insert(RUN).values(
                    as_of=as_of, flow=flow, policy_version=version[:64] or "-",
                    status=RunStatus.FAILED, cases=0, counts="{}", risk_changes=0, skipped=0,
                    capacity_exceeded=False, warnings="[]", error=error_text(exc),
                    flow_run_id=flow_run_id, started_at=now, finished_at=now,
                )
            )  # fmt: skip
            key = result.inserted_primary_key
            return int(key[0]) if key is not None else None
    except Exception as second:  # the store itself is what failed
        log.warning("could not record the failed run: %s", error_text(second))
        return None


def error_text(exc: BaseException) -> str:
    """The error as stored on a run row: a person's message as is, else its type too; a
    database error names its constraint, never the row (tasks.db_errors)."""
    return safe_error_text(exc)


def day_runs(conn: Connection, as_of: date, flow: str = DAILY) -> list[dict[str, object]]:
    """The succeeded runs of a day, oldest first: run id and counts (a rerun's artifact shows
    what the day's earlier runs did rather than an empty report)."""
    rows = conn.execute(
        sa.select(RUN.c.id, RUN.c.counts, RUN.c.skipped)
        .where(RUN.c.flow == flow, RUN.c.as_of == as_of, RUN.c.status == RunStatus.SUCCEEDED)
        .order_by(RUN.c.id)
    )
    return [{"run_id": r.id, "actions": json.loads(r.counts or "{}")} for r in rows]
