"""Asking for a write-off (账销案存): a review of the move to `written_off`, decided by the role the
ladder names for that stage (policy/ladder.yaml: supervisor), four-eyes like every review.

Written off is an open stage, not a closed outcome (issue 18 item 7): the claim stays under
recovery, payments are still allocated (a payment in full closes the case as paid), the limitation
clock is still watched, and the debtor may still negotiate. The approval lets the next daily
cycle move the case (the same path as any approved stage move).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models.review import Review
from rules.enums import CaseStatus, ReviewKind, ReviewStatus, Stage
from rules.errors import DuecourseError, InputError
from rules.masking import scrub_text
from rules.policy import Policy
from rules.roster import User
from tasks.case_file import find_case
from tasks.clock import today
from tasks.review_open import add_review
from tasks.reviews import show_review


def request_write_off(
    session: Session, case_ref: str, *, user: User, note: str, policy: Policy
) -> dict[str, Any]:
    """Open the write-off review of the case (id or account id), requested by `user`, dated
    today; flushes, the caller commits. Refused (one line): no note, a closed case, a case already
    written off, a stage the ladder does not let go to written_off, a review already pending."""
    if not note.strip():
        raise InputError("--note is required: say why the claim is written off")
    case = find_case(session, case_ref)
    assert case.id is not None
    if case.status != CaseStatus.OPEN:
        raise DuecourseError(f"case {case.id} is closed ({case.stage.value})")
    if case.stage == Stage.WRITTEN_OFF:
        raise DuecourseError(f"case {case.id} is written off already")
    if not policy.has_stage(Stage.WRITTEN_OFF):
        raise DuecourseError("the ladder in force has no written_off stage")
    target = policy.stage_def(Stage.WRITTEN_OFF)
    if (
        not policy.has_stage(case.stage)
        or Stage.WRITTEN_OFF not in policy.stage_def(case.stage).next
    ):
        raise DuecourseError(
            f"case {case.id} is in {case.stage.value}, which the ladder does not let go to "
            "written_off"
        )
    pending = session.exec(
        select(Review.id).where(
            Review.case_id == case.id,
            Review.target_stage == Stage.WRITTEN_OFF,
            Review.status == ReviewStatus.PENDING,
        )
    ).first()
    if pending is not None:
        raise DuecourseError(f"case {case.id} has a write-off review pending already: {pending}")
    day = today()
    review = Review(
        case_id=case.id,
        kind=ReviewKind.STAGE,
        target_stage=Stage.WRITTEN_OFF,
        required_role=target.review or user.role,
        opened_on=day,
        key=f"write_off:{case.id}:{day.isoformat()}",
        policy_version=policy.version,
        requested_by=user.name,
        comment=None,
    )
    why = scrub_text(note.strip())
    add_review(session, review, "review {} of the move to written_off: " + why)
    session.flush()
    assert review.id is not None
    return show_review(session, review.id)
