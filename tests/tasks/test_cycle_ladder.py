"""The ladder in the daily cycle: an approved review lets a case move (statutory milestone,
legal owner), risk tier changes land in the timeline, case flags set and clear."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Stage
from tasks.cycle.core import run_day
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle, event, table

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)


def test_an_approved_review_moves_the_case_to_legal_with_a_statutory_milestone(
    engine: Engine,
) -> None:
    with Session(engine) as s:
        case_id = make_case(s, dpd=120, stage=Stage.FORMAL_DEMAND, as_of=MONDAY).id
        s.commit()
    run_day(engine, MONDAY, bundle())
    quiet = run_day(engine, TUESDAY, bundle())
    assert "review_opened" not in quiet["actions"]  # one pending review is enough
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE review SET status = 'approved', decided_by = 'lee'"))
    moved = run_day(engine, WEDNESDAY, bundle())
    assert moved["actions"]["stage_move"] == 1 and moved["actions"]["internal"] == 1
    (case,) = table(engine, "collection_case")
    assert (case.stage, case.stage_entered_on, case.owner) == ("lawyer_letter", WEDNESDAY, "lee")
    legal = [m for m in table(engine, "milestone") if m.stage == "lawyer_letter"]
    (m,) = legal
    # payment-order-served: 15 days from the day after Wednesday 4 Nov -> Thursday 19 Nov
    assert (m.kind, m.due, m.owner) == ("objection_window", date(2026, 11, 19), "lee")
    assert m.rule and "Art. 227" in m.rule
    stage_events = [t.detail for t in table(engine, "timeline_event") if t.case_id == case_id]
    assert "formal_demand -> lawyer_letter (ladder)" in stage_events


def test_a_change_of_risk_tier_goes_in_the_timeline(engine: Engine) -> None:
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    run_day(engine, MONDAY, bundle())
    assert [t.event for t in table(engine, "timeline_event")] == []  # first scoring: no change
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE card_account SET principal = 20000000"))  # 200,000 yuan
    result = run_day(engine, TUESDAY, bundle())
    assert result["risk_changes"] == 1
    (case,) = table(engine, "collection_case")
    assert case.risk_tier == "high" and "200,850" in case.risk_reasons
    (risk,) = [t for t in table(engine, "timeline_event") if t.event == "risk"]
    assert risk.detail.startswith("low -> high: balance 200,850")


def test_case_flags_set_and_clear_through_timeline_events(engine: Engine) -> None:
    with Session(engine) as s:
        make_case(s, dpd=20, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    run_day(engine, MONDAY, bundle())
    (case,) = table(engine, "collection_case")
    event(engine, case.id, "promise_to_pay", TUESDAY)
    run_day(engine, TUESDAY, bundle())
    assert table(engine, "collection_case")[0].stage == "negotiation"
    event(engine, case.id, "promise_to_pay_cleared", WEDNESDAY)  # a broken promise
    run_day(engine, WEDNESDAY, bundle())
    (case,) = table(engine, "collection_case")
    assert (case.stage, case.stage_entered_on) == ("soft_reminder", WEDNESDAY)


def test_an_approved_review_for_a_stage_without_entry_moves_the_case(engine: Engine) -> None:
    with Session(engine) as s:
        make_case(s, dpd=130, stage=Stage.LAWYER_LETTER, as_of=MONDAY)
        s.commit()
    (case,) = table(engine, "collection_case")
    run_day(engine, MONDAY, bundle())
    event(engine, case.id, "objection_filed", MONDAY)  # meets the legal milestone; irrelevant
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO review (case_id, target_stage, required_role, status, opened_on, "
                "key, policy_version, created_at) VALUES (:c, 'payment_order', 'legal', "
                "'approved', :d, 'manual-1', 'v', :t)"
            ),
            {"c": case.id, "d": TUESDAY, "t": "2026-11-03 01:00:00"},
        )
    run_day(engine, TUESDAY, bundle())
    (case,) = table(engine, "collection_case")
    assert (case.stage, case.stage_entered_on, case.owner) == ("payment_order", TUESDAY, "lee")
    # an approval from an earlier stay does not move it again once it has moved on
    run_day(engine, WEDNESDAY, bundle())
    assert table(engine, "collection_case")[0].stage == "payment_order"
