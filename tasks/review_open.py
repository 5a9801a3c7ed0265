"""Opening a review outside the daily cycle (a plan, a dispute, a write-off, the next legal
step): the same queue, roles and four-eyes rule as the ladder's stage-move reviews
(tasks/reviews.py); a plan's or dispute's review says what it decides by `kind` and
`subject_id`. `requested_by` is the person who asked (a plan's proposer): never its decider."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import Case, TimelineEvent
from models.review import Review
from rules import events
from rules.enums import ReviewKind, Role


def open_subject_review(
    session: Session,
    *,
    case: Case,
    kind: ReviewKind,
    subject_id: int,
    role: Role,
    requested_by: str,
    as_of: date,
    policy_version: str,
) -> Review:
    """Open (and flush) the pending review of `kind` `subject_id` on the case, with its timeline
    line; idempotent by its key (a second call returns the first review)."""
    assert case.id is not None and kind != ReviewKind.STAGE
    key = f"{kind.value}:{subject_id}"
    existing = session.exec(select(Review).where(Review.key == key)).first()
    if existing is not None:
        return existing
    review = Review(
        case_id=case.id,
        kind=kind,
        subject_id=subject_id,
        target_stage=None,
        required_role=role,
        opened_on=as_of,
        key=key,
        policy_version=policy_version,
        requested_by=requested_by,
    )
    return add_review(session, review, f"review {{}} of {kind.value} {subject_id} by {role.value}")


def add_review(
    session: Session, review: Review, detail: str, *, actor: str | None = None
) -> Review:
    """Add a new review, flush it (its id), and write its `review_requested` timeline line,
    `detail` with `{}` standing for the review's id, dated the day it was opened, by `actor`
    (default: whoever asked): the one way a review opened outside the daily cycle is recorded
    (a plan, a dispute, a write-off, the next legal step)."""
    session.add(review)
    session.flush()
    assert review.id is not None
    session.add(
        TimelineEvent(
            case_id=review.case_id,
            as_of=review.opened_on,
            event=events.REVIEW_REQUESTED,
            detail=detail.replace("{}", str(review.id), 1),
            actor=actor or review.requested_by,
        )
    )
    return review
