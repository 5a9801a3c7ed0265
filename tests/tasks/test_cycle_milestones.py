"""Milestones in the daily cycle: met from recorded events, alerts before the due day, misses
with the policy's on_miss (escalate, reassign, advance), waivers, and the intraday check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from rules.enums import Stage
from tasks.cycle.core import PolicyBundle, run_day
from tasks.cycle.days import run_days_core
from tasks.cycle.intraday import check_deadlines
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle, event, table

TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + timedelta(days=i) for i in range(1, 5))


def _run(engine: Engine, *days: date) -> None:
    b = bundle()
    for d in days:
        run_day(engine, d, b)


def _milestones(engine: Engine) -> dict[int, object]:
    return {m.case_id: m for m in table(engine, "milestone")}


def _actions(engine: Engine, case_id: int) -> list[str]:
    return [a.kind for a in table(engine, "cycle_action") if a.case_id == case_id]


def test_met_from_an_event_alerted_before_due_and_escalated_when_missed(engine: Engine) -> None:
    with Session(engine) as s:
        contacted = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        silent = int(make_case(s, dpd=12, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    _run(engine, MONDAY)
    event(engine, contacted, "contact_made", TUESDAY)
    _run(engine, TUESDAY)
    ms = _milestones(engine)
    assert (ms[contacted].status, ms[contacted].closed_on) == ("met", TUESDAY)  # type: ignore[attr-defined]
    assert "contact_made on 2026-11-03" in ms[contacted].reason  # type: ignore[attr-defined]
    assert ms[silent].status == "open" and ms[silent].alerted_on is None  # type: ignore[attr-defined]
    _run(engine, WEDNESDAY)  # due Thursday: one working day before
    assert _milestones(engine)[silent].alerted_on == WEDNESDAY  # type: ignore[attr-defined]
    _run(engine, THURSDAY)
    assert _milestones(engine)[silent].status == "open"  # due today is not yet missed
    result = run_day(engine, FRIDAY, bundle())
    m = _milestones(engine)[silent]
    assert m.status == "missed" and m.closed_on == FRIDAY  # type: ignore[attr-defined]
    assert "escalated to sue" in m.reason  # type: ignore[attr-defined]
    assert result["missed_total"] == 1 and result["missed"][0]["case_id"] == silent
    assert _actions(engine, silent).count("milestone_alert") == 1
    assert {"milestone_missed", "escalated"} <= set(_actions(engine, silent))
    missed = [t for t in table(engine, "timeline_event") if t.event == "milestone_missed"]
    assert [t.case_id for t in missed] == [silent]


def test_a_missed_milestone_reassigns_when_the_policy_says_so(engine: Engine) -> None:
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=45, stage=Stage.FORMAL_DEMAND, as_of=MONDAY).id or 0)
        s.commit()
    _run(engine, MONDAY)
    (first,) = [c.owner for c in table(engine, "collection_case")]
    _run(engine, TUESDAY, WEDNESDAY, THURSDAY)  # demand_sent due Wednesday (2 calendar days)
    (case,) = table(engine, "collection_case")
    assert case.owner not in (None, first)
    assert _milestones(engine)[case_id].status == "missed"  # type: ignore[attr-defined]
    owner_events = [t.detail for t in table(engine, "timeline_event") if t.event == "owner"]
    assert owner_events and owner_events[0].startswith(f"reassigned {first} -> {case.owner}")


def test_a_missed_milestone_advances_and_a_legal_stage_asks_for_review(engine: Engine) -> None:
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=20, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    event(engine, case_id, "promise_to_pay", MONDAY)  # a flag: the case belongs in negotiation
    _run(engine, MONDAY)
    (case,) = table(engine, "collection_case")
    assert case.stage == "negotiation"
    _run(engine, TUESDAY, WEDNESDAY)  # plan_agreed due Tuesday, on_miss: advance
    (review,) = table(engine, "review")
    assert (review.target_stage, review.status, review.opened_on) == (
        "lawyer_letter",
        "pending",
        WEDNESDAY,
    )
    (case,) = table(engine, "collection_case")
    assert case.stage == "negotiation"  # waits for the legal review


def test_leaving_a_stage_waives_its_open_milestones_and_closed_cases_too(engine: Engine) -> None:
    with Session(engine) as s:
        moving = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        closing = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    _run(engine, MONDAY)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE card_account SET days_past_due = 40"))
        conn.execute(
            sa.text("UPDATE collection_case SET status = 'closed' WHERE id = :i"), {"i": closing}
        )
    _run(engine, TUESDAY)
    by_case: dict[int, list[object]] = {}
    for m in table(engine, "milestone"):
        by_case.setdefault(m.case_id, []).append(m)
    old, new = by_case[moving]
    assert (old.kind, old.status) == ("first_contact", "waived")  # type: ignore[attr-defined]
    assert "left soft_reminder for formal_demand" in old.reason  # type: ignore[attr-defined]
    assert (new.kind, new.status, new.entry_on) == ("demand_sent", "open", TUESDAY)  # type: ignore[attr-defined]
    (closed,) = by_case[closing]
    assert (closed.status, closed.reason) == ("waived", "case closed")  # type: ignore[attr-defined]


def test_the_intraday_check_marks_met_and_alerts(engine: Engine) -> None:
    with Session(engine) as s:
        met = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        due = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    days = run_days_core(engine, MONDAY, TUESDAY)
    assert [d["as_of"] for d in days] == ["2026-11-02", "2026-11-03"]
    event(engine, met, "contact_made", WEDNESDAY)
    result = check_deadlines(engine, WEDNESDAY, bundle())
    assert result["actions"] == {"milestone_alert": 1, "milestone_met": 1}
    assert result["open_milestones"] == 2
    ms = _milestones(engine)
    assert ms[met].status == "met"  # type: ignore[attr-defined]
    assert ms[due].alerted_on == WEDNESDAY  # type: ignore[attr-defined]
    again = check_deadlines(engine, WEDNESDAY, bundle())
    assert again["actions"] == {}
    runs = [(r.flow, r.status) for r in table(engine, "cycle_run")]
    assert runs.count(("deadline_check", "succeeded")) == 2
    # the daily cycle of the next day finds nothing left to alert or mark for these
    nxt = run_day(engine, THURSDAY, bundle())
    assert "milestone_alert" not in nxt["actions"] and "milestone_met" not in nxt["actions"]


def _bundle_with(old: str, new: str) -> PolicyBundle:
    from tasks.calendar import load_calendar
    from tests.tasks.cycle_data import LADDER, ROSTER, policy

    assert old in LADDER
    return PolicyBundle(policy(LADDER.replace(old, new)), load_calendar(None), list(ROSTER))


def test_each_milestone_has_its_own_alert_lead(engine: Engine) -> None:
    """first_contact is due Thursday; with alert_working_days 2 its owner hears on Tuesday (the
    policy's lead used to be ignored: every alert came one working day ahead)."""
    with Session(engine) as s:
        daily = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    lead2 = _bundle_with("met_by: [contact_made]", "alert_working_days: 2, met_by: [contact_made]")
    for day in (MONDAY, TUESDAY):
        run_day(engine, day, lead2)
    (m,) = table(engine, "milestone")
    assert (m.case_id, m.due, m.alerted_on) == (daily, THURSDAY, TUESDAY)


def test_the_intraday_check_uses_the_milestones_alert_lead(engine: Engine) -> None:
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    lead0 = _bundle_with("met_by: [contact_made]", "alert_working_days: 0, met_by: [contact_made]")
    run_day(engine, MONDAY, lead0)
    for day in (TUESDAY, WEDNESDAY):  # a day-1 lead would alert on Wednesday
        assert check_deadlines(engine, day, lead0)["actions"] == {}
    assert check_deadlines(engine, THURSDAY, lead0)["actions"] == {"milestone_alert": 1}


REVIEW_MILESTONE = (
    "  milestones:\n    - {kind: objection_window,",
    "  milestones:\n"
    "    - {kind: legal_review, opens: review_requested, offset: 2, unit: working,\n"
    "       owner_role: legal, on_miss: escalate, met_by: [review_decided]}\n"
    "    - {kind: objection_window,",
)


def test_the_legal_review_milestone_opens_with_the_review_and_the_decision_meets_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 10: it used to open on entering lawyer_letter (after the approval, so it
    could only be missed) and wait for an event the decision did not record."""
    from models.review import Review
    from rules.roster import User
    from tasks.reviews import decide_review

    b = _bundle_with(*REVIEW_MILESTONE)
    with Session(engine) as s:
        decided = int(make_case(s, dpd=95, stage=Stage.FORMAL_DEMAND, as_of=MONDAY).id or 0)
        waiting = int(make_case(s, dpd=95, stage=Stage.FORMAL_DEMAND, as_of=MONDAY).id or 0)
        s.commit()
    run_day(engine, MONDAY, b)
    run_day(engine, MONDAY, b)  # a rerun opens nothing twice
    opened = [m for m in table(engine, "milestone") if m.kind == "legal_review"]
    assert sorted((m.case_id, m.stage, m.opened_on, m.due, m.owner) for m in opened) == [
        (decided, "lawyer_letter", MONDAY, WEDNESDAY, "lee"),
        (waiting, "lawyer_letter", MONDAY, WEDNESDAY, "lee"),
    ]
    run_day(engine, TUESDAY, b)  # the case waits in formal_demand: the milestone stays open
    assert {m.status for m in table(engine, "milestone") if m.kind == "legal_review"} == {"open"}
    monkeypatch.setenv("DUECOURSE_TODAY", TUESDAY.isoformat())  # decided today, Tuesday
    lee = User(name="lee", display_name="Lee", role="legal")  # type: ignore[arg-type]
    with Session(engine) as s:
        (review,) = [r for r in s.exec(select(Review)) if r.case_id == decided]
        decide_review(s, review.id or 0, user=lee, approve=True, comment=None)
        s.commit()
    monkeypatch.delenv("DUECOURSE_TODAY")
    run_day(engine, WEDNESDAY, b)
    ms = {(m.case_id, m.kind): m for m in table(engine, "milestone")}
    met = ms[(decided, "legal_review")]
    assert (met.status, met.closed_on, met.reason) == (
        "met",
        WEDNESDAY,
        "review_decided on 2026-11-03",
    )
    (case,) = [c for c in table(engine, "collection_case") if c.id == decided]
    assert case.stage == "lawyer_letter"  # approved: moved, and only its entry milestones opened
    assert sorted(k for (c, k) in ms if c == decided) == [
        "demand_sent",  # formal_demand's, opened on Monday
        "legal_review",
        "objection_window",
    ]
    assert ms[(waiting, "legal_review")].status == "open"  # due today
    result = run_day(engine, THURSDAY, b)
    late = {(m.case_id, m.kind): m for m in table(engine, "milestone")}[(waiting, "legal_review")]
    assert late.status == "missed" and "escalated to sue" in late.reason
    assert (waiting, "legal_review") in {(m["case_id"], m["kind"]) for m in result["missed"]}


def test_the_intraday_check_meets_the_review_milestone(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.review import Review
    from rules.roster import User
    from tasks.reviews import decide_review

    b = _bundle_with(*REVIEW_MILESTONE)
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=95, stage=Stage.FORMAL_DEMAND, as_of=MONDAY).id or 0)
        s.commit()
    run_day(engine, MONDAY, b)
    monkeypatch.setenv("DUECOURSE_TODAY", TUESDAY.isoformat())
    with Session(engine) as s:
        (review,) = s.exec(select(Review)).all()
        lee = User(name="lee", display_name="Lee", role="legal")  # type: ignore[arg-type]
        decide_review(s, review.id or 0, user=lee, approve=False, comment="证据不足")
        s.commit()
    result = check_deadlines(engine, TUESDAY, b)
    assert result["actions"].get("milestone_met") == 1
    (m,) = [m for m in table(engine, "milestone") if m.kind == "legal_review"]
    assert (m.case_id, m.status, m.reason) == (case_id, "met", "review_decided on 2026-11-03")
