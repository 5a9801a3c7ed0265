"""The intraday deadline check flow: milestones met since the morning, alerts for those coming
due, counts of what is due today and overdue, as a Prefect markdown artifact."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.daily_cycle import engine_for
from tasks.clock import today
from tasks.cycle.core import PolicyBundle
from tasks.cycle.intraday import check_deadlines, intraday_markdown


@task(name="check-deadlines", cache_policy=NO_CACHE, persist_result=False)
def check_task(as_of: date, database_url: str | None, policy_dir: str | None) -> dict[str, Any]:
    bundle = PolicyBundle.load(Path(policy_dir) if policy_dir else None)
    return check_deadlines(engine_for(database_url), as_of, bundle)


@flow(name="deadline-check", persist_result=False, log_prints=False)
def deadline_check(
    as_of: date | None = None, database_url: str | None = None, policy_dir: str | None = None
) -> dict[str, Any]:
    """Check open milestones on `as_of` (default today in Asia/Shanghai)."""
    day = as_of or today()
    summary = check_task(day, database_url, policy_dir)
    create_markdown_artifact(
        markdown=intraday_markdown(summary),
        key=f"deadline-check-{day.isoformat()}",
        description=f"Deadline check {day.isoformat()}",
    )
    return summary
