"""The daily cycle as plain functions: prepare a run, process its batches, finish it.

`run_day` chains them without Prefect (the benchmark's baseline and the tests' path); the flow
calls the same three steps as Prefect tasks.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.types import utcnow
from rules.calendar import BusinessCalendar
from rules.enums import CaseStatus, MilestoneStatus, RunStatus
from rules.errors import DuecourseError
from rules.events import cleared
from rules.milestone_checks import DueDates, event_names
from rules.negotiation_policy import NegotiationPolicy
from rules.policy import Policy
from rules.roster import User
from tasks.calendar import load_calendar
from tasks.cycle.context import CycleContext, RunTotals
from tasks.cycle.evaluate import BatchEvaluator
from tasks.cycle.loads import add_loads, loads_delta, own_loads
from tasks.cycle.read import CASE, MILESTONE, batch_bounds, open_case_loads, read_batch
from tasks.cycle.runs import (
    before_run,
    error_text,
    finish_run,
    record_failure,
    start_run,
    touch_run,
)
from tasks.cycle.sql.engine import SqlBatch, sql_unsupported
from tasks.cycle.write import write_plan
from tasks.legal_clock import sweep_statutory
from tasks.negotiation.monitor import monitor_negotiation
from tasks.negotiation.policy import load_negotiation_policy
from tasks.policy import load_policy, load_roster
from tasks.policy_versions import record_version
from tasks.reviews import withdraw_closed_reviews, withdraw_moved_reviews
from tasks.store_lock import StoreLock, holder_text

BATCH_SIZE = 20_000
MISSED_SHOWN = 50


class Evaluator(StrEnum):
    """How a batch is decided: `sql`, set-based statements compiled from the policy (the
    default, tasks/cycle/sql/), or `python`, the per-case reference evaluator (tasks/cycle/
    evaluate.py) that the SQL engine is proved against, also used when a policy asks for
    something the SQL compiler does not say (e.g. a risk reason format it does not know)."""

    SQL = "sql"
    PYTHON = "python"


ENV_ENGINE = "DUECOURSE_CYCLE_ENGINE"


def configured_evaluator() -> Evaluator:
    """The engine `DUECOURSE_CYCLE_ENGINE` names (sql, the default, or python)."""
    value = os.environ.get(ENV_ENGINE, "").strip().lower() or Evaluator.SQL.value
    try:
        return Evaluator(value)
    except ValueError:
        raise DuecourseError(f"{ENV_ENGINE} must be sql or python, not {value!r}") from None


class PolicyBundle:
    """The policy in force, the business calendar and the roster, loaded once per run."""

    def __init__(
        self,
        policy: Policy,
        calendar: BusinessCalendar,
        users: list[User],
        negotiation: NegotiationPolicy | None = None,
    ) -> None:
        self.policy = policy
        self.calendar = calendar
        self.users = users
        self.negotiation = negotiation or NegotiationPolicy()

    @classmethod
    def load(cls, policy_dir: Path | None) -> PolicyBundle:
        return cls(
            load_policy(policy_dir),
            load_calendar(policy_dir),
            load_roster(policy_dir),
            load_negotiation_policy(policy_dir),
        )


class Run:
    """A run in progress: the shared context, its lock and its batches."""

    def __init__(
        self,
        ctx: CycleContext,
        lock: StoreLock,
        bounds: list[tuple[int, int]],
        evaluator: Evaluator = Evaluator.SQL,
    ):
        self.ctx = ctx
        self.lock = lock
        self.bounds = bounds
        self.evaluator = evaluator
        self.dues = DueDates(ctx.calendar)
        flags, met = event_names(ctx.policy)
        self.event_names = flags | met | {cleared(f) for f in flags}
        # On PostgreSQL the flow may run a run's batches at once (flows/daily_cycle.py): the
        # run's counts and owner loads change under this lock, each batch counting on its own
        # copy of the loads (tasks/cycle/loads.py). `serial`: one batch at a time, each writing
        # the progress so far first (on SQLite also its write lock before reading); batches run
        # at once leave that to whoever runs them (a shared row would make them wait in turn).
        self.guard = threading.Lock()
        self.serial = True
        self.negotiation: dict[str, int] = {}  # promises and plans kept, broken... (prepare)

    def batch_context(self) -> CycleContext:
        """The context for one batch: its own copy of the owners' loads, taken now."""
        with self.guard:
            return own_loads(self.ctx)

    def add(self, totals: RunTotals, counted: dict[str, int]) -> RunTotals:
        """A committed batch's counts and the owners it counted, into the run's; returns the
        run's counts so far (a copy: cases and actions)."""
        with self.guard:
            self.ctx.totals.merge(totals)
            add_loads(self.ctx.loads, counted)
            t = self.ctx.totals
            return RunTotals(cases=t.cases, actions=Counter(t.actions))


def prepare(
    engine: Engine,
    as_of: date,
    bundle: PolicyBundle,
    batch_size: int = BATCH_SIZE,
    flow_run_id: str | None = None,
    evaluator: Evaluator | None = None,
) -> Run:
    """Take the store lock (tasks.store_lock: no import or other cycle meanwhile), mark runs
    left running as crashed, check the day (not in the future, not before the last day run),
    open the run row. A refusal (a busy store included) is recorded as a failed row."""
    lock = StoreLock(engine, holder_text("a daily cycle", as_of))
    try:
        lock.acquire()
        with engine.begin() as conn:
            warnings = before_run(conn, as_of)
            withdraw_closed_reviews(conn, as_of)  # a closed case's pending review has no decision
            withdraw_moved_reviews(conn, as_of)  # nor one asked from a stay that has ended
            loads = open_case_loads(conn)
            run_id = start_run(conn, as_of, bundle.policy.version, flow_run_id=flow_run_id)
            # promises and plans kept or broken today, before the ladder reads the flags
            kept = monitor_negotiation(
                conn, as_of, bundle.policy, bundle.negotiation, run_id=run_id
            )
            record_version(conn, bundle.policy)  # readable years later: policy show --version
            bounds = batch_bounds(conn, batch_size)
    except BaseException as exc:
        lock.release()
        record_failure(engine, as_of, exc, version=bundle.policy.version, flow_run_id=flow_run_id)
        raise
    ctx = CycleContext(
        engine=engine,
        as_of=as_of,
        policy=bundle.policy,
        calendar=bundle.calendar,
        users=bundle.users,
        run_id=run_id,
        loads=loads,
        batch_size=batch_size,
    )
    for w in warnings:
        ctx.totals.warn(w)
    evaluator = evaluator or configured_evaluator()
    if evaluator is Evaluator.SQL and (why := sql_unsupported(bundle.policy)) is not None:
        ctx.totals.warn(f"decided by the reference evaluator: {why}")
        evaluator = Evaluator.PYTHON
    cal = bundle.calendar.warning_for(as_of)
    if cal:
        ctx.totals.warn(cal)
    run = Run(ctx, lock, bounds, evaluator)
    run.negotiation = kept.counts()
    return run


def process_batch(run: Run, lo: int, hi: int) -> RunTotals:
    """Read, evaluate and write the open cases with lo <= id <= hi, in one transaction.

    Safe to retry: a failure rolls the transaction back, the owners' loads it counted were its
    own copy (the run's are counted on commit), and the unique action keys keep a retried batch
    from doing twice what a committed one did. Batches may run at once on PostgreSQL."""
    ctx = run.batch_context()
    before = dict(ctx.loads)
    with ctx.engine.begin() as conn:
        if run.serial:  # first a write: SQLite's lock before reading
            touch_run(conn, ctx.run_id, ctx.totals)
        if run.evaluator is Evaluator.SQL:
            totals = SqlBatch(ctx, conn, lo, hi, run.dues).run()
        else:
            batch = read_batch(conn, lo, hi, ctx.as_of, run.event_names)
            plan = BatchEvaluator(ctx, batch, run.dues).run()
            write_plan(conn, plan)
            totals = plan.totals
    run.add(totals, loads_delta(before, ctx.loads))
    return totals


def waive_closed(engine: Engine, as_of: date) -> int:
    """Open milestones of cases closed since (paid, cured...) are waived, set-based."""
    m, c = MILESTONE, CASE
    closed = sa.select(c.c.id).where(c.c.status == CaseStatus.CLOSED)
    with engine.begin() as conn:
        result = conn.execute(
            sa.update(m)
            .where(m.c.status == MilestoneStatus.OPEN, m.c.case_id.in_(closed))
            .values(
                status=MilestoneStatus.WAIVED,
                closed_on=as_of,
                reason="case closed",
                updated_at=utcnow(),
            )
        )
    return int(result.rowcount or 0)


def summary(run: Run, status: RunStatus) -> dict[str, Any]:
    """The run as JSON-safe data (no personal data: case ids, kinds, owners' user names)."""
    ctx, t = run.ctx, run.ctx.totals
    return {
        "run_id": ctx.run_id,
        "as_of": ctx.as_of.isoformat(),
        "status": status.value,
        "policy_version": ctx.version,
        "cases": t.cases,
        "actions": dict(sorted(t.actions.items())),
        "skipped": t.skipped,
        "risk_changes": t.risk_changes,
        "capacity_exceeded": t.capacity_exceeded,
        "missed": t.missed[:MISSED_SHOWN],
        "missed_total": len(t.missed),
        "warnings": list(t.warnings),
        "negotiation": run.negotiation,
    }


def finish(
    run: Run, status: RunStatus, error: str | None = None, flow_run_id: str | None = None
) -> dict[str, Any]:
    """Record the run's outcome and release the lock."""
    ctx = run.ctx
    try:
        if status == RunStatus.SUCCEEDED:
            waive_closed(ctx.engine, ctx.as_of)
            with ctx.engine.begin() as conn:  # the run's moves end their stays' pending reviews
                withdraw_moved_reviews(conn, ctx.as_of)
            with ctx.engine.begin() as conn:  # court steps' statutory periods (issue 19)
                swept = sweep_statutory(conn, ctx.as_of, ctx.calendar).counts()
            for name, n in swept.items():
                if n:
                    ctx.totals.actions[name] += n
        for w in run.dues.warnings:
            ctx.totals.warn(w)
        finish_run(ctx.engine, ctx.run_id, ctx.totals, status, error, flow_run_id)
    finally:
        run.lock.release()
    return summary(run, status)


BatchStep = Callable[[Run, int, int], RunTotals]
FinishStep = Callable[..., dict[str, Any]]
OnBatch = Callable[[int, int, RunTotals], None]


def run_batches(
    run: Run,
    *,
    step: BatchStep = process_batch,
    finish_step: FinishStep = finish,
    on_batch: OnBatch | None = None,
    flow_run_id: str | None = None,
) -> dict[str, Any]:
    """The run's batches in order, then its record: the one sequence of a daily cycle, with or
    without Prefect (the flow passes its tasks as `step` and `finish_step`). A failure is
    recorded on the run row and raised again. `on_batch(done, of, totals)` after each batch."""
    try:
        for i, (lo, hi) in enumerate(run.bounds, 1):
            totals = step(run, lo, hi)
            if on_batch is not None:
                on_batch(i, len(run.bounds), totals)
    except BaseException as exc:
        finish_step(run, RunStatus.FAILED, error_text(exc), flow_run_id=flow_run_id)
        raise
    return finish_step(run, RunStatus.SUCCEEDED, flow_run_id=flow_run_id)


def run_day(
    engine: Engine,
    as_of: date,
    bundle: PolicyBundle,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    evaluator: Evaluator | None = None,
) -> dict[str, Any]:
    """One daily cycle without Prefect: every batch in order, then the run record."""
    run = prepare(engine, as_of, bundle, batch_size, evaluator=evaluator)
    on_batch = (lambda done, of, _totals: progress(done, of)) if progress is not None else None
    return run_batches(run, on_batch=on_batch)
