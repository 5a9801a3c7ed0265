"""The daily cycle's run: first day, idempotent reruns, crash then rerun, order of days,
capacity, two runs at once on PostgreSQL; refusals and crashes recorded as run rows, a future
day refused, a day without its snapshot warned stale."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine, upgrade
from models.types import utcnow
from rules.enums import Stage
from rules.errors import DuecourseError
from tasks.cycle import core
from tasks.cycle.core import Evaluator, run_day
from tasks.cycle.days import plan_days
from tasks.cycle.sql.engine import SqlBatch
from tasks.store_lock import StoreLock
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle, rows, table
from tests.threads import run_together

pytestmark = pytest.mark.pg


def _portfolio(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        ids = {
            "a": make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id,
            "b": make_case(s, dpd=45, stage=Stage.FORMAL_DEMAND, as_of=MONDAY).id,
            "c": make_case(
                s, dpd=120, principal="150000.00", stage=Stage.FORMAL_DEMAND, as_of=MONDAY
            ).id,
        }
        s.commit()
    return {k: int(v or 0) for k, v in ids.items()}


def test_first_day_plans_actions_assigns_owners_opens_milestones_and_reviews(
    engine: Engine,
) -> None:
    ids = _portfolio(engine)
    result = run_day(engine, MONDAY, bundle())
    assert result["actions"] == {
        "call": 1,
        "mail": 2,  # b and c: formal_demand day 0 (c waits for its review there)
        "milestone_opened": 3,
        "owner_assigned": 3,
        "review_opened": 1,
    }
    assert result["cases"] == 3 and result["skipped"] == 0 and result["status"] == "succeeded"
    cases = {r.id: r for r in table(engine, "collection_case")}
    assert {cases[i].owner for i in ids.values()} <= {"ann", "bob"}
    assert cases[ids["c"]].owner == "ann"  # high risk placed first, on the emptiest desk
    assert cases[ids["c"]].risk_tier == "high"
    assert json.loads(cases[ids["c"]].risk_reasons) == ["balance 150,850 ≥ 100,000", "DPD 120 > 30"]
    assert cases[ids["a"]].risk_tier == "low" and cases[ids["b"]].risk_tier == "medium"
    # the review blocks the move: c stays in formal_demand with a pending legal review
    assert cases[ids["c"]].stage == "formal_demand"
    (review,) = table(engine, "review")
    assert (review.case_id, review.target_stage, review.required_role, review.status) == (
        ids["c"],
        "lawyer_letter",
        "legal",
        "pending",
    )
    due = {r.case_id: r for r in table(engine, "milestone")}
    assert due[ids["a"]].kind == "first_contact"
    assert due[ids["a"]].due == date(2026, 11, 5)  # 3 working days after Monday
    assert due[ids["b"]].due == date(2026, 11, 4)  # 2 calendar days
    assert due[ids["a"]].owner == cases[ids["a"]].owner
    actions = table(engine, "cycle_action")
    version = bundle().policy.version
    for a in actions:
        assert a.key == f"{a.case_id}|{a.step}|{version[:16]}|2026-11-02"
        assert a.policy_version == version
        assert a.status == ("planned" if a.kind in ("call", "mail") else "done"), a.kind
    (run,) = table(engine, "cycle_run")
    assert run.status == "succeeded" and json.loads(run.counts) == result["actions"]
    assert run.finished_at is not None and run.cases == 3


def test_rerunning_a_day_records_nothing_new(engine: Engine) -> None:
    _portfolio(engine)
    first = run_day(engine, MONDAY, bundle())
    before = [
        len(rows(engine, f"SELECT id FROM {t}"))
        for t in ("cycle_action", "milestone", "review", "timeline_event")
    ]
    again = run_day(engine, MONDAY, bundle())
    assert again["actions"] == {}
    # the day's channel actions are derived again and found recorded; state changes are not
    assert again["skipped"] == first["actions"]["call"] + first["actions"]["mail"]
    after = [
        len(rows(engine, f"SELECT id FROM {t}"))
        for t in ("cycle_action", "milestone", "review", "timeline_event")
    ]
    assert after == before


def _keys(engine: Engine) -> list[tuple[Any, ...]]:
    return sorted(
        (r.case_id, r.kind, r.step, r.status)
        for r in rows(engine, "SELECT case_id, kind, step, status FROM cycle_action")
    )


@pytest.mark.parametrize("evaluator", list(Evaluator))
def test_a_crash_mid_run_then_a_rerun_leaves_no_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, evaluator: Evaluator
) -> None:
    clean = make_engine(f"sqlite:///{tmp_path}/clean.sqlite")
    crashed = make_engine(f"sqlite:///{tmp_path}/crashed.sqlite")
    for eng in (clean, crashed):
        upgrade(eng)
        with Session(eng) as s:
            for dpd in (3, 12, 40, 50, 70):
                make_case(s, dpd=dpd, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
            s.commit()
    run_day(clean, MONDAY, bundle(), batch_size=2, evaluator=evaluator)

    owner, name = (SqlBatch, "write") if evaluator is Evaluator.SQL else (core, "write_plan")
    real_write = getattr(owner, name)
    calls = {"n": 0}

    def failing_write(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        real_write(*args)

    monkeypatch.setattr(owner, name, failing_write)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_day(crashed, MONDAY, bundle(), batch_size=2, evaluator=evaluator)
    (failed,) = rows(crashed, "SELECT status, error FROM cycle_run")
    assert failed.status == "failed" and "disk on fire" in failed.error
    assert 0 < len(_keys(crashed)) < len(_keys(clean))  # the first batch was committed
    monkeypatch.setattr(owner, name, real_write)
    rerun = run_day(crashed, MONDAY, bundle(), batch_size=2, evaluator=evaluator)
    assert rerun["status"] == "succeeded" and rerun["skipped"] > 0
    assert _keys(crashed) == _keys(clean)
    owners = "SELECT id, owner, stage FROM collection_case ORDER BY id"
    assert [tuple(r) for r in rows(crashed, owners)] == [tuple(r) for r in rows(clean, owners)]
    clean.dispose()
    crashed.dispose()


def test_days_run_in_order(engine: Engine) -> None:
    _portfolio(engine)
    tuesday = MONDAY + timedelta(days=1)
    run_day(engine, tuesday, bundle())
    with pytest.raises(DuecourseError, match="before the last day run"):
        run_day(engine, MONDAY, bundle())
    with pytest.raises(DuecourseError, match="days run in order"):
        plan_days(engine, MONDAY, tuesday + timedelta(days=2))
    assert plan_days(engine, tuesday, tuesday + timedelta(days=2)) == [
        (tuesday, True),
        (tuesday + timedelta(days=1), False),
        (tuesday + timedelta(days=2), False),
    ]
    friday = MONDAY + timedelta(days=4)
    result = run_day(engine, friday, bundle())
    assert any("2 day(s) not run" in w for w in result["warnings"])


def test_capacity_exceeded_is_recorded(engine: Engine) -> None:
    with Session(engine) as s:
        for _ in range(5):
            make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    result = run_day(engine, MONDAY, bundle())
    assert result["capacity_exceeded"] is True
    (run,) = rows(engine, "SELECT capacity_exceeded FROM cycle_run")
    assert bool(run.capacity_exceeded) is True
    owners = [r.owner for r in rows(engine, "SELECT owner FROM collection_case")]
    assert sorted(owners) == ["ann", "ann", "ann", "bob", "bob"]  # nobody left without one


def test_a_calendar_year_nobody_knows_warns_in_the_run_record(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2031-03-03")
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=date(2031, 3, 3))
        s.commit()
    result = run_day(engine, date(2031, 3, 3), bundle())
    assert any("CALENDAR WARNING" in w and "2031" in w for w in result["warnings"])
    (run,) = rows(engine, "SELECT warnings FROM cycle_run")
    assert "2031" in run.warnings


def test_two_runs_at_once_on_postgresql_do_not_duplicate(pg_schema_url: str) -> None:
    setup = make_engine(pg_schema_url)
    upgrade(setup)
    with Session(setup) as s:
        for dpd in (5, 15, 35, 45, 60, 95):
            make_case(s, dpd=dpd, principal=str(Decimal("1000.00") * dpd), as_of=MONDAY)
        s.commit()
    barrier = threading.Barrier(2)

    def worker() -> dict[str, Any]:
        eng = make_engine(pg_schema_url)
        try:
            barrier.wait()
            return run_day(eng, MONDAY, bundle(), batch_size=2)
        finally:
            eng.dispose()

    results = run_together(worker, worker, timeout=120)
    assert len(results) == 2
    written = sum(sum(r["actions"].values()) for r in results)
    keys = rows(setup, "SELECT key FROM cycle_action")
    assert written == len(keys) == len({k.key for k in keys}) > 0
    assert sorted(sum(r["actions"].values()) for r in results)[0] == 0
    assert len(rows(setup, "SELECT id FROM review")) == 1
    assert len(rows(setup, "SELECT id FROM timeline_event")) == len(
        {(r.case_id, r.event, r.detail) for r in rows(setup, "SELECT * FROM timeline_event")}
    )
    setup.dispose()


def test_a_policy_edited_during_the_day_does_not_plan_the_same_steps_again(
    sqlite_engine: Engine,
) -> None:
    from tasks.calendar import load_calendar
    from tasks.cycle.core import PolicyBundle
    from tests.tasks.cycle_data import LADDER, ROSTER, policy

    _portfolio(sqlite_engine)
    first = run_day(sqlite_engine, MONDAY, bundle())
    edited = policy(LADDER.replace("max_times: 2", "max_times: 3"))
    assert edited.version != bundle().policy.version
    again = run_day(sqlite_engine, MONDAY, PolicyBundle(edited, load_calendar(None), list(ROSTER)))
    assert again["actions"] == {} and again["skipped"] == first["actions"]["call"] + 2
    versions = {r.policy_version for r in table(sqlite_engine, "cycle_run")}
    assert versions == {bundle().policy.version, edited.version}


def _import_run(engine: Engine, as_of: date) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO import_run (file_name, sha256, encoding, as_of, status, rows, "
                "imported, updated, unchanged, quarantined, missing, closed, started_at) VALUES "
                "('s.csv', 'x', 'utf-8', :d, 'succeeded', 0, 0, 0, 0, 0, 0, 0, :now)"
            ),
            {"d": as_of, "now": utcnow()},
        )


def test_a_refused_day_is_still_a_failed_run_row(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 16): a day refused before its run started left no trace."""
    _portfolio(engine)
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-06")
    run_day(engine, MONDAY + timedelta(days=1), bundle())
    with pytest.raises(DuecourseError, match="before the last day run"):
        run_day(engine, MONDAY, bundle())
    with pytest.raises(DuecourseError, match=r"2026-11-07 is after today \(2026-11-06\)"):
        run_day(engine, date(2026, 11, 7), bundle())
    runs = [(r.as_of, r.status, r.error or "") for r in table(engine, "cycle_run")]
    assert [(d, st) for d, st, _ in runs] == [
        (MONDAY + timedelta(days=1), "succeeded"),
        (MONDAY, "failed"),
        (date(2026, 11, 7), "failed"),
    ]
    assert "before the last day run" in runs[1][2] and "after today" in runs[2][2]
    # a failed row does not count as a day run: the order of days is unchanged
    assert run_day(engine, date(2026, 11, 6), bundle())["status"] == "succeeded"


def test_a_run_left_running_is_marked_crashed_by_the_next(engine: Engine) -> None:
    """Regression (issue 16): a run whose process died stayed `running` forever."""
    _portfolio(engine)
    dead = core.prepare(engine, MONDAY, bundle())
    dead.lock.release()  # the process is gone: the operating system / server drops its lock
    (row,) = table(engine, "cycle_run")
    assert row.status == "running"
    result = run_day(engine, MONDAY, bundle())
    assert result["status"] == "succeeded"
    first, second = table(engine, "cycle_run")
    assert first.status == "crashed" and first.finished_at is not None
    assert "ended before the run finished" in first.error
    assert second.status == "succeeded"
    assert any(f"run {first.id} (daily_cycle 2026-11-02) never finished" in w
               for w in result["warnings"])  # fmt: skip


def test_a_day_without_its_snapshot_warns_that_the_data_is_stale(engine: Engine) -> None:
    _portfolio(engine)
    _import_run(engine, MONDAY)
    fresh = run_day(engine, MONDAY, bundle())
    assert not [w for w in fresh["warnings"] if "stale" in w]
    tuesday = MONDAY + timedelta(days=1)
    stale = run_day(engine, tuesday, bundle())
    (warning,) = [w for w in stale["warnings"] if "stale" in w]
    assert "no snapshot imported for 2026-11-03 (the latest is 2026-11-02)" in warning
    (_, second) = table(engine, "cycle_run")
    assert "stale data" in second.warnings


def test_the_sqlite_cycle_lock_is_held_across_processes_and_threads(tmp_path: Path) -> None:
    """On a SQLite file the cycle lock is a flock: a second holder waits (so a `running` row
    found under the lock is a dead run's, never a live one's)."""
    eng = make_engine(f"sqlite:///{tmp_path}/lock.sqlite")
    first, second = StoreLock(eng), StoreLock(eng)
    first.acquire()
    got = threading.Event()

    def take() -> None:
        second.acquire()
        got.set()
        second.release()

    worker = threading.Thread(target=take, daemon=True)
    worker.start()
    assert not got.wait(0.5), "a second holder got the lock while the first held it"
    first.release()
    assert got.wait(10)
    worker.join(10)
    eng.dispose()
