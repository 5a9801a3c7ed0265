"""A run's batches at once on PostgreSQL (tasks/cycle/parallel.py, without Prefect): the same
stages, actions and milestones as one batch at a time; a failed batch fails the run and the
batches that committed stay, so the day runs again to the same end."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from rules.enums import RunStatus
from rules.errors import DuecourseError
from tasks.cycle import parallel
from tasks.cycle.core import finish, process_batch, run_day
from tasks.cycle.loads import add_loads, loads_delta, own_loads
from tests.conftest import require_pg
from tests.tasks.cycle_data import MONDAY, bundle, rows, table
from tests.tasks.cycle_portfolio import BATCH, first_two_meet, outcome, pg_store

pytestmark = pytest.mark.pg
PROCESS = "tasks.cycle.parallel.process_batch"  # what the threads run


def test_two_workers_decide_what_one_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    base = require_pg()
    with pg_store(base) as one, pg_store(base) as two:
        alone = run_day(one, MONDAY, bundle(), batch_size=BATCH)
        monkeypatch.setattr(PROCESS, first_two_meet(process_batch))
        together = parallel.run_day_at_once(two, MONDAY, bundle(), 2, batch_size=BATCH)
        assert together["status"] == alone["status"] == RunStatus.SUCCEEDED.value
        assert together["cases"] == alone["cases"] == 36
        assert together["actions"] == alone["actions"] and sum(alone["actions"].values()) > 36
        assert outcome(two) == outcome(one)
        (run,) = table(two, "cycle_run")
        assert run.cases == 36 and json.loads(run.counts) == alone["actions"]


def test_a_failed_batch_fails_the_run_and_the_others_stay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = process_batch
    started: list[int] = []

    def third_fails(run: Any, lo: int, hi: int) -> Any:
        started.append(lo)
        if lo == run.bounds[2][0]:
            raise DuecourseError("batch refused")
        return real(run, lo, hi)

    base = require_pg()
    with pg_store(base) as clean, pg_store(base) as broken:
        run_day(clean, MONDAY, bundle(), batch_size=BATCH)
        monkeypatch.setattr(PROCESS, third_fails)
        with pytest.raises(DuecourseError, match="batch refused"):
            parallel.run_day_at_once(broken, MONDAY, bundle(), 2, batch_size=BATCH)
        (run,) = table(broken, "cycle_run")
        assert run.status == RunStatus.FAILED and "batch refused" in (run.error or "")
        assert len(started) < 8  # no batch is started after the failure
        done = rows(broken, "select count(distinct case_id) from cycle_action")[0][0]
        assert 0 < done < 36  # what committed before the failure stays
        monkeypatch.setattr(PROCESS, real)
        again = parallel.run_day_at_once(broken, MONDAY, bundle(), 2, batch_size=BATCH)
        assert again["status"] == RunStatus.SUCCEEDED.value
        assert outcome(broken) == outcome(clean)  # the keys: nothing done twice


def test_a_batch_counts_owners_on_its_own_copy() -> None:
    class Ctx:
        def __init__(self) -> None:
            self.loads = {"ann": 2}

    ctx = Ctx()
    view = own_loads(ctx)  # type: ignore[arg-type]
    view.loads["ann"] += 1
    view.loads["bob"] = 1
    assert ctx.loads == {"ann": 2}  # the run's loads move only when the batch commits
    counted = loads_delta({"ann": 2}, view.loads)
    assert counted == {"ann": 1, "bob": 1}
    run_loads = {"ann": 5, "cat": 1}
    add_loads(run_loads, counted)
    add_loads(run_loads, {"cat": -3})
    assert run_loads == {"ann": 6, "bob": 1, "cat": 0}


def test_a_batch_sent_to_another_process_comes_back_counted() -> None:
    """What a Dask worker gets is plain values (pickled); its counts and owners come back."""
    from tasks.cycle.core import PolicyBundle, prepare

    with pg_store(require_pg()) as engine:
        run = prepare(engine, MONDAY, PolicyBundle.load(None), BATCH)
        url = engine.url.render_as_string(hide_password=False)
        job = pickle.loads(pickle.dumps(parallel.RemoteRun.of(run, url).sent(run)))
        results = [
            pickle.loads(pickle.dumps(parallel.run_remote_batch(job, lo, hi)))
            for lo, hi in run.bounds
        ]
        for result in results:
            parallel.counted_remotely(run, result)
        summary = finish(run, RunStatus.SUCCEEDED)
        assert summary["cases"] == 36 and summary["actions"]["owner_assigned"] == 36
        assert sum(run.ctx.loads.values()) == 36  # every owner counted back on the run
        assert rows(engine, "select count(*) from cycle_action")[0][0] == sum(
            summary["actions"].values()
        )


def test_a_worker_without_the_password_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DUECOURSE_DATABASE_URL", raising=False)
    with pytest.raises(DuecourseError, match="DUECOURSE_DATABASE_URL"):
        parallel.worker_engine("postgresql+psycopg://app:***@db/duecourse")
