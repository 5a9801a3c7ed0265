"""A run's batches at once (PostgreSQL): up to N batches in flight, each its own transaction.

The batches of a day touch disjoint case id ranges and every row they write has its own key, so
they can commit in any order; the owners' loads and the run's counts they share are merged under
the run's lock (tasks/cycle/loads.py, `Run.add`). The store lock is held by the run throughout:
still one cycle at a time. Every batch submitted has ended before the run is recorded; a failed
batch fails the run (recorded on its row, then raised) and no further batch is started, while
the batches that committed stay committed (a rerun of the day finds their work done by its keys).

`run_batches_at_once` works with any future that has `add_done_callback` and `result` - a
Prefect task run's (threads, or Dask workers through prefect-dask) or a plain
`concurrent.futures` one (`run_day_at_once`, the core without Prefect).
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from models.db import env_settings, make_engine
from rules.calendar import BusinessCalendar
from rules.enums import RunStatus
from rules.errors import DuecourseError
from rules.policy import Policy
from rules.roster import User
from tasks.cycle.context import CycleContext, RunTotals
from tasks.cycle.core import (
    BATCH_SIZE,
    Evaluator,
    FinishStep,
    PolicyBundle,
    Run,
    finish,
    prepare,
    process_batch,
)
from tasks.cycle.days import plan_days, run_range
from tasks.cycle.loads import loads_delta
from tasks.cycle.runs import error_text, record_failure, touch_run
from tasks.store_lock import StoreLock


class BatchFuture(Protocol):
    def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...

    def result(self) -> Any: ...


Submit = Callable[[Run, int, int], BatchFuture]
Collect = Callable[[Run, Any], RunTotals]
OnDone = Callable[[int, int, tuple[int, int], RunTotals], None]


def committed(_run: Run, result: Any) -> RunTotals:
    """A batch run in this process has already added its counts to the run (`Run.add`)."""
    totals: RunTotals = result
    return totals


def record_progress(run: Run) -> None:
    """The run's counts so far on its row, in a transaction of its own."""
    with run.guard:
        t = run.ctx.totals
        progress = RunTotals(cases=t.cases, actions=t.actions.copy())
    with run.ctx.engine.begin() as conn:
        touch_run(conn, run.ctx.run_id, progress)


def _ended(
    ended: queue.SimpleQueue[tuple[BatchFuture, tuple[int, int]]],
    bounds: tuple[int, int],
    future: BatchFuture,
) -> None:
    ended.put((future, bounds))


def _drain(
    run: Run, submit: Submit, collect: Collect, workers: int, on_batch: OnDone | None
) -> None:
    """Keep up to `workers` batches in flight until all have run; raise the first failure once
    every batch started has ended (none is started after a failure)."""
    ended: queue.SimpleQueue[tuple[BatchFuture, tuple[int, int]]] = queue.SimpleQueue()
    todo = list(reversed(run.bounds))
    running = done = 0
    error: BaseException | None = None
    while running or (todo and error is None):
        while todo and error is None and running < workers:
            bounds = todo.pop()
            future = submit(run, *bounds)
            future.add_done_callback(partial(_ended, ended, bounds))
            running += 1
        future, bounds = ended.get()
        running -= 1
        try:
            totals = collect(run, future.result())
        except BaseException as exc:  # the others still end before the run is recorded
            error = error or exc
            continue
        done += 1
        record_progress(run)
        if on_batch is not None:
            on_batch(done, len(run.bounds), bounds, totals)
    if error is not None:
        raise error


def run_batches_at_once(
    run: Run,
    submit: Submit,
    *,
    workers: int,
    collect: Collect = committed,
    finish_step: FinishStep = finish,
    on_batch: OnDone | None = None,
    flow_run_id: str | None = None,
) -> dict[str, Any]:
    """`core.run_batches` with up to `workers` batches at once: `submit(run, lo, hi)` starts one
    and returns its future; `collect(run, result)` turns its result into its counts."""
    run.serial = False  # each batch's transaction leaves the run row alone (record_progress)
    try:
        _drain(run, submit, collect, max(1, workers), on_batch)
    except BaseException as exc:
        finish_step(run, RunStatus.FAILED, error_text(exc), flow_run_id=flow_run_id)
        raise
    return finish_step(run, RunStatus.SUCCEEDED, flow_run_id=flow_run_id)


def run_day_at_once(
    engine: Engine,
    as_of: date,
    bundle: PolicyBundle,
    workers: int,
    batch_size: int = BATCH_SIZE,
    evaluator: Evaluator | None = None,
) -> dict[str, Any]:
    """`core.run_day` with up to `workers` batches at once in threads of this process (no
    Prefect). On SQLite - one writer at a time - the batches run one after another."""
    run = prepare(engine, as_of, bundle, batch_size, evaluator=evaluator)
    if engine.dialect.name == "sqlite" or workers <= 1:
        from tasks.cycle.core import run_batches

        return run_batches(run)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cycle-batch") as pool:
        return run_batches_at_once(
            run, lambda r, lo, hi: pool.submit(process_batch, r, lo, hi), workers=workers
        )


def run_days_at_once(
    engine: Engine,
    start: date,
    end: date | None,
    policy_dir: Path | None,
    workers: int | None,
    progress: Callable[[date, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """`days.run_days_core` with `run_day_at_once` (`workers` None: DUECOURSE_CYCLE_WORKERS)."""
    n = workers or env_settings().cycle_workers
    plan_days(engine, start, end)  # a range refused (order, future) is refused before the policy
    try:
        bundle = PolicyBundle.load(policy_dir)
    except DuecourseError as exc:
        record_failure(engine, start, exc)
        raise
    return run_range(
        engine, start, end, lambda day: run_day_at_once(engine, day, bundle, n), progress
    )


# -- batches in other processes (Dask workers) ---------------------------------------------------


@dataclass(frozen=True)
class RemoteRun:
    """What a batch run in another process needs, as plain picklable values: the run's row,
    the policy, calendar and roster it was opened with (never reloaded: one policy per run)
    and the owners' loads when the batch was sent. `database_url` is password-free; a worker
    whose store needs a password finds the full URL in its own DUECOURSE_DATABASE_URL."""

    database_url: str
    as_of: date
    run_id: int
    policy: Policy
    calendar: BusinessCalendar
    users: list[User]
    batch_size: int
    evaluator: Evaluator
    loads: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, run: Run, database_url: str) -> RemoteRun:
        ctx = run.ctx
        return cls(
            database_url, ctx.as_of, ctx.run_id, ctx.policy, ctx.calendar, list(ctx.users),
            ctx.batch_size, run.evaluator,
        )  # fmt: skip

    def sent(self, run: Run) -> RemoteRun:
        """This job with the run's owner loads as they stand now (a batch about to be sent)."""
        with run.guard:
            return replace(self, loads=dict(run.ctx.loads))


_WORKER_ENGINES: dict[str, Engine] = {}


def worker_engine(url: str) -> Engine:
    """One engine per store per worker process (the flow's process has migrated the store)."""
    if "***" in url:
        full = env_settings().database_url
        if not full:
            raise DuecourseError(
                "this Dask worker cannot reach the store: set DUECOURSE_DATABASE_URL (with its "
                "password) in the workers' environment"
            )
        url = full
    if url not in _WORKER_ENGINES:
        _WORKER_ENGINES[url] = make_engine(url)
    return _WORKER_ENGINES[url]


def run_remote_batch(job: RemoteRun, lo: int, hi: int) -> tuple[RunTotals, dict[str, int]]:
    """One batch in this process: its counts and the owners' loads it counted (the flow adds
    both to the run's with `Run.add`)."""
    engine = worker_engine(job.database_url)
    ctx = CycleContext(
        engine=engine,
        as_of=job.as_of,
        policy=job.policy,
        calendar=job.calendar,
        users=job.users,
        run_id=job.run_id,
        loads=dict(job.loads),
        batch_size=job.batch_size,
    )
    run = Run(ctx, StoreLock(engine, "a daily cycle's batch"), [(lo, hi)], job.evaluator)
    run.serial = False  # the flow records the progress
    totals = process_batch(run, lo, hi)
    return totals, loads_delta(job.loads, run.ctx.loads)


def counted_remotely(run: Run, result: Any) -> RunTotals:
    """A remote batch's counts and owners into the run's."""
    totals, counted = result
    run.add(totals, counted)
    return totals  # type: ignore[no-any-return]
