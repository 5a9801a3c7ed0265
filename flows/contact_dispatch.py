"""The contact-dispatch flow: the day's planned SMS, e-mails, letters, calls and visits through the
conduct gate and the channels, in batches of thousands of lines per task (never a task per
contact). Deployed in prefect.yaml to run through the business day (Asia/Shanghai): each run
takes what is due at its moment, so a contact the gate deferred to 08:00 goes with the first run
after it. A batch's transient provider failures are retried by Prefect's task retries with
backoff; the last attempt records them `failed` with the reason, never a crashed run.
"""

from __future__ import annotations

from datetime import date
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.runtime import task_run

from flows.daily_cycle import engine_for
from flows.run_log import current_flow_run_id, record_as_of, user_failure
from models.db import home_dir
from rules.errors import DuecourseError
from tasks.channels.settings import senders_from_env
from tasks.clock import today
from tasks.dispatch.batch import BatchOutcome, DispatchContext, dispatch_batch
from tasks.dispatch.report import dispatch_markdown
from tasks.dispatch.run import (
    BATCH_SIZE,
    RETRIES,
    RETRY_DELAYS,
    DispatchReport,
    dispatch_day,
    make_context,
    merge_attempt,
)
from tasks.notify.alerts import alert_failed_run


class RetryPending(Exception):
    """Some messages of the batch failed for a reason that may pass (a timeout, a 5xx)."""


# the counts of a batch's earlier attempts, by (flow run, first line), for its final result
_PARTIAL: dict[tuple[str | None, int], BatchOutcome] = {}


@task(
    name="dispatch-batch",
    retries=RETRIES,
    retry_delay_seconds=list(RETRY_DELAYS),
    retry_condition_fn=lambda task, run, state: _is_retry(state),
    cache_policy=NO_CACHE,
    persist_result=False,
)
def dispatch_batch_task(ctx: DispatchContext, after: int, upto: int | None) -> BatchOutcome:
    """One batch; raises RetryPending (Prefect retries it) while transient failures remain and
    attempts are left."""
    attempt = task_run.get_run_count()
    final = attempt > _retries()
    token = (current_flow_run_id(), after)
    total = _PARTIAL.pop(token, None)
    if total is None:
        total = BatchOutcome(last_id=after)
    elif upto is None:  # a retry takes the first attempt's lines only (as local_batches does):
        upto = total.last_id  # a line beyond them would get one try and "gave up after retries"
    outcome = dispatch_batch(ctx, after=after, upto=upto, limit=BATCH_SIZE, final=final)
    merge_attempt(total, outcome, first=attempt <= 1)
    if outcome.retry_pending and not final:
        _PARTIAL[token] = total
        raise RetryPending(f"{outcome.retry_pending} message(s) to retry")
    return total


def _retries() -> int:
    """The retries this task run was given (RETRIES, or what `with_options` set)."""
    from prefect.context import TaskRunContext

    context = TaskRunContext.get()
    return int(context.task.retries) if context is not None else RETRIES


def _is_retry(state: Any) -> bool:
    try:
        state.result(raise_on_failure=True)
    except RetryPending:
        return True
    except Exception:
        return False
    return False


def _batches(ctx: DispatchContext, after: int, upto: int | None) -> BatchOutcome:
    """A batch as a Prefect task run (retried by Prefect); the same signature as the local
    runner's, so dispatch_day does not know which it has."""
    return dispatch_batch_task(ctx, after, upto)


@flow(
    name="contact-dispatch",
    flow_run_name=lambda: f"contact-dispatch-{today().isoformat()}",
    persist_result=False,
    log_prints=False,
    on_failure=[alert_failed_run],
    on_crashed=[alert_failed_run],
)
def contact_dispatch(
    as_of: date | None = None,
    at: str | None = None,
    database_url: str | None = None,
    policy_dir: str | None = None,
    home: str | None = None,
) -> dict[str, Any] | State[Any]:
    """Carry out the due contacts of `as_of` (default today, Asia/Shanghai): now, or on a
    simulated day ($DUECOURSE_TODAY) at `at` (HH:MM, default 09:00). A person's mistake fails
    the run in one line."""
    log = get_run_logger()
    day = as_of or today()
    if as_of is None:
        record_as_of(day, {"database_url": database_url, "policy_dir": policy_dir, "at": at})
    try:
        moment = clock_time.fromisoformat(at) if at else None
    except ValueError:
        return user_failure(log, "contact dispatch", DuecourseError(f"--at {at!r} is not HH:MM"))
    try:
        engine = engine_for(database_url)
        senders = senders_from_env(home_dir(home))
        ctx = make_context(
            engine,
            day,
            policy_dir=Path(policy_dir) if policy_dir else None,
            senders=senders,
            at=moment,
        )
    except DuecourseError as exc:
        return user_failure(log, f"contact dispatch {day.isoformat()}", exc)
    try:
        report = dispatch_day(ctx, run_batch=_batches, flow_run_id=current_flow_run_id())
    except DuecourseError as exc:
        return user_failure(log, f"contact dispatch {day.isoformat()}", exc)
    finally:
        for sender in senders.values():
            sender.close()
    summary = report.as_dict()
    _log(log, report)
    create_markdown_artifact(
        markdown=dispatch_markdown(summary),
        key=f"contact-dispatch-{day.isoformat()}",
        description=f"Contact dispatch {day.isoformat()}",
    )
    return summary


def _log(log: Any, report: DispatchReport) -> None:
    o = report.outcome
    log.info(
        "contact dispatch %s at %s (run %s): %d lines; %s; blocked %s; deferred %s",
        report.as_of.isoformat(), report.at.strftime("%H:%M"), report.run_id, o.lines,
        ", ".join(f"{k} {n}" for k, n in sorted(o.statuses.items())) or "nothing due",
        dict(o.blocked) or "none", dict(o.deferred) or "none",
    )  # fmt: skip
