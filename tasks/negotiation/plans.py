"""Proposing a repayment plan (个性化分期还款, 2011 rules Art. 70) and reading a case's plans.

The proposer (any person of the roster: a collector may propose) states the structure; the
schedule is built from what the case owes today (tasks/payments/record.outstanding) by
rules/plans.py and stored as a `proposed` plan with its instalments. Proposing writes
`plan_proposed` (which meets the negotiation stage's `negotiation_outcome` milestone), sets the
`plan_requested` flag (the case goes to negotiation at the next daily cycle, whatever its stage)
and opens a review of kind `plan` for the policy's approver role: maker-checker, the proposer
never decides it (tasks/reviews.decide_review, tasks/negotiation/plan_decision.py).

A case has one proposed plan at a time, and none is proposed while one is current.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from models import Case
from models.plan import PlanInstallment, RepaymentPlan
from models.review import Review
from rules import events
from rules.amounts import fen_to_yuan, format_yuan
from rules.enums import PlanKind, PlanStatus, ReviewKind, ReviewStatus
from rules.errors import DuecourseError
from rules.negotiation_policy import NegotiationPolicy
from rules.periods import add_months
from rules.plans import Schedule, build_schedule
from rules.policy import canonical_json
from rules.roster import User
from tasks.case_file import find_case
from tasks.clock import today
from tasks.contacts.record import add_event
from tasks.negotiation.flags import set_flag
from tasks.negotiation.plan_views import plan_dict, plans_for_case
from tasks.negotiation.policy import load_negotiation_policy
from tasks.payments.record import outstanding
from tasks.policy import load_policy
from tasks.review_open import open_subject_review

OPEN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.CURRENT)
__all__ = ["plan_dict", "plans_for_case", "propose_plan"]


def negotiation_version(policy: NegotiationPolicy) -> str:
    """sha256 of the negotiation policy's meaning: the figures a plan was built with."""
    return hashlib.sha256(canonical_json(policy.model_dump(mode="json")).encode()).hexdigest()


def default_first_due(day: date, within_days: int) -> date:
    """A month from today (the same day next month), unless the policy wants it sooner."""
    return min(add_months(day, 1), day + timedelta(days=within_days))


def _refuse_open_plan(session: Session, case_id: int, day: date) -> None:
    """A second proposal, or one while a plan is current, is refused naming the first. A
    proposed plan whose review was withdrawn (its case closed meanwhile) can never be decided:
    it is withdrawn too, and does not stand in the way."""
    plan = session.exec(
        select(RepaymentPlan)
        .where(RepaymentPlan.case_id == case_id, col(RepaymentPlan.status).in_(OPEN_STATUSES))
        .order_by(col(RepaymentPlan.id))
    ).first()
    if plan is None:
        return
    review = session.get(Review, plan.review_id) if plan.review_id is not None else None
    if review is not None and review.status is ReviewStatus.WITHDRAWN:
        plan.status, plan.ended_on = PlanStatus.WITHDRAWN, day
        plan.reason = f"review {review.id} withdrawn"
        session.add(plan)
        session.flush()
        _refuse_open_plan(session, case_id, day)
        return
    if plan.status is PlanStatus.PROPOSED:
        raise DuecourseError(
            f"case {case_id} already has plan {plan.id} proposed by {plan.proposed_by} on "
            f"{plan.proposed_on} (review {plan.review_id}): decide it first"
        )
    raise DuecourseError(
        f"case {case_id} has plan {plan.id} current since {plan.decided_on}: a new plan is "
        "proposed only once it is broken or completed"
    )


def _describe(plan_id: int, s: Schedule) -> str:
    y = fen_to_yuan
    waived = f", fees {format_yuan(y(s.waived_fees))} waived" if s.waived_fees else ""
    if s.kind is PlanKind.DEFERRAL:
        shape = f"deferred {s.months} months, {format_yuan(y(s.total))} due {s.first_due}"
    else:
        shape = (
            f"{len(s.installments)} monthly instalments of {format_yuan(y(s.total))} "
            f"from {s.first_due} to {s.last_due}"
        )
    return f"plan {plan_id} ({s.kind.value}): {shape}{waived}"


def propose_plan(
    session: Session,
    case_ref: str,
    *,
    kind: PlanKind,
    months: int | None,
    first_due: date | None,
    waive_fees: bool,
    note: str | None,
    user: User,
) -> dict[str, Any]:
    """Store a proposed plan on the case (id or account id) and open its review; flush, the
    caller commits. Refused (one line): a closed case, another plan proposed or current, terms
    the law or the policy refuses (rules/plans.py)."""
    day = today()
    case = find_case(session, case_ref)
    assert case.id is not None
    owed = outstanding(session, case, day)  # a closed case is refused here
    _refuse_open_plan(session, case.id, day)
    policy = load_negotiation_policy()
    schedule = build_schedule(
        owed,
        kind=kind,
        months=months,
        first_due=first_due or default_first_due(day, policy.plan.first_due_within_days),
        today=day,
        waive_fees=waive_fees,
        policy=policy.plan,
    )
    plan = _store(session, case, schedule, user=user, day=day, note=note, policy=policy)
    assert plan.id is not None
    detail = _describe(plan.id, schedule)
    add_event(
        session, case_id=case.id, event=events.PLAN_PROPOSED, as_of=day, detail=detail,
        actor=user.name,
    )  # fmt: skip
    ladder = load_policy()
    set_flag(
        session, case, events.PLAN_REQUESTED, as_of=day, actor=user.name,
        detail=f"plan {plan.id} proposed", policy=ladder,
    )  # fmt: skip
    review = open_subject_review(
        session, case=case, kind=ReviewKind.PLAN, subject_id=plan.id,
        role=policy.plan.approver_role, requested_by=user.name, as_of=day,
        policy_version=ladder.version,
    )  # fmt: skip
    plan.review_id = review.id
    session.add(plan)
    session.flush()
    return plan_dict(session, plan)


def _store(
    session: Session,
    case: Case,
    s: Schedule,
    *,
    user: User,
    day: date,
    note: str | None,
    policy: NegotiationPolicy,
) -> RepaymentPlan:
    assert case.id is not None
    plan = RepaymentPlan(
        case_id=case.id,
        kind=s.kind,
        balance=fen_to_yuan(s.balance),
        total=fen_to_yuan(s.total),
        waived_fees=fen_to_yuan(s.waived_fees),
        months=s.months,
        first_due=s.first_due,
        accrues_interest=s.accrues_interest,
        accrues_fees=s.accrues_fees,
        proposed_by=user.name,
        proposed_on=day,
        note=(note or "").strip() or None,
        policy_version=negotiation_version(policy),
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    session.add_all(
        PlanInstallment(plan_id=plan.id, seq=i.seq, due_on=i.due_on, amount=fen_to_yuan(i.amount))
        for i in s.installments
    )
    session.flush()
    return plan
