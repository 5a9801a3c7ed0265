"""A real dispatch run judges each batch at the moment the batch starts, not at the run's start:
a run begun at 20:55 whose later batches leave after 21:00 must not send them under 20:55 (the
gate's hours) nor record their contacts at 20:55 (a demand's proof). A simulated day keeps its
one pretended moment for every batch."""

from __future__ import annotations

import time as _time
from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from tasks.clock import SHANGHAI
from tasks.dispatch.batch import BatchOutcome, DispatchContext
from tasks.dispatch.run import dispatch_day, make_context
from tests.tasks.dispatch.data import POLICY


def _two_batches(seen: list[datetime]):  # type: ignore[no-untyped-def]
    def run_batch(ctx: DispatchContext, after: int, upto: int | None) -> BatchOutcome:
        seen.append(ctx.now)
        if len(seen) > 2:
            return BatchOutcome(last_id=after)
        _time.sleep(1.1)  # the batch takes a while (the moment is kept to the second)
        return BatchOutcome(lines=1, last_id=after + 1)

    return run_batch


def test_a_real_runs_later_batch_is_judged_at_its_own_time(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUECOURSE_TODAY", raising=False)
    day = datetime.now(SHANGHAI).date()
    ctx = make_context(sqlite_engine, day, policy_dir=POLICY, senders={})
    seen: list[datetime] = []
    report = dispatch_day(ctx, run_batch=_two_batches(seen))
    assert report.batches == 2 and len(seen) == 3
    assert seen[0] >= ctx.now
    assert seen[1] > seen[0] and seen[2] > seen[1]  # each batch at the time it starts


def test_a_simulated_day_keeps_its_moment_for_every_batch(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-02")
    ctx = make_context(sqlite_engine, datetime(2026, 11, 2).date(), policy_dir=POLICY, senders={})
    seen: list[datetime] = []
    dispatch_day(ctx, run_batch=_two_batches(seen))
    assert seen == [datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)] * 3
