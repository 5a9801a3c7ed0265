"""The lawyer's letter through its review: the draft the reviewer reads, the placement its
approval makes, and the final letter's line for the day's mail batch.

- Draft (`lawyer_letter_draft`, PDF + DOCX): rendered for a pending review of the move to
  `lawyer_letter` (`duecourse legal letter draft REVIEW_ID`, and for every such review still
  without one by `after_cycle`, the small step after the daily cycle). Idempotent by the document
  key (kind, case, day, format); it names the firm the case would be placed with.
- Approval (`on_lawyer_letter_approved`, from tasks/reviews.decide_review): the case is placed
  with the least loaded firm with room (a legal-role decision, tasks/law_firms/placement.py); no
  firm with room refuses the approval with one line.
- Final letter: once the daily cycle has moved the approved case into `lawyer_letter`,
  `after_cycle` plans its mail line (channel mail, template `lawyer_letter`, step
  `lawyer_letter:lawyer_letter`), as the cycle plans a collection letter's: the dispatcher puts it
  through the conduct gate, `duecourse mail batch` renders the letter dated the day it is posted
  (a demand is never dated before it is sent, CPL 2023 Art. 114) and records `letter_sent`
  (meeting `lawyer_letter_sent`), and `duecourse mail delivered` records its delivery as
  `demand_delivered` (the manifest's `demand: true`). Only a case with an open placement gets the
  line: the letter is the firm's. One line per placement (its key names the placement).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from documents.manifest import Format
from models import Case, CycleAction, CycleRun, Document, Placement, Review
from models.types import utcnow
from rules import events
from rules.calendar import BusinessCalendar
from rules.enums import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    Channel,
    ReviewKind,
    ReviewStatus,
    Role,
    RunStatus,
    Stage,
)
from rules.errors import DuecourseError, NotFoundError
from rules.roster import User
from tasks.bank import Bank
from tasks.bulk import MAX_ROW_ID
from tasks.clock import today
from tasks.contacts.record import add_event
from tasks.documents import document_dict, render_documents
from tasks.law_firms.letter_data import DRAFT, FINAL
from tasks.law_firms.panel import load_panel
from tasks.law_firms.placement import NoFirmFree, open_placement, place_case

FLOW = "legal_letters"  # the cycle_run row of an `after_cycle` step that planned lines
STEP = "lawyer_letter:lawyer_letter"  # the mail line's step (stage:action, as the ladder's)
FORMATS = (Format.PDF, Format.DOCX)


@dataclass(frozen=True)
class LetterSetup:
    """Where documents are stored and what they are rendered with."""

    documents_dir: Path
    bank: Bank
    calendar: BusinessCalendar
    policy_dir: Path | None = None


def _lawyer_letter_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id) if 0 <= review_id <= MAX_ROW_ID else None
    if review is None:
        raise NotFoundError(f"no review with id {review_id}")
    if review.kind is not ReviewKind.STAGE or review.target_stage is not Stage.LAWYER_LETTER:
        raise DuecourseError(f"review {review_id} is not a review of the move to lawyer_letter")
    if review.status is not ReviewStatus.PENDING:
        raise DuecourseError(
            f"review {review_id} is {review.status.value}: a draft goes with a pending review"
        )
    return review


def draft_for_review(engine: Engine, review_id: int, setup: LetterSetup) -> list[dict[str, Any]]:
    """Render (or return the stored) draft of a pending lawyer's-letter review, dated today."""
    with Session(engine) as session:
        case_id = _lawyer_letter_review(session, review_id).case_id
    rendered = render_documents(
        engine, setup.documents_dir, setup.bank, DRAFT, [case_id], today(),
        formats=FORMATS, calendar=setup.calendar, policy_dir=setup.policy_dir,
    )  # fmt: skip
    return [document_dict(d) for d in rendered.documents]


def reviews_without_draft(session: Session) -> list[tuple[int, int]]:
    """(review id, case id) of each pending review of the move to lawyer_letter, of an open
    case, with no draft rendered since it was requested."""
    drafted = (
        select(Document.id)
        .where(
            Document.kind == DRAFT,
            col(Document.case_id) == col(Review.case_id),
            col(Document.as_of) >= col(Review.opened_on),
        )
        .exists()
    )
    rows = session.exec(
        select(Review.id, Review.case_id)
        .join(Case, col(Case.id) == col(Review.case_id))
        .where(
            Review.status == ReviewStatus.PENDING,
            Review.kind == ReviewKind.STAGE,
            Review.target_stage == Stage.LAWYER_LETTER,
            Case.status == CaseStatus.OPEN,
            ~drafted,
        )
        .order_by(col(Review.id))
    ).all()
    return [(int(r or 0), c) for r, c in rows]


@dataclass
class AfterCycle:
    """What `after_cycle` did."""

    drafted: int = 0
    lines_planned: int = 0
    problems: list[str] = field(default_factory=list)  # one line per case it could not serve

    def as_dict(self) -> dict[str, Any]:
        return {
            "drafted": self.drafted,
            "lines_planned": self.lines_planned,
            "problems": self.problems,
        }


def draft_pending_reviews(engine: Engine, setup: LetterSetup, report: AfterCycle) -> None:
    """A draft for every pending lawyer's-letter review still without one, dated today; a case
    that cannot have one (no firm with room, no billing address) is a problem line, not a
    failure of the others."""
    with Session(engine) as session:
        pending = reviews_without_draft(session)
    day = today()
    for review_id, case_id in pending:
        try:
            render_documents(
                engine, setup.documents_dir, setup.bank, DRAFT, [case_id], day,
                formats=FORMATS, calendar=setup.calendar, policy_dir=setup.policy_dir,
            )  # fmt: skip
        except DuecourseError as exc:
            report.problems.append(f"review {review_id}: no draft: {exc}")
            continue
        report.drafted += 1


def _line_key(placement: Placement) -> str:
    return f"{placement.case_id}|{STEP}|placement {placement.id}"


def _policy_version(session: Session) -> str:
    """The policy version of the latest successful daily cycle (the one that moved the case)."""
    found = session.exec(
        select(CycleRun.policy_version)
        .where(CycleRun.flow == "daily_cycle", CycleRun.status == RunStatus.SUCCEEDED)
        .order_by(col(CycleRun.id).desc())
    ).first()
    return (found or "-")[:64]


def _report_unplaced(session: Session, as_of: date, report: AfterCycle) -> None:
    """Cases in lawyer_letter that no firm holds: no lawyer's letter goes out for them."""
    placed = select(Placement.id).where(
        col(Placement.case_id) == col(Case.id), col(Placement.recalled_on).is_(None)
    )
    ids = session.exec(
        select(Case.id)
        .where(
            Case.status == CaseStatus.OPEN,
            Case.stage == Stage.LAWYER_LETTER,
            col(Case.stage_entered_on) <= as_of,
            ~placed.exists(),
        )
        .order_by(col(Case.id))
    ).all()
    if ids:
        shown = ", ".join(str(i) for i in ids[:10]) + (" ..." if len(ids) > 10 else "")
        report.problems.append(
            f"{len(ids)} case(s) in lawyer_letter with no law firm, so no lawyer's letter "
            f"(duecourse legal place): {shown}"
        )


def plan_final_letters(engine: Engine, as_of: date, report: AfterCycle) -> None:
    """The mail line of each case in `lawyer_letter` whose open placement has no line yet (see
    the module's doc); one cycle_run row (flow `legal_letters`) when any is planned."""
    with Session(engine) as session:
        rows = session.exec(
            select(Placement)
            .join(Case, col(Case.id) == col(Placement.case_id))
            .where(
                col(Placement.recalled_on).is_(None),
                Case.status == CaseStatus.OPEN,
                Case.stage == Stage.LAWYER_LETTER,
                col(Case.stage_entered_on) <= as_of,
                col(Placement.placed_on) <= as_of,
            )
            .order_by(col(Placement.case_id))
        ).all()
        keys = [_line_key(p) for p in rows]
        taken = set(
            session.exec(select(CycleAction.key).where(col(CycleAction.key).in_(keys))).all()
        ) if keys else set()  # fmt: skip
        todo = [p for p in rows if _line_key(p) not in taken]
        _report_unplaced(session, as_of, report)
        if not todo:
            return
        version = _policy_version(session)
        run = CycleRun(
            as_of=as_of, flow=FLOW, policy_version=version,
            status=RunStatus.SUCCEEDED, cases=len(todo),
            counts=json.dumps({ActionKind.MAIL.value: len(todo)}), finished_at=utcnow(),
        )  # fmt: skip
        session.add(run)
        session.flush()
        assert run.id is not None
        session.add_all(
            CycleAction(
                run_id=run.id,
                as_of=as_of,
                case_id=p.case_id,
                kind=ActionKind.MAIL,
                step=STEP,
                key=_line_key(p),
                policy_version=version,
                status=ActionStatus.PLANNED,
                channel=Channel.MAIL,
                template=FINAL,
                reason=f"lawyer's letter of {p.firm_id} (placement {p.id})",
            )
            for p in todo
        )
        try:
            session.commit()
        except sa.exc.IntegrityError:  # another run planned them first
            session.rollback()
            return
    report.lines_planned += len(todo)


def after_cycle(engine: Engine, as_of: date, setup: LetterSetup) -> AfterCycle:
    """The small step after the daily cycle of `as_of` (flows/daily_cycle.py): plan the final
    letters' mail lines, and draft the pending reviews' letters (only when `as_of` is today:
    a document is dated the day it is made)."""
    report = AfterCycle()
    plan_final_letters(engine, as_of, report)
    if as_of == today():
        draft_pending_reviews(engine, setup, report)
    return report


def on_lawyer_letter_approved(session: Session, review: Review, user: User, day: date) -> None:
    """An approved move to lawyer_letter: place the case with the least loaded panel firm with
    room, unless a firm already holds it (the caller commits; see the module's doc). When every
    firm is full the approval stands and the case waits unplaced, with a timeline line saying
    so: going legal is the reviewer's decision, the firm's capacity is not (`after_cycle`
    reports such cases until someone runs `duecourse legal place`)."""
    if open_placement(session, review.case_id) is not None:
        return
    if user.role is not Role.LEGAL:  # a bank's ladder may let another role approve the stage
        add_event(
            session, case_id=review.case_id, event=events.PLACEMENT_WAITING, as_of=day,
            actor=user.name, detail="not placed: placing a case with a law firm needs the legal "
            "role; place it with duecourse legal place",
        )  # fmt: skip
        return
    try:
        place_case(
            session, str(review.case_id), user=user, panel=load_panel(), review_id=review.id,
            day=day,
        )  # fmt: skip
    except NoFirmFree as exc:
        add_event(
            session, case_id=review.case_id, event=events.PLACEMENT_WAITING, as_of=day,
            actor=user.name, detail=f"not placed: {exc}; place it with duecourse legal place",
        )  # fmt: skip
