"""The checker's decision on a plan: maker-checker, the agreement rendered and stored with its
hash on approval, the case resuming on rejection."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from models import Case, Document, RepaymentPlan, Review, TimelineEvent
from rules import events
from rules.allocation import PaymentSource
from rules.enums import PlanKind, PlanStatus, Role, Stage
from rules.errors import DuecourseError
from rules.roster import User
from tasks.negotiation.flags import case_flags
from tasks.negotiation.plan_decision import check_checker
from tasks.negotiation.plan_views import plan_dict
from tasks.negotiation.plans import propose_plan
from tasks.payments.record import record_payment
from tasks.reviews import decide_review, show_review
from tests.documents.helpers import pdf_text, squash
from tests.factories import make_case

TODAY = date(2026, 11, 10)
PROPOSER = User(name="demo.wangfang", display_name="王芳", role=Role.COLLECTOR)
COLLECTOR = User(name="demo.liqiang", display_name="李强", role=Role.COLLECTOR)
SUPERVISOR = User(name="demo.zhoujie", display_name="周杰", role=Role.SUPERVISOR)
SUPERVISOR_PROPOSER = User(name="demo.sup2", display_name="另一主管", role=Role.SUPERVISOR)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", TODAY.isoformat())
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)


def _proposed(session: Session, user: User = PROPOSER, **kw: Any) -> tuple[int, dict[str, Any]]:
    case = make_case(session, **kw)
    assert case.id is not None
    plan = propose_plan(
        session, str(case.id), kind=PlanKind.INSTALLMENTS, months=12, first_due=None,
        waive_fees=False, note=None, user=user,
    )  # fmt: skip
    session.commit()
    return case.id, plan


def _decide(session: Session, plan: dict[str, Any], user: User, docs: Path, **kw: Any) -> None:
    decide_review(
        session, plan["review_id"], user=user, approve=kw.pop("approve", True),
        comment=kw.pop("comment", None), documents_dir=docs,
    )  # fmt: skip


def _events(session: Session, case_id: int) -> list[str]:
    rows = session.exec(
        select(TimelineEvent.event)
        .where(TimelineEvent.case_id == case_id)
        .order_by(col(TimelineEvent.id))
    )
    return list(rows)


def test_the_proposer_and_a_collector_are_refused_a_supervisor_accepted(
    session: Session, tmp_path: Path
) -> None:
    case_id, plan = _proposed(session, user=SUPERVISOR_PROPOSER)
    docs = tmp_path / "documents"
    with pytest.raises(DuecourseError, match="four-eyes"):
        _decide(session, plan, SUPERVISOR_PROPOSER, docs)
    session.rollback()
    with pytest.raises(DuecourseError, match=r"supervisor role; demo\.liqiang is collector"):
        _decide(session, plan, COLLECTOR, docs)
    session.rollback()
    _decide(session, plan, SUPERVISOR, docs)
    session.commit()
    row = session.get(RepaymentPlan, plan["id"])
    assert row is not None
    assert (row.status, row.decided_by, row.decided_on) == (
        PlanStatus.CURRENT, SUPERVISOR.name, TODAY,
    )  # fmt: skip
    assert events.PLAN_CURRENT in case_flags(session, case_id)
    assert events.PLAN_APPROVED in _events(session, case_id)
    approved = session.exec(
        select(TimelineEvent).where(TimelineEvent.event == events.PLAN_APPROVED)
    ).one()
    assert "Art. 195(2)" in approved.detail and approved.as_of == TODAY


def test_check_checker_refuses_the_proposer_whoever_requested_the_review(
    session: Session,
) -> None:
    _, plan = _proposed(session)
    row = session.get(RepaymentPlan, plan["id"])
    review = show_review(session, plan["review_id"])
    stored = session.get(Review, review["id"])
    assert row is not None and stored is not None
    stored.requested_by = "someone.else"
    with pytest.raises(DuecourseError, match="maker-checker"):
        check_checker(row, stored, User(name=PROPOSER.name, display_name="x", role=Role.SUPERVISOR))
    check_checker(row, stored, SUPERVISOR)  # no error


def test_approval_renders_the_agreement_and_stores_it_with_its_hash(
    session: Session, tmp_path: Path
) -> None:
    case_id, plan = _proposed(session)
    docs = tmp_path / "documents"
    _decide(session, plan, SUPERVISOR, docs)
    session.commit()
    stored = session.exec(
        select(Document).where(Document.case_id == case_id).order_by(col(Document.id))
    ).all()
    assert [(d.kind, d.format) for d in stored] == [
        ("repayment_agreement", "pdf"),
        ("repayment_agreement", "docx"),
    ]
    number = stored[0].number
    assert number is not None and number.startswith("RA-2026-") and stored[1].number == number
    for doc in stored:
        content = (docs / doc.path).read_bytes()
        assert hashlib.sha256(content).hexdigest() == doc.sha256 and doc.template_version == 1
    data = json.loads(stored[0].data)
    assert data["plan_id"] == plan["id"] and data["id_number"] == "3301**********1234"
    text = squash(pdf_text((docs / stored[0].path).read_bytes(), tmp_path))
    assert "个性化分期还款协议" in text and number in text
    assert "1,737.50" in text  # the first instalment
    assert "人民币贰万零捌佰伍拾元整" in text  # the total in capitals
    assert "第七十条" in text
    row = session.get(RepaymentPlan, plan["id"])
    assert row is not None
    assert plan_dict(session, row)["agreement_number"] == number


def test_a_payment_since_the_proposal_refuses_the_approval(
    session: Session, tmp_path: Path
) -> None:
    case_id, plan = _proposed(session)
    record_payment(session, str(case_id), Decimal("100.00"), TODAY, "P-9", source=PaymentSource.CLI)
    session.commit()
    with pytest.raises(DuecourseError, match="propose a new plan"):
        _decide(session, plan, SUPERVISOR, tmp_path / "documents")
    session.rollback()
    row = session.get(RepaymentPlan, plan["id"])
    assert row is not None and row.status is PlanStatus.PROPOSED


def test_rejection_clears_the_request_and_returns_to_the_legal_stage(
    session: Session, tmp_path: Path
) -> None:
    case_id, plan = _proposed(session, dpd=200, stage=Stage.LAWYER_LETTER)
    case = session.get(Case, case_id)
    assert case is not None and case.return_stage is Stage.LAWYER_LETTER
    case.stage = Stage.NEGOTIATION  # the daily cycle moved it on the plan request
    session.add(case)
    session.commit()
    _decide(session, plan, SUPERVISOR, tmp_path / "documents", approve=False, comment="收入不足")
    session.commit()
    session.refresh(case)
    row = session.get(RepaymentPlan, plan["id"])
    assert row is not None and row.status is PlanStatus.REJECTED and row.reason == "收入不足"
    assert events.PLAN_REQUESTED not in case_flags(session, case_id)
    assert case.stage is Stage.LAWYER_LETTER and case.return_stage is None
    assert events.PLAN_REJECTED in _events(session, case_id)
    assert events.RESUMED in _events(session, case_id)
    assert session.exec(select(Document)).all() == []
