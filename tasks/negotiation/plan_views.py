"""A case's repayment plans as people read them: structure, status, the schedule with what was
paid on each instalment, the review and the agreement's number. Apart from tasks/negotiation/
plans.py (proposing) so the case file can read them without importing the proposing side (which
finds cases through the case file)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from models import Document
from models.plan import PlanInstallment, RepaymentPlan
from rules.enums import PlanStatus
from rules.masking import scrub_text

AGREEMENT_KIND = "repayment_agreement"


def installments_of(session: Session, plan_id: int) -> list[PlanInstallment]:
    return list(
        session.exec(
            select(PlanInstallment)
            .where(PlanInstallment.plan_id == plan_id)
            .order_by(col(PlanInstallment.seq))
        ).all()
    )


def agreement_number(session: Session, plan: RepaymentPlan) -> str | None:
    """The number of the plan's repayment agreement: rendered on the day it was approved."""
    if plan.decided_on is None or plan.status is PlanStatus.REJECTED:
        return None
    number: str | None = session.exec(
        select(Document.number)
        .where(
            Document.kind == AGREEMENT_KIND,
            Document.case_id == plan.case_id,
            Document.as_of == plan.decided_on,
        )
        .order_by(col(Document.id))
    ).first()
    return number


def plan_dict(session: Session, plan: RepaymentPlan) -> dict[str, Any]:
    """A plan as the CLI and the case file show it: structure, status, the schedule with what
    was paid on each instalment, its review and its agreement's number (amounts in yuan)."""
    assert plan.id is not None
    rows = installments_of(session, plan.id)
    return {
        "id": plan.id,
        "case_id": plan.case_id,
        "kind": plan.kind,
        "status": plan.status,
        "months": plan.months,
        "balance": plan.balance,
        "waived_fees": plan.waived_fees,
        "total": plan.total,
        "first_due": plan.first_due,
        "accrues_interest": plan.accrues_interest,
        "accrues_fees": plan.accrues_fees,
        "proposed_by": plan.proposed_by,
        "proposed_on": plan.proposed_on,
        "review_id": plan.review_id,
        "decided_by": plan.decided_by,
        "decided_on": plan.decided_on,
        "ended_on": plan.ended_on,
        "reason": scrub_text(plan.reason) if plan.reason else None,
        "note": scrub_text(plan.note) if plan.note else None,
        "agreement_number": agreement_number(session, plan),
        "policy_version": plan.policy_version,
        "schedule": [
            {
                "seq": i.seq,
                "due_on": i.due_on,
                "amount": i.amount,
                "paid": i.paid,
                "paid_on": i.paid_on,
                "status": i.status,
            }
            for i in rows
        ],
    }


def plans_for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case's plans, newest first."""
    plans: Sequence[RepaymentPlan] = session.exec(
        select(RepaymentPlan)
        .where(RepaymentPlan.case_id == case_id)
        .order_by(col(RepaymentPlan.id).desc())
    ).all()
    return [plan_dict(session, p) for p in plans]
