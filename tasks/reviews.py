"""The review queue: reviews the daily cycle opened, listed and decided by the right role.

An approval lets the next daily cycle move the case to the target stage; a rejection keeps it
where it is. Every decision lands in the case's timeline (event `review_decided`, which meets the
review's milestone) with the reviewer and comment, dated the day it is taken: today
(`tasks.clock.today()`), or an earlier day since the review was requested, never a later one.
A review whose case has closed (paid, cured...) is withdrawn, not decided: set-based at the start
of each daily cycle, and for the case at hand when someone tries to decide it. So is a review
whose case has changed stage since it was requested (at the start and end of each daily cycle).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models import CardAccount, Case, Customer, TimelineEvent
from models.review import Review
from models.types import utcnow
from rules import events
from rules.approval import may_decide
from rules.enums import (
    AuditAction,
    CaseStatus,
    DecisionVia,
    ReviewKind,
    ReviewStatus,
    Role,
    Stage,
)
from rules.errors import DuecourseError, InputError, NotFoundError
from rules.masking import scrub_text
from rules.roster import User
from tasks.audit import record
from tasks.bulk import MAX_ROW_ID
from tasks.clock import shanghai_time, today

REVIEW = Review.__table__  # type: ignore[attr-defined]
CASE = Case.__table__  # type: ignore[attr-defined]
TIMELINE = TimelineEvent.__table__  # type: ignore[attr-defined]
CASE_MOVED = "case moved"  # the comment of a review withdrawn because its case changed stage


def subject(kind: ReviewKind, target: Stage | None, subject_id: int | None) -> str:
    """What a review decides, in words: `the move to lawyer_letter`, `plan 12`, `dispute 3`."""
    if kind == ReviewKind.STAGE and target is not None:
        return f"the move to {target.value}"
    return f"{kind.value} {subject_id}"


class ReviewWithdrawn(DuecourseError):
    """A decision was asked on a review whose case has closed: the review was withdrawn instead
    (the caller commits the withdrawal, then lets the error through: exit 1, one line)."""


def _item(review: Review, case: Case, account: CardAccount, name: str) -> dict[str, Any]:
    return {
        "id": review.id,
        "case_id": review.case_id,
        "account_id": case.account_id,
        "debtor": name,
        "stage": case.stage,
        "kind": review.kind,
        "subject_id": review.subject_id,
        "subject": subject(review.kind, review.target_stage, review.subject_id),
        "target_stage": review.target_stage,
        "required_role": review.required_role,
        "status": review.status,
        "opened_on": review.opened_on,
        "risk": case.risk_tier,
        "dpd": account.days_past_due,
        "balance": account.balance,
        "owner": case.owner,
        "requested_by": review.requested_by,
        "decided_by": review.decided_by,
        "decided_via": review.decided_via,
        # stored in UTC; given as people read it (Asia/Shanghai, +08:00)
        "decided_at": shanghai_time(review.decided_at) if review.decided_at else None,
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
        .where(*_list_conditions(status, role))
        .order_by(col(Review.opened_on), col(Review.id))
        .limit(min(limit, MAX_ROW_ID))  # a larger number would overflow the driver
    )
    return [_item(r, c, a, n) for r, c, a, n in session.exec(query).all()]


def _list_conditions(status: ReviewStatus | None, role: Role | None) -> list[Any]:
    conditions: list[Any] = []
    if status is not None:
        conditions.append(Review.status == status)
    if status == ReviewStatus.PENDING:  # a case closed since (cured, paid) needs no decision
        conditions.append(Case.status == CaseStatus.OPEN)
    if role is not None:
        conditions.append(Review.required_role == role)
    return conditions


def count_reviews(
    session: Session,
    *,
    status: ReviewStatus | None = ReviewStatus.PENDING,
    role: Role | None = None,
) -> int:
    """How many reviews `list_reviews` would list without a limit."""
    query = (
        select(sa.func.count())
        .select_from(Review)
        .join(Case, col(Case.id) == col(Review.case_id))
        .where(*_list_conditions(status, role))
    )
    return int(session.exec(query).one())


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


def withdraw_closed_reviews(
    conn: Connection, as_of: date, *, case_id: int | None = None, actor: str = "daily_cycle"
) -> int:
    """Withdraw the pending reviews of closed cases (of `case_id` only, when given): one UPDATE
    returning what it withdrew, then one timeline line per review. Returns how many."""
    r, c = REVIEW, CASE
    closed = sa.select(c.c.id).where(c.c.status == CaseStatus.CLOSED)
    if case_id is not None:
        closed = closed.where(c.c.id == case_id)
    outcome = sa.select(c.c.outcome).where(c.c.id == r.c.case_id).scalar_subquery()
    now = utcnow()
    withdrawn = conn.execute(
        sa.update(r)
        .where(r.c.status == ReviewStatus.PENDING, r.c.case_id.in_(closed))
        .values(status=ReviewStatus.WITHDRAWN, decided_at=now, comment="case closed")
        .returning(r.c.id, r.c.case_id, r.c.kind, r.c.target_stage, r.c.subject_id, outcome)
    ).all()
    if withdrawn:
        conn.execute(
            sa.insert(TIMELINE),
            [
                {
                    "case_id": cid,
                    "at": now,
                    "as_of": as_of,
                    "event": events.REVIEW_WITHDRAWN,
                    "detail": f"review {rid} of {subject(kind, target, sid)} withdrawn: "
                    f"the case closed{f' as {closed_as.value}' if closed_as else ''}",
                    "actor": actor,
                }
                for rid, cid, kind, target, sid, closed_as in withdrawn
            ],
        )
    return len(withdrawn)


def withdraw_moved_reviews(conn: Connection, as_of: date) -> int:
    """Withdraw the pending reviews of open cases that have changed stage since the review was
    requested: the move it asked about was from a stay that has ended. Should the ladder still
    want the move, the next cycle asks again from the new stage, so a rejection always answers
    the stay it was asked in (tasks/cycle/evaluate.py `request_review`). Returns how many."""
    r, c = REVIEW, CASE
    moved = sa.select(c.c.id).where(
        c.c.id == r.c.case_id, c.c.status == CaseStatus.OPEN, c.c.stage_entered_on > r.c.opened_on
    )
    stage = sa.select(c.c.stage).where(c.c.id == r.c.case_id).scalar_subquery()
    now = utcnow()
    withdrawn = conn.execute(
        sa.update(r)
        .where(r.c.status == ReviewStatus.PENDING, r.c.kind == ReviewKind.STAGE, moved.exists())
        .values(status=ReviewStatus.WITHDRAWN, decided_at=now, comment=CASE_MOVED)
        .returning(r.c.id, r.c.case_id, r.c.target_stage, stage)
    ).all()
    if withdrawn:
        conn.execute(
            sa.insert(TIMELINE),
            [
                {
                    "case_id": cid, "at": now, "as_of": as_of, "event": events.REVIEW_WITHDRAWN,
                    "detail": f"review {rid} of the move to {target.value} withdrawn: "
                    f"the case moved to {Stage(now_in).value}",
                    "actor": "daily_cycle",
                }
                for rid, cid, target, now_in in withdrawn
            ],
        )  # fmt: skip
    return len(withdrawn)


def _decided_already(review: Review) -> DuecourseError:
    by = f" by {review.decided_by}" if review.decided_by else ""
    why = ""
    if review.status == ReviewStatus.WITHDRAWN:
        why = " (its case moved)" if review.comment == CASE_MOVED else " (its case closed)"
    return DuecourseError(f"review {review.id} is already {review.status.value}{by}{why}")


def _decision_day(review: Review, as_of: date | None) -> date:
    """The day a decision is dated: today, or a day from the request to today (never later:
    a decision cannot be recorded before it is taken, nor before there was anything to
    decide)."""
    now = today()
    day = now if as_of is None else as_of
    if day > now:
        raise DuecourseError(
            f"--as-of {day} is after today ({now}): a decision is dated the day it is taken"
        )
    if day < review.opened_on:
        raise DuecourseError(
            f"--as-of {day} is before review {review.id} was requested ({review.opened_on})"
        )
    return day


_AUDITED = {
    ReviewKind.STAGE: AuditAction.REVIEW_DECIDED,
    ReviewKind.PLAN: AuditAction.PLAN_DECIDED,
    ReviewKind.DISPUTE: AuditAction.DISPUTE_RESOLVED,
}


def _audit(session: Session, review: Review, user: User, day: date) -> None:
    """The decision on the audit chain (tasks/audit.py), last in its transaction: the chain's
    lock is held from here to the commit."""
    record(
        session,
        action=_AUDITED.get(review.kind, AuditAction.REVIEW_DECIDED),
        subject_type="review",
        subject_id=review.id if review.id is not None else 0,
        case_id=review.case_id,
        actor=user.name,
        data={
            "kind": review.kind,
            "decision": review.status,
            "target_stage": review.target_stage,
            "subject_id": review.subject_id,
            "role": user.role,
            "via": review.decided_via,
            "on": day,
            "comment": review.comment,
            "policy_version": review.policy_version,
        },
    )


def _lawyer_letter_approved(
    session: Session, review: Review, *, approve: bool, user: User, day: date
) -> None:
    """An approved move to lawyer_letter places the case with a panel law firm: the letter is
    the firm's (tasks/law_firms/letters.py, imported when needed as review_effects is)."""
    if approve and review.kind == ReviewKind.STAGE and review.target_stage == Stage.LAWYER_LETTER:
        from tasks.law_firms.letters import on_lawyer_letter_approved

        on_lawyer_letter_approved(session, review, user, day)


def decide_review(
    session: Session,
    review_id: int,
    *,
    user: User,
    approve: bool,
    comment: str | None,
    as_of: date | None = None,
    via: DecisionVia | None = None,
    documents_dir: Path | None = None,
) -> dict[str, Any]:
    """Approve or reject a pending review as `user`, dated `as_of` (default today; see
    `_decision_day`), recording where it was decided (`via`: the CLI's typed `--as`, or the
    web's signed-in user); the caller commits. A review whose case has closed is withdrawn and
    `ReviewWithdrawn` raised (commit, then report it). Four-eyes: whoever requested the
    decision may never take it, from the CLI or the web alike. `documents_dir`: where the
    decision's documents go (an approved plan's agreement; default `<home>/documents`)."""
    review = session.get(Review, review_id) if 0 <= review_id <= MAX_ROW_ID else None
    if review is None:
        raise _no_review(review_id)
    if review.status != ReviewStatus.PENDING:
        raise _decided_already(review)
    case = session.get(Case, review.case_id)
    if case is not None and case.status == CaseStatus.CLOSED:
        withdraw_closed_reviews(session.connection(), today(), case_id=case.id)
        closed_as = f" as {case.outcome.value}" if case.outcome else ""
        closed_on = f" on {case.closed_on}" if case.closed_on else ""
        raise ReviewWithdrawn(
            f"review {review_id} withdrawn: case {case.id} closed{closed_as}{closed_on}; "
            "there is no move left to decide"
        )
    if not may_decide(user.role, review.required_role):
        raise DuecourseError(
            f"review {review_id} needs the {review.required_role.value} role; "
            f"{user.name} is {user.role.value}"
        )
    if user.name == review.requested_by:
        raise DuecourseError(
            f"review {review_id} was requested by {user.name}: another person must decide it "
            "(four-eyes)"
        )
    day = _decision_day(review, as_of)
    if not approve and not (comment or "").strip():
        raise InputError("a rejection needs --comment saying why")
    # Only a review still pending is decided: two reviewers at once leave one decision, not two.
    decided = session.connection().execute(
        sa.update(Review)
        .where(col(Review.id) == review_id, col(Review.status) == ReviewStatus.PENDING)
        .values(
            status=ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED,
            decided_by=user.name,
            decided_via=via,
            decided_at=utcnow(),
            comment=comment,
        )
    )
    session.refresh(review)
    if decided.rowcount != 1:
        raise _decided_already(review)
    verb = "approved" if approve else "rejected"
    detail = f"{verb} {subject(review.kind, review.target_stage, review.subject_id)}"
    if comment:
        detail += f": {scrub_text(comment)}"
    session.add(
        TimelineEvent(
            case_id=review.case_id,
            as_of=day,
            event=events.REVIEW_DECIDED,
            detail=detail,
            actor=user.name,
        )
    )
    session.flush()
    if review.kind != ReviewKind.STAGE:
        # a plan or a dispute: what the decision does to it (imported here: those modules
        # open their reviews through this one)
        from tasks.review_effects import apply_decision

        apply_decision(
            session, review, approved=approve, user=user, day=day, documents_dir=documents_dir
        )
        session.flush()
    _lawyer_letter_approved(session, review, approve=approve, user=user, day=day)
    _audit(session, review, user, day)
    return show_review(session, review_id)
