"""What people see of milestones: the deadlines list (high risk first) and the case file's
milestones, reviews and action lines."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Stage
from tasks.cycle.core import run_day
from tasks.milestones import (
    cycle_actions_for_case,
    deadlines,
    milestones_for_case,
    reviews_for_case,
)
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle


def test_deadlines_list_high_risk_first_with_overdue_and_missed(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        low = make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id
        high = make_case(
            s, dpd=40, principal="150000.00", stage=Stage.FORMAL_DEMAND, as_of=MONDAY
        ).id
        s.commit()
    run_day(sqlite_engine, MONDAY, bundle())
    with sqlite_engine.connect() as conn:
        soon = deadlines(conn, MONDAY, within=3)
        none_yet = deadlines(conn, MONDAY, within=1)
        late = deadlines(conn, MONDAY + timedelta(days=3), within=0)
        mine = deadlines(conn, MONDAY, within=5, owner="nobody")
    assert [d["case_id"] for d in soon] == [high, low]
    assert soon[0]["risk"] == "high" and soon[0]["days_left"] == 2
    assert none_yet == []
    assert [(d["case_id"], d["status"], d["days_left"]) for d in late] == [
        (high, "overdue", -1),
        (low, "open", 0),
    ]
    assert mine == []


def test_case_file_sections_for_milestones_reviews_and_actions(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        case_id = make_case(s, dpd=120, stage=Stage.FORMAL_DEMAND, as_of=MONDAY).id
        s.commit()
    assert case_id is not None
    run_day(sqlite_engine, MONDAY, bundle())
    with Session(sqlite_engine) as s:
        (m,) = milestones_for_case(s, case_id)
        (r,) = reviews_for_case(s, case_id)
        actions = cycle_actions_for_case(s, case_id)
    assert (m["kind"], m["status"], m["due"], m["owner_role"]) == (
        "demand_sent",
        "open",
        "2026-11-04",
        "collector",
    )
    assert set(m) >= {"stage", "opened_on", "owner", "on_miss", "rule", "closed_on", "reason"}
    assert (r["target_stage"], r["required_role"], r["status"]) == (
        "lawyer_letter",
        "legal",
        "pending",
    )
    assert {a["kind"] for a in actions} >= {"mail", "owner_assigned", "review_opened"}
    assert all(isinstance(a["as_of"], str) for a in actions)
