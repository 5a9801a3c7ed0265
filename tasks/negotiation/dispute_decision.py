"""What deciding a dispute's review does (`dispute resolve`, `review approve|reject` of a review of
kind dispute, or the web console: approve = upheld). Called by tasks/review_effects after
tasks/reviews.decide_review checked the role and four-eyes and recorded the decision.

Always: the dispute's status, day, decider and resolution; DISPUTE_RESOLVED (HARDSHIP_DECIDED
too for a hardship claim: it meets the negotiation stage's `negotiation_outcome`); DISPUTE_OPEN
cleared once no dispute of the case is left open (HARDSHIP_REVIEW with a hardship claim); the
case's `dispute_decision` milestone met when it was the last one open.

Then by kind and outcome:
- hardship upheld: the case stays in negotiation (HARDSHIP_CLAIMED stays: a plan is next);
- hardship rejected: HARDSHIP_CLAIMED cleared, collection resumes (flags.resume);
- force majeure upheld: HARDSHIP_CLAIMED set: the case goes to negotiation;
- disputed charges upheld: collection resumes; the bank corrects the charges in its next
  snapshot (the resolution says what);
- identity theft upheld: the card was not the debtor's: the case closes as `withdrawn` and its
  pending reviews are withdrawn;
- any claim rejected: collection resumes.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import Case, Dispute
from models.review import Review
from models.types import utcnow
from rules import events
from rules.enums import CaseStatus, DisputeKind, DisputeStatus, Outcome, Stage
from rules.errors import DuecourseError
from rules.masking import scrub_text
from rules.roster import User
from tasks.audit import record_many, stage_change
from tasks.contacts.record import add_event
from tasks.negotiation.dispute_milestone import meet_dispute_milestone
from tasks.negotiation.flags import clear_flag, resume, set_flag
from tasks.policy import load_policy
from tasks.reviews import withdraw_closed_reviews


def _others_open(session: Session, dispute: Dispute) -> list[Dispute]:
    return list(
        session.exec(
            select(Dispute).where(
                Dispute.case_id == dispute.case_id,
                Dispute.status == DisputeStatus.OPEN,
                Dispute.id != dispute.id,
            )
        ).all()
    )


def _close_withdrawn(session: Session, case: Case, day: date, actor: str, why: str) -> None:
    """Close the case as withdrawn (the claim was never the debtor's) and withdraw its pending
    reviews, as a payment closing a case does."""
    assert case.id is not None
    old = case.stage
    case.status, case.stage, case.outcome = CaseStatus.CLOSED, Stage.WITHDRAWN, Outcome.WITHDRAWN
    case.closed_on, case.updated_at = day, utcnow()
    session.add(case)
    add_event(
        session, case_id=case.id, event=events.CLOSED, as_of=day, actor=actor,
        detail=f"closed as withdrawn: {why}",
    )  # fmt: skip
    session.flush()
    record_many(session, [stage_change(case.id, old, Stage.WITHDRAWN, why, on=day, actor=actor)])
    withdraw_closed_reviews(session.connection(), day, case_id=case.id, actor=actor)


def decide_dispute(
    session: Session, review: Review, *, approved: bool, user: User, day: date
) -> None:
    """Carry out the decision on the review's dispute (see the module's doc); the caller
    commits."""
    dispute = session.get(Dispute, review.subject_id) if review.subject_id is not None else None
    if dispute is None or dispute.case_id != review.case_id:
        raise DuecourseError(f"review {review.id}: its dispute {review.subject_id} is missing")
    if dispute.status != DisputeStatus.OPEN:
        raise DuecourseError(f"dispute {dispute.id} is already {dispute.status.value}")
    case = session.get(Case, dispute.case_id)
    assert case is not None and case.id is not None
    actor, kind = user.name, dispute.kind
    outcome = DisputeStatus.UPHELD if approved else DisputeStatus.REJECTED
    resolution = scrub_text(review.comment or "")
    dispute.status, dispute.resolved_on, dispute.resolved_by = outcome, day, actor
    dispute.resolution = resolution or None
    session.add(dispute)
    detail = f"dispute {dispute.id} ({kind.value}) {outcome.value} by {actor}"
    if resolution:
        detail += f": {resolution}"
    add_event(
        session, case_id=case.id, event=events.DISPUTE_RESOLVED, as_of=day, detail=detail,
        actor=actor,
    )  # fmt: skip
    if kind is DisputeKind.HARDSHIP:
        add_event(
            session, case_id=case.id, event=events.HARDSHIP_DECIDED, as_of=day, detail=detail,
            actor=actor,
        )  # fmt: skip
        clear_flag(session, case.id, events.HARDSHIP_REVIEW, as_of=day, actor=actor, detail=detail)
    if not _others_open(session, dispute):
        clear_flag(session, case.id, events.DISPUTE_OPEN, as_of=day, actor=actor, detail=detail)
        meet_dispute_milestone(
            session, case.id, day, f"{events.DISPUTE_RESOLVED} on {day.isoformat()}"
        )
    _effect(session, case, kind, approved=approved, day=day, actor=actor, detail=detail)
    session.flush()


def _effect(
    session: Session,
    case: Case,
    kind: DisputeKind,
    *,
    approved: bool,
    day: date,
    actor: str,
    detail: str,
) -> None:
    """The case's way on after the decision (see the module's doc)."""
    assert case.id is not None
    if approved and kind is DisputeKind.HARDSHIP:
        return  # stays in negotiation: a repayment plan is the next step
    if approved and kind is DisputeKind.IDENTITY_THEFT:
        _close_withdrawn(session, case, day, actor, detail)
        return
    if approved and kind is DisputeKind.FORCE_MAJEURE:
        set_flag(
            session, case, events.HARDSHIP_CLAIMED, as_of=day, actor=actor, detail=detail,
            policy=load_policy(),
        )  # fmt: skip
        return
    if not approved and kind is DisputeKind.HARDSHIP:
        clear_flag(session, case.id, events.HARDSHIP_CLAIMED, as_of=day, actor=actor, detail=detail)
    # disputed charges upheld (the bank corrects them in its next snapshot), or any rejection
    resume(session, case, as_of=day, actor=actor, why=detail, restart=None)
