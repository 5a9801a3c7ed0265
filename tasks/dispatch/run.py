"""A dispatch run: the day's due lines, batch by batch, under the store lock, recorded as a run
(`cycle_run`, flow `contact_dispatch`: counts by channel and status, blocked and deferred by
rule, failures), with retries of transient provider failures.

The moment a run acts at (`now`) decides the gate's hours: for real, the current time in
Asia/Shanghai whatever day's lines it takes, taken again for each batch (a long run's later
batches are judged, and their contacts recorded, at their own time); on a simulated day
($DUECOURSE_TODAY: the demo, tests) the day at `DEFAULT_AT`, or the time the caller gives.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models import CycleRun
from models.types import utcnow
from rules.enums import Channel, RunStatus
from rules.errors import InputError
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.channels.base import Sender
from tasks.clock import SHANGHAI, is_pinned, today
from tasks.conduct import load_conduct_pack
from tasks.db_errors import safe_error_text
from tasks.dispatch.batch import BatchOutcome, DispatchContext, dispatch_batch
from tasks.dispatch.lines import skip_stale
from tasks.letter_data import LetterContext
from tasks.negotiation.policy import load_negotiation_policy
from tasks.store_lock import StoreLock, holder_text

FLOW = "contact_dispatch"
BATCH_SIZE = 2000
DEFAULT_AT = clock_time(9, 0)
RETRIES = 2  # a batch's transient failures are tried again this many times
RETRY_DELAYS = (2.0, 10.0)  # seconds before each retry
RUN = CycleRun.__table__  # type: ignore[attr-defined]


def run_moment(day: date, at: clock_time | None = None) -> datetime:
    """When a run for `day` acts. For real (no $DUECOURSE_TODAY): now, whatever `day` is (a past
    day's lines are caught up now, and each contact is recorded when it really left); `at` is
    refused, since a message cannot leave at another time than now. Simulated (the demo, tests):
    `at` that day, else `DEFAULT_AT` (Asia/Shanghai)."""
    if not is_pinned():
        if at is not None:
            raise InputError(
                "--at simulates the time of day of a run: only with DUECOURSE_TODAY set (the "
                "demo, tests); a real dispatch sends at the real time"
            )
        return datetime.now(SHANGHAI).replace(microsecond=0)
    return datetime.combine(day, at or DEFAULT_AT, SHANGHAI)


@dataclass
class DispatchReport:
    run_id: int
    as_of: date
    at: datetime
    pack: str
    senders: dict[str, str]
    outcome: BatchOutcome = field(default_factory=BatchOutcome)
    stale: int = 0
    batches: int = 0

    def as_dict(self) -> dict[str, Any]:
        o = self.outcome
        by_channel: dict[str, dict[str, int]] = {}
        for key, n in sorted(o.statuses.items()):
            channel, status = key.split(":", 1)
            by_channel.setdefault(channel, {})[status] = n
        return {
            "run_id": self.run_id,
            "as_of": self.as_of,
            "at": self.at,
            "conduct_pack": self.pack,
            "senders": self.senders,
            "lines": o.lines,
            "by_channel": by_channel,
            "blocked": dict(o.blocked.most_common()),
            "deferred": dict(o.deferred.most_common()),
            "failures": dict(o.failures.most_common(20)),
            "stale": self.stale,
            "batches": self.batches,
        }


BatchRunner = Callable[[DispatchContext, int, int | None], BatchOutcome]


def local_batches(ctx: DispatchContext, after: int, upto: int | None) -> BatchOutcome:
    """A batch with its retries in this process (the Prefect flow uses task retries instead)."""
    total = BatchOutcome(last_id=after)
    for attempt in range(RETRIES + 1):
        final = attempt == RETRIES
        outcome = dispatch_batch(ctx, after=after, upto=upto, limit=BATCH_SIZE, final=final)
        merge_attempt(total, outcome, first=attempt == 0)
        if not outcome.retry_pending or final:
            break
        upto = outcome.last_id
        time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
    return total


def merge_attempt(total: BatchOutcome, outcome: BatchOutcome, *, first: bool) -> None:
    """A retry re-reads only the lines still pending: its counts add to the first attempt's,
    its lines are not new lines."""
    lines = total.lines
    total.add(outcome)
    if not first:
        total.lines = lines
    total.retry_pending = outcome.retry_pending


def _start(engine: Engine, day: date, pack_ref: str, flow_run_id: str | None) -> int:
    with engine.begin() as conn:
        conn.execute(
            sa.update(RUN)
            .where(RUN.c.flow == FLOW, RUN.c.status == RunStatus.RUNNING)
            .values(status=RunStatus.CRASHED, error="its process ended before it finished")
        )
        result = conn.execute(
            sa.insert(RUN).values(
                as_of=day, flow=FLOW, policy_version=pack_ref[:64], status=RunStatus.RUNNING,
                cases=0, counts="{}", risk_changes=0, skipped=0, capacity_exceeded=False,
                warnings="[]", started_at=utcnow(), flow_run_id=flow_run_id,
            )
        )  # fmt: skip
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def _finish(engine: Engine, report: DispatchReport, error: str | None = None) -> None:
    status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
    with engine.begin() as conn:
        conn.execute(
            sa.update(RUN)
            .where(RUN.c.id == report.run_id)
            .values(
                status=status,
                cases=report.outcome.lines,
                counts=json.dumps(dict(sorted(report.outcome.statuses.items()))),
                skipped=report.stale,
                warnings=json.dumps(_gate_lines(report.outcome), ensure_ascii=False),
                error=error,
                finished_at=utcnow(),
            )
        )


def _gate_lines(outcome: BatchOutcome) -> list[str]:
    """The run's blocked and deferred counts by rule, as the run list's warnings."""
    return [
        f"{what} by {rule}: {n}"
        for what, counts in (("blocked", outcome.blocked), ("deferred", outcome.deferred))
        for rule, n in counts.most_common()
    ]


def make_context(
    engine: Engine,
    day: date,
    *,
    policy_dir: Path | None,
    senders: Mapping[Channel, Sender],
    at: clock_time | None = None,
) -> DispatchContext:
    calendar = load_calendar(policy_dir)
    folder = policy_dir
    if folder is None:
        from tasks.policy_dir import resolve_policy_dir

        folder = resolve_policy_dir()
    return DispatchContext(
        engine=engine,
        day=day,
        now=run_moment(day, at),
        pack=load_conduct_pack(folder),
        calendar=calendar,
        senders=senders,
        letters=LetterContext(bank=load_bank(folder), calendar=calendar),
        promise_grace_days=load_negotiation_policy(folder).promise.grace_days,
    )


def _batch_context(ctx: DispatchContext) -> DispatchContext:
    """The context a batch acts in. For real, each batch is judged by the gate, and its contacts
    recorded, at the moment it starts: a run begun at 20:55 whose later batches leave after 21:00
    must have them deferred, not sent under the run's start time. Simulated: the run's moment."""
    if is_pinned():
        return ctx
    return replace(ctx, now=max(ctx.now, run_moment(ctx.day)))


def dispatch_day(
    ctx: DispatchContext,
    *,
    run_batch: BatchRunner = local_batches,
    on_progress: Callable[[int], None] | None = None,
    flow_run_id: str | None = None,
) -> DispatchReport:
    """Every due line of `ctx.day`, in batches, holding the store (one run record)."""
    if ctx.day > today():  # a well-formed day that cannot be done: exit 1, as run-day's
        from rules.errors import DuecourseError

        raise DuecourseError(
            f"--as-of {ctx.day} is after today ({today()}): contacts are not sent for a day to come"
        )
    senders = {c.value: s.describe() for c, s in ctx.senders.items()}
    with StoreLock(ctx.engine, holder_text("a contact dispatch", ctx.day)):
        run_id = _start(ctx.engine, ctx.day, ctx.pack.fingerprint, flow_run_id)
        report = DispatchReport(run_id, ctx.day, ctx.now, ctx.pack.fingerprint, senders)
        try:
            with ctx.engine.begin() as conn:
                report.stale = skip_stale(conn, day=ctx.day, now=ctx.now)
                if conn.dialect.name == "postgresql":
                    # the cycle has just written the day's lines: plan on fresh statistics (the
                    # due-lines read and the contact-key lookups were 3-10x slower without)
                    conn.exec_driver_sql("ANALYZE cycle_action, contact")
            after = 0
            while True:
                outcome = run_batch(_batch_context(ctx), after, None)
                if not outcome.lines:
                    break
                report.outcome.add(outcome)
                report.batches += 1
                after = outcome.last_id
                if on_progress is not None:
                    on_progress(outcome.lines)
        except BaseException as exc:
            _finish(ctx.engine, report, safe_error_text(exc) or type(exc).__name__)
            raise
        _finish(ctx.engine, report)
    return report
