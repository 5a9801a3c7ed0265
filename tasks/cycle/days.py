"""Which days a `run-day --through` runs: in order, skipping days already run, refusing a day
before the last day run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from rules.errors import DuecourseError, InputError
from tasks.cycle.runs import last_run_day, record_failure, refuse_future, succeeded_days


def plan_days(engine: Engine, start: date, end: date | None) -> list[tuple[date, bool]]:
    """(day, already run) for start..end (end defaults to start); a day after today is refused
    before any day runs.

    A single day already run is run again (it then finds nothing to do: the idempotency keys).
    With a range, days already run are skipped. A day before the last day run that was never
    run is refused: days run in order.
    """
    last_day = end or start
    if last_day < start:
        raise InputError(f"--through {last_day.isoformat()} is before --as-of {start.isoformat()}")
    refuse_future(last_day, "--through" if end is not None else "--as-of")
    with engine.connect() as conn:
        done = succeeded_days(conn)
        last = last_run_day(conn)
    days = [start + timedelta(days=i) for i in range((last_day - start).days + 1)]
    if end is None:
        return [(start, False)]
    out: list[tuple[date, bool]] = []
    for d in days:
        if d in done:
            out.append((d, True))
            continue
        if last is not None and d < last:
            raise DuecourseError(
                f"{d.isoformat()} was never run and is before the last day run "
                f"({last.isoformat()}): days run in order"
            )
        out.append((d, False))
    return out


def skipped_day(day: date) -> dict[str, Any]:
    return {"as_of": day.isoformat(), "skipped_day": True, "actions": {}, "skipped": 0}


def run_range(
    engine: Engine,
    start: date,
    end: date | None,
    run_one: Callable[[date], dict[str, Any]],
    progress: Callable[[date, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run the days `plan_days` gives with `run_one(day)`, in order."""
    out: list[dict[str, Any]] = []
    for day, done in plan_days(engine, start, end):
        summary = skipped_day(day) if done else run_one(day)
        out.append(summary)
        if progress is not None:
            progress(day, summary)
    return out


def run_days_core(
    engine: Engine,
    start: date,
    end: date | None = None,
    policy_dir: Path | None = None,
    progress: Callable[[date, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """`run_range` through the core without Prefect (one policy load for the whole range; a
    policy that does not load is recorded as a failed run of the first day, as the flow does)."""
    from tasks.cycle.core import PolicyBundle, run_day

    plan_days(engine, start, end)  # a range refused (order, future) is refused before the policy
    try:
        bundle = PolicyBundle.load(policy_dir)
    except DuecourseError as exc:
        record_failure(engine, start, exc)
        raise
    return run_range(engine, start, end, lambda day: run_day(engine, day, bundle), progress)
