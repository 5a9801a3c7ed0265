"""What an ops manager sees of a run in Prefect: its name and as-of parameter, its log lines,
and a person's mistake (bad policy, a day out of order or in the future) as one line and a
Failed state carrying the cause, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from prefect.client.schemas.objects import State
from prefect.logging.handlers import APILogHandler
from prefect.runtime import flow_run
from prefect.states import Failed

from rules.errors import DuecourseError
from rules.masking import hide_secrets
from tasks.clock import SHANGHAI, today

_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def as_of_parameter() -> date:
    """The run's `as_of` parameter (a date, or its ISO text), else today (Asia/Shanghai)."""
    value = (flow_run.parameters or {}).get("as_of")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    return today()


def daily_run_name() -> str:
    return f"daily-cycle-{as_of_parameter().isoformat()}"


def check_run_name() -> str:
    """`deadline-check-2026-11-29-1400`: the day and the scheduled time in Beijing."""
    start = flow_run.scheduled_start_time
    moment = start if isinstance(start, datetime) else datetime.now(SHANGHAI)
    return f"deadline-check-{as_of_parameter().isoformat()}-{moment.astimezone(SHANGHAI):%H%M}"


def current_flow_run_id() -> str | None:
    value = flow_run.id
    return str(value) if value else None


def record_as_of(day: date, parameters: dict[str, Any]) -> None:
    """A scheduled run gets `as_of` None: write the day it ran for into its parameters, so the
    UI's parameters say it (best effort: a failed update only loses that display). A password
    in a database URL is written hidden (rules.masking.hide_secrets)."""
    parameters = {k: hide_secrets(v) if isinstance(v, str) else v for k, v in parameters.items()}
    run_id = flow_run.id
    if not run_id:
        return
    try:
        from uuid import UUID

        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            client.update_flow_run(
                UUID(str(run_id)), parameters={**parameters, "as_of": day.isoformat()}
            )
    except Exception as exc:  # the display only; the run goes on
        logging.getLogger(__name__).debug("as_of not written to the run's parameters: %s", exc)


def user_failure(log: Any, what: str, exc: DuecourseError) -> State[Any]:
    """A person's mistake: one log line and a Failed state with the cause. Calling the flow
    then raises `exc` itself (one line on the CLI); Prefect logs no traceback."""
    message = f"{what} refused: {exc}"
    log.error(message)
    return Failed(message=message, data=exc)


class _NoTracebackForMistakes(logging.Filter):
    """Drops a run-log record carrying a DuecourseError's traceback: `user_failure` has logged
    its one line already (the process running a served or worker's run logs the Failed run's
    exception again, as "Engine execution exited with unexpected exception")."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DuecourseError)


def install_no_traceback_filter() -> None:
    for name in _RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoTracebackForMistakes) for f in logger.filters):
            logger.addFilter(_NoTracebackForMistakes())


install_no_traceback_filter()


class _HideRunLogs(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(_RUN_LOGGERS)


@contextmanager
def run_logs_off_terminal() -> Iterator[None]:
    """While the CLI runs flows in its own process: the runs' log lines still go to the Prefect
    server (the UI) but not to this terminal, where the command prints its own summary, its
    warnings and a one-line error (`--verbose` keeps them)."""
    root = logging.getLogger()
    if root.getEffectiveLevel() <= logging.INFO:
        yield
        return
    quiet = _HideRunLogs()
    handlers = [h for h in root.handlers if not isinstance(h, APILogHandler)]
    for h in handlers:
        h.addFilter(quiet)
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(quiet)
