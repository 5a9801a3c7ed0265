"""Which days a `run-day --through` runs: in order, skipping days already run, refusing a day
before the last day run."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine

from rules.errors import DuecourseError, InputError
from tasks.cycle.runs import last_run_day, succeeded_days


def plan_days(engine: Engine, start: date, end: date | None) -> list[tuple[date, bool]]:
    """(day, already run) for start..end (end defaults to start).

    A single day already run is run again (it then finds nothing to do: the idempotency keys).
    With a range, days already run are skipped. A day before the last day run that was never
    run is refused: days run in order.
    """
    last_day = end or start
    if last_day < start:
        raise InputError(f"--through {last_day.isoformat()} is before --as-of {start.isoformat()}")
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


def skipped_day(day: date) -> dict[str, object]:
    return {"as_of": day.isoformat(), "skipped_day": True, "actions": {}, "skipped": 0}
