"""The checker's decision on a proposed repayment plan (maker-checker).

Called by tasks/review_effects.py once `tasks/reviews.decide_review` has recorded the decision
of a review of kind `plan` (`duecourse review approve|reject ID --as USER`, or the web console),
in the same transaction. The proposer never decides their own plan, and only the policy's
approver role may (rules/approval.may_decide: a collector is refused, a supervisor accepted);
decide_review checks both for the review, and this checks them again against the plan itself.

Approved: the plan is current, `plan_approved` is written (the cardholder agreeing to perform
interrupts the limitation period: Civil Code Art. 195(2); SPC limitation rules 2020 Art. 14),
`plan_current` is set (the conduct gate stops collection contacts while it holds) and the
repayment agreement is rendered and stored (tasks/negotiation/agreement.py).
Rejected: the plan is rejected, `plan_rejected` written, `plan_requested` cleared, and the case
resumes (tasks/negotiation/flags.resume: back to the legal stage it left, if any).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from models import Case
from models.db import home_dir
from models.plan import RepaymentPlan
from models.review import Review
from rules import events
from rules.approval import may_decide
from rules.enums import PlanStatus, ReviewKind
from rules.errors import DuecourseError
from rules.masking import scrub_text
from rules.roster import User
from tasks.contacts.record import add_event
from tasks.law_firms.placement import recall_open_placement
from tasks.negotiation.agreement import render_agreement
from tasks.negotiation.flags import clear_flag, resume, set_flag
from tasks.negotiation.policy import load_negotiation_policy
from tasks.policy import load_policy


def _plan_of(session: Session, review: Review) -> RepaymentPlan:
    assert review.kind == ReviewKind.PLAN and review.subject_id is not None
    plan = session.get(RepaymentPlan, review.subject_id)
    if plan is None:
        raise DuecourseError(f"review {review.id}: plan {review.subject_id} does not exist")
    if plan.status is not PlanStatus.PROPOSED:
        raise DuecourseError(f"plan {plan.id} is {plan.status.value}, not proposed")
    return plan


def check_checker(plan: RepaymentPlan, review: Review, user: User) -> None:
    """Maker-checker: never the proposer, and only a role that may decide the review's."""
    if user.name == plan.proposed_by:
        raise DuecourseError(
            f"plan {plan.id} was proposed by {user.name}: another person must approve or "
            "reject it (maker-checker)"
        )
    if not may_decide(user.role, review.required_role):
        raise DuecourseError(
            f"plan {plan.id} needs the {review.required_role.value} role; "
            f"{user.name} is {user.role.value}"
        )


def decide_plan(
    session: Session,
    review: Review,
    *,
    approved: bool,
    user: User,
    day: date,
    documents_dir: Path | None = None,
) -> None:
    """Carry out the checker's decision on the review's plan (flushed; the caller commits).
    `documents_dir`: where the agreement is stored (default `<home>/documents`)."""
    plan = _plan_of(session, review)
    check_checker(plan, review, user)
    case = session.get(Case, plan.case_id)
    assert case is not None and case.id is not None and plan.id is not None
    plan.decided_by, plan.decided_on = user.name, day
    if approved:
        plan.status = PlanStatus.CURRENT
        session.add(plan)
        session.flush()
        policy = load_negotiation_policy()
        docs = render_agreement(
            session, plan, day=day, documents_dir=documents_dir or home_dir() / "documents",
            grace_days=policy.plan.grace_days,
        )  # fmt: skip
        add_event(
            session, case_id=case.id, event=events.PLAN_APPROVED, as_of=day, actor=user.name,
            detail=f"plan {plan.id} approved, agreement {docs[0].number}: the cardholder "
            "agrees to perform (interrupts the limitation period, Civil Code Art. 195(2))",
        )  # fmt: skip
        set_flag(
            session, case, events.PLAN_CURRENT, as_of=day, actor=user.name,
            detail=f"plan {plan.id} current", policy=load_policy(),
        )  # fmt: skip
        # a panel firm holding the case stops: the debtor is paying by agreement
        recall_open_placement(
            session, case.id, day=day, reason=f"repayment plan {plan.id} approved",
            actor=user.name,
        )  # fmt: skip
        return
    plan.status, plan.ended_on = PlanStatus.REJECTED, day
    plan.reason = review.comment
    session.add(plan)
    why = f"plan {plan.id} rejected"
    if review.comment:
        why += f": {scrub_text(review.comment)}"
    add_event(
        session, case_id=case.id, event=events.PLAN_REJECTED, as_of=day, detail=why,
        actor=user.name,
    )  # fmt: skip
    clear_flag(
        session, case.id, events.PLAN_REQUESTED, as_of=day, actor=user.name,
        detail=f"plan {plan.id} rejected",
    )  # fmt: skip
    resume(session, case, as_of=day, actor=user.name, why=f"plan {plan.id} rejected")
