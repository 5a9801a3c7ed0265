"""The intraday deadline check flow: milestones met since the morning, alerts for those coming
due, counts of what is due today and overdue, as a Prefect markdown artifact."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State

from flows.daily_cycle import engine_for
from flows.run_log import check_run_name, current_flow_run_id, record_as_of, user_failure
from rules.errors import DuecourseError
from tasks.clock import today
from tasks.cycle.core import PolicyBundle
from tasks.cycle.intraday import check_deadlines, intraday_markdown
from tasks.cycle.runs import DEADLINE_CHECK, record_failure, refuse_future, set_flow_run_id
from tasks.notify.alerts import alert_failed_run


@task(name="check-deadlines", cache_policy=NO_CACHE, persist_result=False)
def check_task(as_of: date, database_url: str | None, bundle: PolicyBundle) -> dict[str, Any]:
    return check_deadlines(engine_for(database_url), as_of, bundle)


@flow(
    name="deadline-check",
    flow_run_name=check_run_name,
    persist_result=False,
    log_prints=False,
    on_failure=[alert_failed_run],  # e-mails the ops role, once per run; never raises
    on_crashed=[alert_failed_run],
)
def deadline_check(
    as_of: date | None = None, database_url: str | None = None, policy_dir: str | None = None
) -> dict[str, Any] | State[Any]:
    """Check open milestones on `as_of` (default today in Asia/Shanghai). A future day or a
    policy error fails the run with the cause (and a `failed` row), without a traceback."""
    log = get_run_logger()
    day = as_of or today()
    run_id = current_flow_run_id()
    if as_of is None:
        record_as_of(day, {"database_url": database_url, "policy_dir": policy_dir})
    try:
        engine = engine_for(database_url)  # unreachable: no row can be written, only the log
    except DuecourseError as exc:
        return user_failure(log, f"deadline check {day.isoformat()}", exc)
    try:
        refuse_future(day)
        bundle = PolicyBundle.load(Path(policy_dir) if policy_dir else None)
    except DuecourseError as exc:
        record_failure(engine, day, exc, flow=DEADLINE_CHECK, flow_run_id=run_id)
        return user_failure(log, f"deadline check {day.isoformat()}", exc)
    try:
        summary = check_task(day, database_url, bundle)
    except Exception as exc:  # the check's own row was rolled back with its transaction
        record_failure(
            engine, day, exc, flow=DEADLINE_CHECK, version=bundle.policy.version,
            flow_run_id=run_id,
        )  # fmt: skip
        raise
    set_flow_run_id(engine, int(summary["run_id"]), run_id)
    log.info(
        "deadline check %s (run %s): %d open milestones, %d due today, %d overdue; actions %s",
        day.isoformat(), summary["run_id"], summary["open_milestones"], summary["due_today"],
        summary["overdue"],
        ", ".join(f"{k} {n}" for k, n in summary["actions"].items()) or "none",
    )  # fmt: skip
    for w in summary["warnings"]:
        log.warning(w)
    create_markdown_artifact(
        markdown=intraday_markdown(summary),
        key=f"deadline-check-{day.isoformat()}",
        description=f"Deadline check {day.isoformat()}",
    )
    return summary
