"""What deciding a review of kind `plan` or `dispute` does beyond the review row and the
timeline line `tasks/reviews.decide_review` writes: the plan becomes current (and its agreement
is rendered) or is rejected; the dispute is upheld or rejected and the case resumes. A stage-move
review has no effect here: the next daily cycle moves the case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from models.review import Review
from rules.enums import ReviewKind
from rules.roster import User


def apply_decision(
    session: Session,
    review: Review,
    *,
    approved: bool,
    user: User,
    day: date,
    documents_dir: Path | None = None,
) -> None:
    """Carry out the decision on the review's subject; the caller commits. `documents_dir`:
    where an approved plan's agreement is stored (default `<home>/documents`)."""
    if review.kind == ReviewKind.PLAN:
        from tasks.negotiation.plan_decision import decide_plan

        decide_plan(
            session, review, approved=approved, user=user, day=day, documents_dir=documents_dir
        )
    elif review.kind == ReviewKind.DISPUTE:
        from tasks.negotiation.dispute_decision import decide_dispute

        decide_dispute(session, review, approved=approved, user=user, day=day)
