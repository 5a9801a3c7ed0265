"""Proposing a repayment plan: the schedule from what is owed, the review for the checker, one
open plan per case, and the plan in the case file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from models import PlanInstallment, RepaymentPlan, Review, TimelineEvent
from rules import events
from rules.allocation import PaymentSource
from rules.enums import PlanKind, PlanStatus, ReviewKind, ReviewStatus, Role, Stage
from rules.errors import DuecourseError, InputError
from rules.roster import User
from tasks.case_file import build_case_file
from tasks.negotiation.flags import case_flags
from tasks.negotiation.plans import propose_plan
from tasks.payments.record import record_payment
from tests.factories import make_case

TODAY = date(2026, 11, 10)
COLLECTOR = User(name="demo.wangfang", display_name="王芳", role=Role.COLLECTOR)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", TODAY.isoformat())
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)


def _propose(session: Session, case_id: int, **terms: object) -> dict[str, object]:
    args: dict[str, object] = {
        "kind": PlanKind.INSTALLMENTS, "months": 12, "first_due": None, "waive_fees": False,
        "note": "失业，收入减少", "user": COLLECTOR,
    }  # fmt: skip
    args.update(terms)
    return propose_plan(session, str(case_id), **args)  # type: ignore[arg-type]


def test_a_collector_proposes_and_a_supervisor_review_opens(session: Session) -> None:
    case = make_case(session)  # 20,000.00 + 800.00 + 50.00
    assert case.id is not None
    plan = _propose(session, case.id)
    session.commit()
    schedule = plan["schedule"]
    assert isinstance(schedule, list) and len(schedule) == 12
    assert sum(i["amount"] for i in schedule) == Decimal("20850.00") == plan["total"]
    assert schedule[0]["due_on"] == date(2026, 12, 10) and schedule[-1]["due_on"] == date(
        2027, 11, 10
    )
    assert plan["status"] is PlanStatus.PROPOSED and plan["proposed_by"] == COLLECTOR.name
    review = session.get(Review, plan["review_id"])
    assert review is not None
    assert (review.kind, review.subject_id, review.required_role, review.requested_by) == (
        ReviewKind.PLAN, plan["id"], Role.SUPERVISOR, COLLECTOR.name,
    )  # fmt: skip
    stored = session.exec(select(PlanInstallment).order_by(col(PlanInstallment.seq))).all()
    assert [i.amount for i in stored] == [Decimal("1737.50")] * 12
    assert events.PLAN_REQUESTED in case_flags(session, case.id)
    proposed = session.exec(
        select(TimelineEvent).where(TimelineEvent.event == events.PLAN_PROPOSED)
    ).one()
    assert proposed.as_of == TODAY and proposed.actor == COLLECTOR.name
    row = session.get(RepaymentPlan, plan["id"])
    assert row is not None and len(row.policy_version) == 64 and not row.accrues_interest


def test_a_second_proposal_is_refused_naming_the_first(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    first = _propose(session, case.id)
    with pytest.raises(DuecourseError, match=f"already has plan {first['id']} proposed"):
        _propose(session, case.id, kind=PlanKind.DEFERRAL, months=3)


def test_a_proposed_plan_whose_review_was_withdrawn_gives_way(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    first = _propose(session, case.id)
    review = session.get(Review, first["review_id"])
    assert review is not None
    review.status = ReviewStatus.WITHDRAWN  # as when its case closed meanwhile
    session.add(review)
    session.flush()
    second = _propose(session, case.id, months=6)
    old = session.get(RepaymentPlan, first["id"])
    assert old is not None and old.status is PlanStatus.WITHDRAWN and old.ended_on == TODAY
    assert second["status"] is PlanStatus.PROPOSED and second["review_id"] != first["review_id"]


def test_a_proposal_while_a_plan_is_current_is_refused(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    first = _propose(session, case.id)
    row = session.get(RepaymentPlan, first["id"])
    assert row is not None
    row.status = PlanStatus.CURRENT
    session.add(row)
    session.flush()
    with pytest.raises(DuecourseError, match="current since"):
        _propose(session, case.id)


def test_72_months_is_refused_and_nothing_is_stored(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    with pytest.raises(InputError, match="5-year limit"):
        _propose(session, case.id, months=72)
    assert session.exec(select(RepaymentPlan)).all() == []


def test_the_schedule_covers_what_is_owed_after_payments(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    record_payment(session, str(case.id), Decimal("850.00"), TODAY, "P-1", source=PaymentSource.CLI)
    plan = _propose(session, case.id, kind=PlanKind.FEE_WAIVER, months=None)
    assert plan["balance"] == plan["total"] == Decimal("20000.00")  # fees and interest paid
    assert plan["waived_fees"] == Decimal("0.00")


def test_a_legal_stage_case_keeps_its_stage_to_return_to(session: Session) -> None:
    case = make_case(session, dpd=200, stage=Stage.LAWYER_LETTER)
    assert case.id is not None
    _propose(session, case.id, kind=PlanKind.DEFERRAL, months=3)
    session.refresh(case)
    assert case.return_stage is Stage.LAWYER_LETTER


def test_the_case_file_lists_the_plans_with_their_schedule(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    plan = _propose(session, case.id, months=3, waive_fees=True)
    session.commit()
    plans = build_case_file(session, str(case.id))["plans"]
    assert [p["id"] for p in plans] == [plan["id"]]
    assert plans[0]["waived_fees"] == Decimal("50.00") and plans[0]["total"] == Decimal("20800.00")
    assert [i["paid"] for i in plans[0]["schedule"]] == [Decimal("0.00")] * 3
    assert plans[0]["agreement_number"] is None and plans[0]["review_id"] == plan["review_id"]
