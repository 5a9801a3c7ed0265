"""The dispute's own milestone in the daily cycle, on both engines: not waived when the case
changes stage (the ladder does not declare it), alerted before its due day, missed and escalated
after it; met at once by the dispute's decision. And the conduct gate: no call or SMS while a
dispute is open."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.review import Review
from rules.conduct import ContactRequest, decide
from rules.enums import Channel, DisputeKind, Stage
from rules.negotiation_policy import DisputePolicy, NegotiationPolicy
from tasks.calendar import load_calendar
from tasks.clock import SHANGHAI
from tasks.conduct import load_conduct_pack
from tasks.contacts.state import conduct_states
from tasks.cycle.core import PolicyBundle, run_day
from tasks.negotiation.disputes import DisputeSetting, open_dispute
from tasks.policy import load_policy, load_roster
from tasks.reviews import decide_review
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, ROSTER, bundle, event, table

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)


def _open(engine: Engine, tmp_path: Path, kind: DisputeKind) -> tuple[int, int]:
    """A soft-reminder case with a dispute opened on MONDAY (decide within 1 working day) and
    a promise flag that moves it to negotiation at MONDAY's cycle; (case id, review id)."""
    setting = DisputeSetting(
        negotiation=NegotiationPolicy(dispute=DisputePolicy(decide_within_working_days=1)),
        policy=bundle().policy,
        calendar=load_calendar(None),
        users=list(ROSTER),
        documents_dir=tmp_path,
    )
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=20, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        data = open_dispute(s, str(case_id), kind, "fee not mine", [], actor="ann", setting=setting)
        s.commit()
    event(engine, case_id, "promise_to_pay", MONDAY)
    return case_id, int(data["review_id"])


def _run(engine: Engine, monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", day.isoformat())
    run_day(engine, day, bundle())


def _decision(engine: Engine) -> object:
    (m,) = [m for m in table(engine, "milestone") if m.kind == "dispute_decision"]
    return m


@pytest.mark.parametrize("evaluator", ["python", "sql"])
def test_the_dispute_milestone_outlives_a_move_and_is_escalated_when_missed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, evaluator: str
) -> None:
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", evaluator)
    monkeypatch.setenv("DUECOURSE_TODAY", MONDAY.isoformat())
    case_id, _ = _open(engine, tmp_path, DisputeKind.DISPUTED_CHARGES)
    m = _decision(engine)
    assert (m.stage, m.due, m.owner, m.on_miss) == ("soft_reminder", TUESDAY, "lee", "escalate")  # type: ignore[attr-defined]
    _run(engine, monkeypatch, MONDAY)
    (case,) = table(engine, "collection_case")
    assert case.stage == "negotiation"  # moved: the dispute's deadline stays
    _run(engine, monkeypatch, TUESDAY)
    m = _decision(engine)
    assert (m.status, m.alerted_on) == ("open", TUESDAY)  # type: ignore[attr-defined]
    _run(engine, monkeypatch, WEDNESDAY)
    m = _decision(engine)
    assert (m.status, m.closed_on) == ("missed", WEDNESDAY)  # type: ignore[attr-defined]
    assert m.reason == "dispute_decision due 2026-11-03 missed; escalated to sue"  # type: ignore[attr-defined]
    kinds = [a.kind for a in table(engine, "cycle_action") if a.case_id == case_id]
    assert {"milestone_alert", "milestone_missed", "escalated"} <= set(kinds)


@pytest.mark.parametrize("evaluator", ["python", "sql"])
def test_the_decision_meets_it_and_the_cycle_leaves_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, evaluator: str
) -> None:
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", evaluator)
    monkeypatch.setenv("DUECOURSE_TODAY", MONDAY.isoformat())
    _, review_id = _open(engine, tmp_path, DisputeKind.HARDSHIP)
    _run(engine, monkeypatch, MONDAY)
    monkeypatch.setenv("DUECOURSE_TODAY", TUESDAY.isoformat())
    sue = next(u for u in ROSTER if u.name == "sue")
    with Session(engine) as s:
        decide_review(s, review_id, user=sue, approve=True, comment="job lost")
        s.commit()
    m = _decision(engine)
    assert (m.status, m.closed_on, m.reason) == ("met", TUESDAY, "dispute_resolved on 2026-11-03")  # type: ignore[attr-defined]
    _run(engine, monkeypatch, WEDNESDAY)
    assert _decision(engine).status == "met"  # type: ignore[attr-defined]
    with Session(engine) as s:
        assert s.get(Review, review_id).status == "approved"  # type: ignore[union-attr]


def test_no_call_or_sms_while_a_dispute_is_open(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", MONDAY.isoformat())
    case_id, _ = _open(engine, tmp_path, DisputeKind.FORCE_MAJEURE)
    pack, calendar = load_conduct_pack(None), load_calendar(None)
    at = datetime.combine(TUESDAY, datetime.min.time(), SHANGHAI).replace(hour=10)
    with Session(engine) as s:
        state = conduct_states(s, [case_id], at, pack)[case_id]
    for channel in (Channel.CALL, Channel.SMS):
        verdict = decide(pack, calendar, ContactRequest(channel=channel, at=at), state)
        assert (verdict.verdict, verdict.rule) == ("block", "dispute_open")


@pytest.mark.parametrize("evaluator", ["python", "sql"])
def test_a_dpd_200_hardship_claim_takes_the_case_to_negotiation(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, evaluator: str
) -> None:
    """The shipped ladder: a hardship claim moves even a legal-stage case to negotiation (2011
    rules Art. 70 is for the seriously delinquent) and records the stage it left."""
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", evaluator)
    monkeypatch.setenv("DUECOURSE_TODAY", MONDAY.isoformat())
    shipped = PolicyBundle(load_policy(), load_calendar(None), load_roster())
    setting = DisputeSetting(
        negotiation=NegotiationPolicy(), policy=shipped.policy, calendar=shipped.calendar,
        users=shipped.users, documents_dir=tmp_path,
    )  # fmt: skip
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=200, stage=Stage.LAWYER_LETTER, as_of=MONDAY).id or 0)
        open_dispute(s, str(case_id), DisputeKind.HARDSHIP, "lost my job", [],
                     actor="demo.liqiang", setting=setting)  # fmt: skip
        s.commit()
    run_day(engine, MONDAY, shipped)
    (case,) = table(engine, "collection_case")
    assert (case.stage, case.return_stage) == ("negotiation", "lawyer_letter")
    assert _decision(engine).status == "open"  # type: ignore[attr-defined]
