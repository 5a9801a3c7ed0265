"""Issue 12 item 2: a new document is dated today only, not before the last imported snapshot;
asking for a stored document's own date reprints it (CPL Art. 114)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document as DocxDocument
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from documents.manifest import Format
from models import Document, DocumentSequence, ImportRun
from rules.enums import RunStatus
from rules.errors import DuecourseError
from tasks.calendar import load_calendar
from tasks.documents import render_documents
from tasks.letter_data import load_bank
from tests.factories import make_case

POLICY = Path(__file__).resolve().parents[2] / "policy"
BANK = load_bank(POLICY)
CAL = load_calendar(POLICY)
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", TODAY.isoformat())


def _case(engine: Engine, **kwargs: Any) -> int:
    with Session(engine) as session:
        case = make_case(session, **kwargs)
        session.commit()
        assert case.id is not None
        return case.id


def _render(engine: Engine, docs: Path, kind: str, case_id: int, on: date, fmt: Format) -> Any:
    return render_documents(engine, docs, BANK, kind, [case_id], on, formats=[fmt], calendar=CAL)


def _stored(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        documents = len(session.exec(select(Document)).all())
        numbers = len(session.exec(select(DocumentSequence)).all())
    return documents, numbers


@pytest.mark.parametrize("on", [date(2026, 11, 16), date(2026, 11, 24)])
def test_a_new_letter_dated_another_day_is_refused(
    sqlite_engine: Engine, tmp_path: Path, on: date
) -> None:
    case_id = _case(sqlite_engine)
    with pytest.raises(DuecourseError) as caught:
        _render(sqlite_engine, tmp_path, "collection_letter", case_id, on, Format.PDF)
    message = str(caught.value)
    assert "\n" not in message
    assert f"collection_letter dated {on}: a new document is dated today (2026-11-23) only" in (
        message
    )
    assert "CPL Art. 114" in message
    assert _stored(sqlite_engine) == (0, 0)  # no document, no number taken


def test_reminders_follow_the_same_rule(sqlite_engine: Engine, tmp_path: Path) -> None:
    case_id = _case(sqlite_engine)
    with pytest.raises(DuecourseError, match="reminder_sms dated 2026-11-22"):
        _render(sqlite_engine, tmp_path, "reminder_sms", case_id, date(2026, 11, 22), Format.TEXT)
    (doc,) = _render(sqlite_engine, tmp_path, "reminder_sms", case_id, TODAY, Format.TEXT).documents
    assert doc.as_of == TODAY


def test_a_stored_letter_is_reprinted_for_its_own_date_later(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _case(sqlite_engine)
    (pdf,) = _render(
        sqlite_engine, tmp_path, "collection_letter", case_id, TODAY, Format.PDF
    ).documents
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-30")
    again = _render(sqlite_engine, tmp_path, "collection_letter", case_id, TODAY, Format.PDF)
    assert (again.created, again.reused) == (0, 1) and again.documents[0].id == pdf.id
    # its DOCX, asked for later, is the same letter: same number, same data, same deadline
    (docx,) = _render(
        sqlite_engine, tmp_path, "collection_letter", case_id, TODAY, Format.DOCX
    ).documents
    assert docx.number == pdf.number and docx.data == pdf.data
    text = "\n".join(
        p.text for p in DocxDocument(io.BytesIO((tmp_path / docx.path).read_bytes())).paragraphs
    )
    assert "2026年11月23日" in text and "2026年12月7日（含当日）前" in text
    with pytest.raises(DuecourseError, match="dated today \\(2026-11-30\\) only"):
        _render(
            sqlite_engine, tmp_path, "collection_letter", _case(sqlite_engine), TODAY, Format.PDF
        )


def test_no_letter_dated_before_the_last_imported_snapshot(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    newer_account = _case(sqlite_engine, as_of=date(2026, 11, 25))
    with pytest.raises(DuecourseError, match="the last imported snapshot is of 2026-11-25"):
        _render(sqlite_engine, tmp_path, "collection_letter", newer_account, TODAY, Format.PDF)
    older_account = _case(sqlite_engine, as_of=date(2026, 11, 20))
    with Session(sqlite_engine) as session:
        session.add(
            ImportRun(
                file_name="s.csv",
                sha256="0" * 64,
                as_of=date(2026, 11, 24),
                status=RunStatus.SUCCEEDED,
            )
        )
        session.commit()
    with pytest.raises(DuecourseError, match="the last imported snapshot is of 2026-11-24"):
        _render(sqlite_engine, tmp_path, "collection_letter", older_account, TODAY, Format.PDF)
