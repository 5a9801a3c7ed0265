"""The review queue: reviews the daily cycle opened, listed and decided by the right role.

An approval lets the next daily cycle move the case to the target stage; a rejection keeps it
where it is. Every decision lands in the case's timeline with the reviewer and comment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import CardAccount, Case, Customer, TimelineEvent
from models.review import Review, ReviewStatus
from models.types import utcnow
from rules.approval import may_decide
from rules.enums import CaseStatus, Role
from rules.errors import DuecourseError, InputError, NotFoundError
from rules.masking import scrub_text
from rules.roster import User
from tasks.bulk import MAX_ROW_ID


def _item(review: Review, case: Case, account: CardAccount, name: str) -> dict[str, Any]:
    return {
        "id": review.id,
        "case_id": review.case_id,
        "account_id": case.account_id,
        "debtor": name,
        "stage": case.stage,
        "target_stage": review.target_stage,
        "required_role": review.required_role,
        "status": review.status,
        "opened_on": review.opened_on,
        "risk": case.risk_tier,
        "dpd": account.days_past_due,
        "balance": account.balance,
        "owner": case.owner,
        "decided_by": review.decided_by,
        "decided_at": review.decided_at,
        "comment": scrub_text(review.comment) if review.comment else None,
        "policy_version": review.policy_version,
    }


def list_reviews(
    session: Session,
    *,
    status: ReviewStatus | None = ReviewStatus.PENDING,
    role: Role | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Reviews, oldest first (the queue order), with what a reviewer needs to decide."""
    query = (
        select(Review, Case, CardAccount, Customer.name)
        .join(Case, col(Case.id) == col(Review.case_id))
        .join(CardAccount, col(CardAccount.id) == col(Case.account_id))
        .join(Customer, col(Customer.id) == col(Case.customer_id))
        .order_by(col(Review.opened_on), col(Review.id))
        .limit(min(limit, MAX_ROW_ID))  # a larger number would overflow the driver
    )
    if status is not None:
        query = query.where(Review.status == status)
    if status == ReviewStatus.PENDING:  # a case closed since (cured, paid) needs no decision
        query = query.where(Case.status == CaseStatus.OPEN)
    if role is not None:
        query = query.where(Review.required_role == role)
    return [_item(r, c, a, n) for r, c, a, n in session.exec(query).all()]


def _no_review(review_id: int) -> NotFoundError:
    return NotFoundError(f"no review with id {review_id}")


def show_review(session: Session, review_id: int) -> dict[str, Any]:
    if not 0 <= review_id <= MAX_ROW_ID:  # the database would refuse the number
        raise _no_review(review_id)
    row = session.exec(
        select(Review, Case, CardAccount, Customer.name)
        .join(Case, col(Case.id) == col(Review.case_id))
        .join(CardAccount, col(CardAccount.id) == col(Case.account_id))
        .join(Customer, col(Customer.id) == col(Case.customer_id))
        .where(Review.id == review_id)
    ).first()
    if row is None:
        raise _no_review(review_id)
    return _item(*row)


def decide_review(
    session: Session,
    review_id: int,
    *,
    user: User,
    approve: bool,
    comment: str | None,
    as_of: date,
) -> dict[str, Any]:
    """Approve or reject a pending review as `user`; the caller commits."""
    review = session.get(Review, review_id) if 0 <= review_id <= MAX_ROW_ID else None
    if review is None:
        raise _no_review(review_id)
    if review.status != ReviewStatus.PENDING:
        raise DuecourseError(
            f"review {review_id} is already {review.status.value} by {review.decided_by}"
        )
    if not may_decide(user.role, review.required_role):
        raise DuecourseError(
            f"review {review_id} needs the {review.required_role.value} role; "
            f"{user.name} is {user.role.value}"
        )
    if not approve and not (comment or "").strip():
        raise InputError("a rejection needs --comment saying why")
    # Only a review still pending is decided: two reviewers at once leave one decision, not two.
    decided = session.connection().execute(
        sa.update(Review)
        .where(col(Review.id) == review_id, col(Review.status) == ReviewStatus.PENDING)
        .values(
            status=ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED,
            decided_by=user.name,
            decided_at=utcnow(),
            comment=comment,
        )
    )
    session.refresh(review)
    if decided.rowcount != 1:
        raise DuecourseError(
            f"review {review_id} is already {review.status.value} by {review.decided_by}"
        )
    verb = "approved" if approve else "rejected"
    detail = f"{verb} move to {review.target_stage.value}"
    if comment:
        detail += f": {scrub_text(comment)}"
    session.add(
        TimelineEvent(
            case_id=review.case_id, as_of=as_of, event="review", detail=detail, actor=user.name
        )
    )
    session.flush()
    return show_review(session, review_id)
