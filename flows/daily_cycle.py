"""The daily cycle flow: refresh buckets and risk, apply the ladder, assign owners, open and check
milestones, plan the day's actions and open reviews, in batches of thousands of cases per task.

`daily_cycle` is the Prefect flow (deployed by prefect.yaml, served by `duecourse serve`);
`run_days` runs a range of days in order through it, or through the same core without Prefect.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from sqlalchemy.engine import Engine

from flows.run_log import (
    current_flow_run_id,
    daily_run_name,
    record_as_of,
    run_logs_off_terminal,
    user_failure,
)
from models.db import CycleRunner, env_settings, open_engine
from models.db import database_url as resolve_url
from rules.enums import RunStatus
from rules.errors import DuecourseError, InputError
from rules.masking import hide_secrets
from tasks.clock import today
from tasks.cycle.after import after_day
from tasks.cycle.context import RunTotals
from tasks.cycle.core import BATCH_SIZE, PolicyBundle, Run, prepare, run_batches
from tasks.cycle.days import run_days_core, run_range
from tasks.cycle.parallel import (
    BatchFuture,
    Collect,
    OnDone,
    RemoteRun,
    Submit,
    committed,
    counted_remotely,
    run_batches_at_once,
    run_days_at_once,
)
from tasks.cycle.prefect_tasks import batch_task, finish_task, remote_batch_task
from tasks.cycle.report import run_markdown
from tasks.cycle.runs import day_runs, error_text, record_failure
from tasks.dispatch.report import day_contacts
from tasks.notify.alerts import alert_failed_run
from tasks.report.build import day_kpis
from tasks.workload import open_case_loads, over_capacity_line, over_capacity_rows

_ENGINES: dict[str, Engine] = {}


def engine_for(url: str | None) -> Engine:
    """One migrated engine per database URL per process (engines registered by `shared_url`
    are found by their password-free URL)."""
    key = resolve_url(url)
    if key not in _ENGINES:
        _ENGINES[key] = open_engine(key)
    return _ENGINES[key]


def shared_url(engine: Engine) -> str:
    """A password-free URL naming `engine` for flow parameters (which Prefect shows in its UI
    and stores): `user:***@` and `?password=***` alike (rules.masking.hide_secrets); flows in
    this process find the engine itself through `engine_for`."""
    key = hide_secrets(engine.url.render_as_string(hide_password=True))
    _ENGINES.setdefault(key, engine)
    return key


def batch_runner(workers: int, dask: bool, address: str | None) -> TaskRunner[Any]:
    """What runs a cycle's batches at once: `workers` threads of this process, or Dask through
    prefect-dask (a development extra, imported only here) - the scheduler at `address`, else a
    LocalCluster of `workers` single-threaded worker processes."""
    if not dask:
        return ThreadPoolTaskRunner(max_workers=workers)
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:
        raise InputError(
            "DUECOURSE_CYCLE_RUNNER=dask (or DUECOURSE_DASK_ADDRESS) needs prefect-dask: "
            "pip install --require-hashes -r requirements-dev.lock"
        ) from exc
    if address:
        return cast(TaskRunner[Any], DaskTaskRunner(address=address))
    kwargs = {"n_workers": workers, "threads_per_worker": 1, "processes": True,
              "env": {"PREFECT_API_URL": prefect_api_url()}}  # fmt: skip
    return cast(TaskRunner[Any], DaskTaskRunner(cluster_kwargs=kwargs))


def prefect_api_url() -> str:
    """The Prefect API this flow reports to, for the LocalCluster's worker processes: without
    it each would start a temporary Prefect server of its own (a minute each on a busy machine)
    when the flow itself runs on one."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url)


def run_cycle_batches(
    run: Run, workers: int | None, on_batch: OnDone, flow_run_id: str | None
) -> dict[str, Any]:
    """The run's batches: one after another on SQLite (one writer) or with one worker; else up
    to `workers` (default DUECOURSE_CYCLE_WORKERS) at once as concurrent task runs, on threads
    or on Dask (DUECOURSE_CYCLE_RUNNER=dask, DUECOURSE_DASK_ADDRESS)."""
    env = env_settings()
    n = workers or env.cycle_workers
    dask = env.cycle_runner is CycleRunner.DASK or bool(env.dask_address)
    if run.ctx.engine.dialect.name == "sqlite" or (n <= 1 and not dask):

        def each(done: int, of: int, totals: RunTotals) -> None:
            on_batch(done, of, run.bounds[done - 1], totals)

        return run_batches(
            run, step=batch_task, finish_step=finish_task, on_batch=each, flow_run_id=flow_run_id
        )  # fmt: skip
    with ExitStack() as stack:
        try:
            runner = stack.enter_context(batch_runner(n, dask, env.dask_address))
        except BaseException as exc:  # no Dask, or no cluster: the run is recorded as failed
            finish_task(run, RunStatus.FAILED, error_text(exc), flow_run_id=flow_run_id)
            raise
        submit, collect = submitter(runner, run, dask)
        return run_batches_at_once(
            run, submit, workers=n, collect=collect,
            finish_step=finish_task, on_batch=on_batch, flow_run_id=flow_run_id,
        )  # fmt: skip


def submitter(runner: TaskRunner[Any], run: Run, dask: bool) -> tuple[Submit, Collect]:
    """How a batch is sent to `runner`: the run itself to a thread of this process; to a Dask
    worker, plain values (tasks.cycle.parallel.RemoteRun) whose counts come back to the run."""
    if not dask:

        def here(r: Run, lo: int, hi: int) -> BatchFuture:
            return cast(BatchFuture, runner.submit(batch_task, {"run": r, "lo": lo, "hi": hi}))

        return here, committed
    job = RemoteRun.of(run, shared_url(run.ctx.engine))

    def there(r: Run, lo: int, hi: int) -> BatchFuture:
        params = {"job": job.sent(r), "lo": lo, "hi": hi}
        return cast(BatchFuture, runner.submit(remote_batch_task, params))

    return there, counted_remotely


@flow(
    name="daily-cycle",
    flow_run_name=daily_run_name,
    persist_result=False,
    log_prints=False,
    on_failure=[alert_failed_run],  # e-mails the ops role, once per run; never raises
    on_crashed=[alert_failed_run],
)
def daily_cycle(
    as_of: date | None = None,
    database_url: str | None = None,
    policy_dir: str | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> dict[str, Any] | State[Any]:
    """One day of the cycle; `as_of` defaults to today in Asia/Shanghai. `workers`: batches at
    once on PostgreSQL (default DUECOURSE_CYCLE_WORKERS, 1; SQLite runs them one at a time).

    Logs its progress to the run's log (batches, counts, warnings; case ids and staff names
    only). A person's mistake (policy, order of days, a future day) ends the run Failed with
    the cause and a `failed` row in `cycle_run`, without a traceback.
    """
    log = get_run_logger()
    day = as_of or today()
    run_id = current_flow_run_id()
    if as_of is None:
        record_as_of(day, {"database_url": database_url, "policy_dir": policy_dir,
                           "batch_size": batch_size, "workers": workers})  # fmt: skip
    try:
        engine = engine_for(database_url)  # unreachable: no row can be written, only the log
    except DuecourseError as exc:
        return user_failure(log, f"daily cycle {day.isoformat()}", exc)
    try:
        bundle = PolicyBundle.load(Path(policy_dir) if policy_dir else None)
    except DuecourseError as exc:
        record_failure(engine, day, exc, flow_run_id=run_id)
        return user_failure(log, f"daily cycle {day.isoformat()}", exc)
    try:
        run = prepare(engine, day, bundle, batch_size, flow_run_id=run_id)  # records a refusal
    except DuecourseError as exc:
        return user_failure(log, f"daily cycle {day.isoformat()}", exc)
    log.info(
        "daily cycle %s (run %d): policy %s, %d batch(es) of up to %d cases",
        day.isoformat(), run.ctx.run_id, bundle.policy.version[:12], len(run.bounds), batch_size,
    )  # fmt: skip
    for w in run.ctx.totals.warnings:
        log.warning(w)

    def logged(done: int, of: int, bounds: tuple[int, int], totals: RunTotals) -> None:
        lo, hi = bounds
        log.info(
            "batch %d/%d (case ids %d-%d): %d cases, %d actions",
            done, of, lo, hi, totals.cases, sum(totals.actions.values()),
        )  # fmt: skip

    seen = set(run.ctx.totals.warnings)
    summary = run_cycle_batches(run, workers, logged, run_id)
    # the lawyer's letters and the next legal step's reviews (tasks/cycle/after.py)
    summary["after"] = after_day(
        engine, day, bundle.policy, bundle.calendar,
        policy_dir=Path(policy_dir) if policy_dir else None,
    )  # fmt: skip
    log.info("after the cycle: %s", summary["after"])
    for w in summary["warnings"]:
        if w not in seen:
            log.warning(w)
    log.info(
        "done: %d open cases, actions %s, %d already recorded (skipped), %d missed deadlines",
        summary["cases"], ", ".join(f"{k} {n}" for k, n in summary["actions"].items()) or "none",
        summary["skipped"], summary["missed_total"],
    )  # fmt: skip
    with engine.connect() as conn:
        earlier = [r for r in day_runs(conn, day) if r["run_id"] != summary["run_id"]]
        over = over_capacity_rows(bundle.users, open_case_loads(conn))
        kpis = day_kpis(conn, day, bundle.users)
        contacts = {"day": day - timedelta(days=1), **day_contacts(conn, day - timedelta(days=1))}
    log.info(over_capacity_line(over))
    create_markdown_artifact(
        markdown=run_markdown(summary, earlier, over_capacity=over, kpis=kpis, contacts=contacts),
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
    workers: int | None = None,
) -> list[dict[str, Any]]:
    """Run start..end (inclusive; end None: only start) in order, one flow run per day.

    Days already run are skipped within a range (a single day already run is run again and
    finds nothing to do); a day before the last day run is refused (DuecourseError).
    `progress(day, summary)` is called after each day. `use_prefect=False` runs the same core
    without Prefect (the CLI does when no Prefect server is configured). `workers`: batches at
    once on PostgreSQL (the flow's parameter; without Prefect, threads of this process).
    """
    eng = engine or engine_for(database_url)
    if not use_prefect:
        folder = Path(policy_dir) if policy_dir else None
        if (workers or env_settings().cycle_workers) > 1:
            return run_days_at_once(eng, start, end, folder, workers, progress)
        return run_days_core(eng, start, end, folder, progress)
    url = shared_url(eng)
    pdir = str(policy_dir) if policy_dir is not None else None

    def one(day: date) -> dict[str, Any]:
        # a Failed run raises its cause here (a DuecourseError: one line on the CLI)
        summary = daily_cycle(as_of=day, database_url=url, policy_dir=pdir, workers=workers)
        return cast(dict[str, Any], summary)

    with run_logs_off_terminal():
        return run_range(eng, start, end, one, progress)
