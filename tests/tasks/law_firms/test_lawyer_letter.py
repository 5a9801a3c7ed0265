"""The lawyer's letter (律师函): the final letter of a placed case (its PDF names the letter, the
lawyer's licence number and the amount in capitals), the draft of a pending review, the deadline
on the working calendar, and the step after the daily cycle (drafts, the final letter's mail
line)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from documents.manifest import Format
from models import CycleAction, Review
from rules.enums import ActionStatus, CaseStatus, ReviewKind, Role, Stage
from rules.errors import DuecourseError
from rules.roster import User
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.documents import render_documents
from tasks.law_firms.letters import (
    LetterSetup,
    after_cycle,
    draft_for_review,
    on_lawyer_letter_approved,
)
from tasks.law_firms.panel import load_panel
from tasks.law_firms.placement import place_case
from tests.documents.helpers import pdf_text, squash
from tests.factories import make_case
from tests.tasks.law_firms.conftest import TODAY

POLICY = Path(__file__).resolve().parents[3] / "policy"
LEGAL = User(name="lee", display_name="Lee", role=Role.LEGAL)
LICENCE = load_panel(POLICY).firms[0].lawyers[0].licence  # the shipped panel's first lawyer


def setup(tmp_path: Path) -> LetterSetup:
    return LetterSetup(tmp_path / "documents", load_bank(POLICY), load_calendar(POLICY), POLICY)


def _case(engine: Engine, *, placed: bool) -> int:
    with Session(engine) as session:
        case = make_case(session, dpd=120, principal="12000.00", interest="295.67", fees="50.00")
        assert case.id is not None
        if placed:
            place_case(session, str(case.id), user=LEGAL, panel=load_panel(POLICY))
        session.commit()
        return case.id


def _review(engine: Engine, case_id: int, opened_on: date = TODAY) -> int:
    with Session(engine) as session:
        review = Review(
            case_id=case_id, kind=ReviewKind.STAGE, target_stage=Stage.LAWYER_LETTER,
            required_role=Role.LEGAL, opened_on=opened_on, key=f"r{case_id}", policy_version="v",
        )  # fmt: skip
        session.add(review)
        session.commit()
        assert review.id is not None
        return review.id


def test_the_final_letter_pdf_names_itself_the_lawyer_and_the_amount_in_capitals(
    engine: Engine, tmp_path: Path
) -> None:
    case_id = _case(engine, placed=True)
    s = setup(tmp_path)
    rendered = render_documents(
        engine, s.documents_dir, s.bank, "lawyer_letter", [case_id], TODAY,
        formats=[Format.PDF, Format.DOCX], calendar=s.calendar,
    )  # fmt: skip
    pdf, docx = rendered.documents
    assert pdf.number == docx.number and pdf.number is not None
    assert pdf.number.startswith("LL-2026-")
    text = squash(pdf_text((s.documents_dir / pdf.path).read_bytes(), tmp_path))
    assert "律师函" in text and "草稿" not in text
    assert f"执业证号：{LICENCE}" in text
    assert "人民币壹万贰仟叁佰肆拾伍元陆角柒分" in text  # 12,345.67 in capitals
    assert "6225****" in text and "6225880123456789" not in text  # the card masked
    # the deadline: the letter date + 3 days' transit + 7 working days (Tuesday 11-10 -> 11-13,
    # then 7 working days: 11-24)
    assert "2026年11月24日（含当日）前" in text


def test_a_case_with_no_placement_has_no_final_letter(engine: Engine, tmp_path: Path) -> None:
    case_id = _case(engine, placed=False)
    s = setup(tmp_path)
    with pytest.raises(DuecourseError, match="not placed with a law firm"):
        render_documents(
            engine, s.documents_dir, s.bank, "lawyer_letter", [case_id], TODAY,
            formats=[Format.PDF], calendar=s.calendar,
        )  # fmt: skip


def test_the_draft_goes_with_a_pending_review_and_is_marked_draft(
    engine: Engine, tmp_path: Path
) -> None:
    case_id = _case(engine, placed=False)  # the draft names the firm it would be placed with
    review_id = _review(engine, case_id)
    s = setup(tmp_path)
    docs = draft_for_review(engine, review_id, s)
    assert sorted(d["format"] for d in docs) == ["docx", "pdf"]
    assert all(d["kind"] == "lawyer_letter_draft" and d["number"] is None for d in docs)
    pdf = next(d for d in docs if d["format"] == "pdf")
    text = squash(pdf_text((s.documents_dir / pdf["path"]).read_bytes(), tmp_path))
    assert "草稿" in text and "律师函" in text and LICENCE in text
    assert draft_for_review(engine, review_id, s) == docs  # idempotent by key
    report = after_cycle(engine, TODAY, s)  # nothing left to draft
    assert (report.drafted, report.problems) == (0, [])


def test_after_the_cycle_pending_reviews_get_drafts_and_placed_entrants_a_mail_line(
    engine: Engine, tmp_path: Path
) -> None:
    waiting = _case(engine, placed=False)
    _review(engine, waiting)
    entered = _case(engine, placed=False)
    review_id = _review(engine, entered)
    with Session(engine) as session:  # approved: the case is placed with a firm
        review = session.get(Review, review_id)
        assert review is not None
        on_lawyer_letter_approved(session, review, LEGAL, TODAY)
        session.commit()
    s = setup(tmp_path)
    first = after_cycle(engine, TODAY, s)
    assert (first.drafted, first.lines_planned) == (2, 0)  # not in lawyer_letter yet
    with Session(engine) as session:  # the daily cycle moves the approved case
        from models import Case

        case = session.get(Case, entered)
        assert case is not None and case.status is CaseStatus.OPEN
        case.stage, case.stage_entered_on = Stage.LAWYER_LETTER, TODAY
        session.add(case)
        session.commit()
    second = after_cycle(engine, TODAY, s)
    assert (second.drafted, second.lines_planned) == (0, 1)
    assert after_cycle(engine, TODAY, s).lines_planned == 0  # one line per placement
    with Session(engine) as session:
        (line,) = session.exec(select(CycleAction)).all()
    assert (line.case_id, line.step, line.template, line.status) == (
        entered, "lawyer_letter:lawyer_letter", "lawyer_letter", ActionStatus.PLANNED
    )  # fmt: skip
