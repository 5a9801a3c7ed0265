"""Opening a review of a plan or a dispute: the same queue, roles and four-eyes rule as the
ladder's stage-move reviews (tasks/reviews.py), with `kind` and `subject_id` saying what it
decides. `requested_by` is the person who asked (a plan's proposer): never its decider."""

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
    session.add(review)
    session.flush()
    session.add(
        TimelineEvent(
            case_id=case.id,
            as_of=as_of,
            event=events.REVIEW_REQUESTED,
            detail=f"review {review.id} of {kind.value} {subject_id} by {role.value}",
            actor=requested_by,
        )
    )
    return review
