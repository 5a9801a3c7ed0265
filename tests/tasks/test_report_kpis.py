"""The KPI report's numbers against a hand count on a small store (tests/tasks/report_data.py),
on SQLite and PostgreSQL: roll rates, cure rate, balance reduction, SLA per owner and team,
ageing, workload against capacity, legal pipeline; "not yet recorded" where nothing is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import CycleRun, Promise
from rules.enums import PromiseStatus, RunStatus
from rules.errors import InputError
from tasks.report.build import build_report, day_kpis
from tasks.report.outcomes import BalanceChange
from tasks.report.period import NotRecorded, Period
from tests.tasks.report_data import END, START, USERS, D, build

PERIOD = Period(START, END)


def test_roll_rates_pair_each_snapshot_day_with_the_next(engine: Engine) -> None:
    build(engine)
    with engine.connect() as conn:
        rolls = build_report(conn, PERIOD, USERS).rolls
    # 11-01 -> 11-02: RA M1>M1, RB M1>M0, RC M2>M3, RE M4>absent (back on 11-03, not on 11-02)
    # 11-02 -> 11-03: RA M1>M2, RB M0>absent, RC M3>M3, RD M1>M1; RA's 10-31 row is outside
    assert rolls.days == [D[1], D[2], D[3]]
    assert rolls.counts == {
        "M0": {"absent": 1},
        "M1": {"M1": 2, "M0": 1, "M2": 1},
        "M2": {"M3": 1},
        "M3": {"M3": 1},
        "M4": {"absent": 1},
    }
    assert rolls.rows == ["M0", "M1", "M2", "M3", "M4"]
    assert rolls.columns == ["M0", "M1", "M2", "M3", "absent"]
    assert rolls.share("M1", "M1") == 0.5 and rolls.share("M1", "M2") == 0.25
    assert rolls.share("M5", "M5") is None  # no account in M5: no rate, not 0%


def test_cure_rate_and_balance_reduction(engine: Engine) -> None:
    build(engine)
    with engine.connect() as conn:
        report = build_report(conn, PERIOD, USERS)
    # open at some time in 11-01..03: c1 c2 c4 c5 c6 c8 c9 (c3 closed 10-15, c7 opened 11-04)
    cases = report.outcomes.as_dict()
    assert cases == {"open_in_period": 7, "opened_in_period": 1, "closed_cured": 1,
                     "closed_paid": 0, "cure_rate": 1 / 7}  # fmt: skip
    # first day 11-01, last 11-03: RA 1000 -> 800, RC 2000 -> 2100.50, RE 500 -> 500; RB left
    balance = report.balance
    assert isinstance(balance, BalanceChange)
    assert balance.as_dict() == {
        "label": "balance reduction from snapshots (not payments)",
        "first_day": D[1], "last_day": D[3], "accounts_in_both": 3,
        "balance_first_day": Decimal("3500.00"), "balance_last_day": Decimal("3400.50"),
        "accounts_reduced": 1, "reduction": Decimal("200.00"), "increase": Decimal("100.50"),
        "net_reduction": Decimal("99.50"), "accounts_left_snapshot": 1,
        "balance_of_accounts_left": Decimal("300.00"),
    }  # fmt: skip


def test_payments_are_not_recorded_and_no_promise_closed_gives_no_rate(engine: Engine) -> None:
    build(engine)
    with engine.connect() as conn:
        data = build_report(conn, PERIOD, USERS).as_dict()
    kept = data["promise_kept_rate"]
    assert (kept["rate"], kept["kept"], kept["broken"]) == (None, 0, 0)  # never 0%
    assert data["recoveries"]["status"] == "not yet recorded"


def test_the_promise_kept_rate_counts_promises_closed_in_the_period(engine: Engine) -> None:
    ids = build(engine)
    rows = [  # (status, closed_on): 2 kept and 1 broken in the period
        (PromiseStatus.KEPT, D[1]), (PromiseStatus.KEPT, D[3]), (PromiseStatus.BROKEN, D[2]),
        (PromiseStatus.BROKEN, D[4]),  # after the period
        (PromiseStatus.SUPERSEDED, D[2]),  # never put to the test
        (PromiseStatus.OPEN, None),
    ]  # fmt: skip
    with Session(engine) as s:
        for status, closed_on in rows:
            s.add(
                Promise(case_id=ids["c1"], amount=Decimal("100"), made_on=date(2026, 10, 20),
                        due_on=date(2026, 10, 28), status=status, closed_on=closed_on)
            )  # fmt: skip
        s.commit()
    with engine.connect() as conn:
        data = build_report(conn, PERIOD, USERS).as_dict()["promise_kept_rate"]
    assert (data["kept"], data["broken"], data["closed_in_period"]) == (2, 1, 3)
    assert data["rate"] == pytest.approx(2 / 3)
    assert data["reason"].startswith("2 kept / 3 promises")


def test_one_snapshot_day_has_no_rolls_and_no_balance_change(engine: Engine) -> None:
    build(engine)
    with engine.connect() as conn:
        report = build_report(conn, Period(date(2026, 10, 25), date(2026, 10, 31)), USERS)
    assert report.rolls.days == [date(2026, 10, 31)] and report.rolls.counts == {}
    assert isinstance(report.balance, NotRecorded)
    assert report.balance.reason == "needs two snapshot days in the period (only 2026-10-31)"


def test_sla_attainment_per_owner_and_team(engine: Engine) -> None:
    build(engine)
    with engine.connect() as conn:
        sla = build_report(conn, PERIOD, USERS).sla.as_dict()
    # closed in the period: w1 met 2 missed 1, w2 missed 1, legal1 met 1, nobody missed 1,
    # ghost (not in the roster) met 1; w1's 10-31 milestone, a waived and an open one excluded
    assert (sla["met"], sla["missed"], sla["attainment"]) == (4, 3, 4 / 7)
    assert sla["by_owner"] == [
        {"name": "(unassigned)", "met": 0, "missed": 1, "attainment": 0.0},
        {"name": "w2", "team": "T1", "met": 0, "missed": 1, "attainment": 0.0},
        {"name": "w1", "team": "T1", "met": 2, "missed": 1, "attainment": 2 / 3},
        {"name": "ghost", "team": "(not in roster)", "met": 1, "missed": 0, "attainment": 1.0},
        {"name": "legal1", "team": "L", "met": 1, "missed": 0, "attainment": 1.0},
    ]
    assert sla["by_team"] == [
        {"name": "(unassigned)", "met": 0, "missed": 1, "attainment": 0.0},
        {"name": "T1", "met": 2, "missed": 2, "attainment": 0.5},
        {"name": "(not in roster)", "met": 1, "missed": 0, "attainment": 1.0},
        {"name": "L", "met": 1, "missed": 0, "attainment": 1.0},
    ]


def test_ageing_workload_and_legal_pipeline(engine: Engine) -> None:
    build(engine)
    with engine.connect() as conn:
        data = build_report(conn, PERIOD, USERS).as_dict()
    ageing = data["ageing"]
    assert ageing["as_of"] == END  # no daily cycle run yet: counted to the period's end
    assert (data["state_as_of"], data["state_from_daily_cycle"]) == (END, False)
    assert ageing["open_cases"] == 6
    assert ageing["by_bucket"] == {"M1": 3, "M2": 1, "M3": 1, "M4": 1}
    # days in stage to 11-03: c4 1, c7 -1, c9 7 | c1 14, c8 8 | c5 63
    assert ageing["by_days_in_stage"] == {"0-7": 3, "8-30": 2, "31-60": 0, "61-90": 1, "91+": 0}
    assert ageing["bucket_by_days_in_stage"] == {
        "M1": {"0-7": 3}, "M2": {"8-30": 1}, "M3": {"8-30": 1}, "M4": {"61-90": 1},
    }  # fmt: skip
    work = data["workload"]
    loads = {p["name"]: (p["open_cases"], p["capacity"], p["over_by"]) for p in work["people"]}
    assert loads == {"w1": (2, 1, 1), "w2": (0, 5, 0), "legal1": (2, 1, 1), "sup": (0, 0, 0),
                     "ghost": (1, None, 0)}  # fmt: skip
    # over capacity: the roster's users only (both at 200%: by name); ghost has no capacity
    assert work["over_capacity"] == ["legal1", "w1"]
    assert work["owners_not_in_roster"] == ["ghost"]
    assert work["unassigned_open_cases"] == 1
    legal = data["legal_pipeline"]
    assert [(s["stage"], s["open_cases"], s["entered_in_period"], s["pending_reviews"])
            for s in legal["stages"]] == [
        ("lawyer_letter", 1, 1, 1), ("payment_order", 1, 0, 0), ("litigation", 0, 0, 1),
        ("enforcement", 0, 0, 0),
    ]  # fmt: skip
    assert legal["pending_reviews_total"] == 2


def test_point_in_time_figures_count_to_the_latest_daily_cycle(engine: Engine) -> None:
    build(engine)
    with Session(engine) as s:
        s.add(CycleRun(as_of=D[2], policy_version="v1", status=RunStatus.SUCCEEDED))
        s.add(CycleRun(as_of=D[3], policy_version="v1", status=RunStatus.FAILED))
        s.commit()
    with engine.connect() as conn:
        report = build_report(conn, PERIOD, USERS)
    ageing = report.ageing
    assert ageing.day == D[2] and report.cycle_ran
    # to 11-02: c8 now 7 days (0-7), c1 13 (8-30), c5 62 (61-90)
    assert ageing.by_band == {"0-7": 4, "8-30": 1, "31-60": 0, "61-90": 1, "91+": 0}


def test_day_kpis_for_the_artifact(engine: Engine) -> None:
    build(engine)
    with engine.connect() as conn:
        kpis = day_kpis(conn, D[2], USERS)
    assert kpis.open_by_stage == {"soft_reminder": 1, "formal_demand": 3, "lawyer_letter": 1,
                                  "payment_order": 1}  # fmt: skip
    # closed on 11-02: w1 met 1, w2 missed 1, ghost met 1 (the waived one does not count)
    assert (kpis.sla.total.met, kpis.sla.total.missed) == (2, 1)


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError, match="--from 2026-11-03 is after --to 2026-11-01"):
        Period(date(2026, 11, 3), date(2026, 11, 1))
    assert Period.ending(END).start == date(2026, 10, 4)
