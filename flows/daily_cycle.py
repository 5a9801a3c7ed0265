"""The daily cycle flow: refresh buckets and risk, apply the ladder, assign owners, open and check
milestones, plan the day's actions and open reviews, in batches of thousands of cases per task.

`daily_cycle` is the Prefect flow (deployed by prefect.yaml, served by `duecourse serve`);
`run_days` runs a range of days in order through it, or through the same core without Prefect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from sqlalchemy.engine import Engine

from models.db import database_url as resolve_url
from models.db import open_engine
from rules.enums import RunStatus
from tasks.clock import today
from tasks.cycle.core import BATCH_SIZE
from tasks.cycle.days import run_days_core, run_range
from tasks.cycle.prefect_tasks import batch_task, finish_task, load_bundle_task, prepare_task
from tasks.cycle.report import run_markdown

_ENGINES: dict[str, Engine] = {}


def engine_for(url: str | None) -> Engine:
    """One migrated engine per database URL per process (engines registered by `shared_url`
    are found by their password-free URL)."""
    key = resolve_url(url)
    if key not in _ENGINES:
        _ENGINES[key] = open_engine(key)
    return _ENGINES[key]


def shared_url(engine: Engine) -> str:
    """A password-free URL naming `engine` for flow parameters (which Prefect shows in its UI):
    flows in this process find the engine itself through `engine_for`."""
    key = engine.url.render_as_string(hide_password=True)
    _ENGINES.setdefault(key, engine)
    return key


@flow(name="daily-cycle", persist_result=False, log_prints=False)
def daily_cycle(
    as_of: date | None = None,
    database_url: str | None = None,
    policy_dir: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any]:
    """One day of the cycle; `as_of` defaults to today in Asia/Shanghai."""
    day = as_of or today()
    engine = engine_for(database_url)
    bundle = load_bundle_task(policy_dir)
    run = prepare_task(engine, day, bundle, batch_size)
    try:
        for lo, hi in run.bounds:
            batch_task(run, lo, hi)
    except BaseException as exc:
        finish_task(run, RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:500])
        raise
    run_id = flow_run.id
    summary = finish_task(run, RunStatus.SUCCEEDED, flow_run_id=str(run_id) if run_id else None)
    create_markdown_artifact(
        markdown=run_markdown(summary),
        key=f"daily-cycle-{day.isoformat()}",
        description=f"Daily cycle {day.isoformat()}: counts, missed deadlines, warnings",
    )
    return summary


def run_days(
    start: date,
    end: date | None = None,
    database_url: str | None = None,
    policy_dir: str | Path | None = None,
    progress: Callable[[date, dict[str, Any]], None] | None = None,
    *,
    use_prefect: bool = True,
    engine: Engine | None = None,
) -> list[dict[str, Any]]:
    """Run start..end (inclusive; end None: only start) in order, one flow run per day.

    Days already run are skipped within a range (a single day already run is run again and
    finds nothing to do); a day before the last day run is refused (DuecourseError).
    `progress(day, summary)` is called after each day. `use_prefect=False` runs the same core
    without Prefect (the CLI does when no Prefect server is configured).
    """
    eng = engine or engine_for(database_url)
    if not use_prefect:
        return run_days_core(eng, start, end, Path(policy_dir) if policy_dir else None, progress)
    url = shared_url(eng)
    pdir = str(policy_dir) if policy_dir is not None else None
    return run_range(
        eng,
        start,
        end,
        lambda day: daily_cycle(as_of=day, database_url=url, policy_dir=pdir),
        progress,
    )
