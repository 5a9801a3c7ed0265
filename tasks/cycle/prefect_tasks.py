"""The daily cycle's steps as Prefect tasks: one task per batch of thousands of cases, never one
per case. No caching and no result persistence: the run's state lives in the product's tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine

from rules.enums import RunStatus
from tasks.cycle.core import BATCH_SIZE, PolicyBundle, Run, finish, prepare, process_batch


@task(name="load-policy", cache_policy=NO_CACHE, persist_result=False)
def load_bundle_task(policy_dir: str | None) -> PolicyBundle:
    return PolicyBundle.load(Path(policy_dir) if policy_dir else None)


@task(name="prepare-run", cache_policy=NO_CACHE, persist_result=False)
def prepare_task(
    engine: Engine, as_of: date, bundle: PolicyBundle, batch_size: int = BATCH_SIZE
) -> Run:
    return prepare(engine, as_of, bundle, batch_size)


@task(name="cycle-batch", cache_policy=NO_CACHE, persist_result=False)
def batch_task(run: Run, lo: int, hi: int) -> dict[str, Any]:
    totals = process_batch(run, lo, hi)
    return {"lo": lo, "hi": hi, "cases": totals.cases, "actions": dict(totals.actions)}


@task(name="finish-run", cache_policy=NO_CACHE, persist_result=False)
def finish_task(
    run: Run, status: RunStatus, error: str | None = None, flow_run_id: str | None = None
) -> dict[str, Any]:
    return finish(run, status, error, flow_run_id)
