"""The daily cycle's steps as Prefect tasks: one task per batch of thousands of cases, never one
per case. No caching and no result persistence: the run's state lives in the product's tables.
Loading the policy and opening the run are done in the flow itself, so that a person's mistake
found there (a policy error, a day out of order) fails the run without a task traceback."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from rules.enums import RunStatus
from tasks.cycle.core import Run, finish, process_batch


@task(name="cycle-batch", cache_policy=NO_CACHE, persist_result=False)
def batch_task(run: Run, lo: int, hi: int) -> dict[str, Any]:
    totals = process_batch(run, lo, hi)
    return {"lo": lo, "hi": hi, "cases": totals.cases, "actions": dict(totals.actions)}


@task(name="finish-run", cache_policy=NO_CACHE, persist_result=False)
def finish_task(
    run: Run, status: RunStatus, error: str | None = None, flow_run_id: str | None = None
) -> dict[str, Any]:
    return finish(run, status, error, flow_run_id)
