"""The daily cycle's steps as Prefect tasks: one task per batch of thousands of cases, never one
per case. No caching and no result persistence: the run's state lives in the product's tables.
Loading the policy and opening the run are done in the flow itself, so that a person's mistake
found there (a policy error, a day out of order) fails the run without a task traceback."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from rules.enums import RunStatus
from rules.errors import DuecourseError
from tasks.cycle.context import RunTotals
from tasks.cycle.core import Run, finish, process_batch
from tasks.cycle.parallel import RemoteRun, run_remote_batch


def retry_unless_user_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry what may pass on a second try (the database, the network), not a person's mistake
    (a DuecourseError: the same input fails the same way)."""
    try:
        state.result()
    except DuecourseError:
        return False
    except Exception:
        return True
    return False


# A batch is one transaction and every action it writes has a unique key: a batch that failed
# (a dropped connection, a deadlock victim) is rolled back and can simply run again.
@task(
    name="cycle-batch",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=retry_unless_user_error,
)
def batch_task(run: Run, lo: int, hi: int) -> RunTotals:
    return process_batch(run, lo, hi)


@task(name="finish-run", cache_policy=NO_CACHE, persist_result=False)
def finish_task(
    run: Run, status: RunStatus, error: str | None = None, flow_run_id: str | None = None
) -> dict[str, Any]:
    return finish(run, status, error, flow_run_id)


# The same batch in another process (a Dask worker through prefect-dask): everything it needs
# travels as plain values, and its counts and owners come back to the flow (tasks/cycle/parallel).
@task(
    name="cycle-batch",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=retry_unless_user_error,
)
def remote_batch_task(job: RemoteRun, lo: int, hi: int) -> tuple[RunTotals, dict[str, int]]:
    return run_remote_batch(job, lo, hi)
