"""Regressions (issue 13 items 5 and 6): one number per letter under concurrency; a killed
render's files are found by verify and adopted by the next render; a deleted file is written
again with the same bytes, or refused as missing.

Before: rendering the PDF and the DOCX of one letter at once gave them different numbers (8 of 9
trials); a killed batch left numbered PDFs no row named and verify did not see them; a letter
whose file was deleted was reported "already stored"."""

from __future__ import annotations

import hashlib
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import tasks.documents as store
from documents.manifest import Format
from models import Document
from rules.errors import DuecourseError
from tasks.calendar import load_calendar
from tasks.document_verify import verify_documents
from tasks.documents import RenderResult, render_documents
from tasks.letter_data import load_bank
from tests.factories import make_case
from tests.threads import run_together

AS_OF = date(2026, 11, 23)
POLICY = Path(__file__).resolve().parents[2] / "policy"
BANK = load_bank(POLICY)
CAL = load_calendar(POLICY)
TRIALS = 5


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())


def _cases(engine: Engine, n: int) -> list[int]:
    with Session(engine) as session:
        ids = [make_case(session).id for _ in range(n)]
        session.commit()
    return [int(i or 0) for i in ids]


def _render(engine: Engine, docs: Path, case_ids: list[int], *fmts: Format) -> RenderResult:
    return render_documents(
        engine, docs, BANK, "collection_letter", case_ids, AS_OF, formats=fmts, calendar=CAL
    )


def _rows(engine: Engine) -> list[Document]:
    with Session(engine) as session:
        return list(session.exec(select(Document).order_by(col(Document.id))).all())


def test_pdf_and_docx_rendered_at_once_share_one_number(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads render the PDF and the DOCX of one letter, meeting at a barrier just before
    the number is taken; over several trials, always one number."""
    real_build = store.build_data  # type: ignore[attr-defined]
    barrier = threading.Barrier(2, timeout=30)

    def build_then_meet(*args: Any, **kwargs: Any) -> Any:
        data = real_build(*args, **kwargs)
        barrier.wait()  # both have found nothing stored and are about to number the letter
        return data

    monkeypatch.setattr(store, "build_data", build_then_meet)
    case_ids = _cases(engine, TRIALS)
    for case_id in case_ids:
        run_together(
            lambda c=case_id: _render(engine, tmp_path, [c], Format.PDF),
            lambda c=case_id: _render(engine, tmp_path, [c], Format.DOCX),
            timeout=120,
        )
        numbers = {d.format: d.number for d in _rows(engine) if d.case_id == case_id}
        assert set(numbers) == {"pdf", "docx"}
        assert numbers["pdf"] == numbers["docx"], f"trial for case {case_id}: {numbers}"
    with Session(engine) as session:
        checked, problems = verify_documents(session, tmp_path)
    assert (checked, problems) == (2 * TRIALS, [])  # no file of a number nobody kept


def test_a_killed_render_leaves_orphans_verify_names_and_the_next_render_adopts(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_ids = _cases(engine, 3)

    def killed(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt  # the process dies after writing its files, before its rows

    monkeypatch.setattr(store, "_insert", killed)
    with pytest.raises(KeyboardInterrupt):
        _render(engine, tmp_path, case_ids, Format.PDF)
    monkeypatch.undo()
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())
    left = sorted(p.name for p in (tmp_path / "collection_letter" / "2026").iterdir())
    assert len(left) == 3 and _rows(engine) == []
    with Session(engine) as session:
        checked, problems = verify_documents(session, tmp_path)
    assert checked == 0
    assert [(p["problem"], f"{p['number']}.pdf", p["format"]) for p in problems] == [
        ("orphan", name, "pdf") for name in left
    ]

    again = _render(engine, tmp_path, case_ids, Format.PDF)
    assert again.created == 3
    assert sorted(f"{d.number}.pdf" for d in again.documents) == left  # the same numbers
    with Session(engine) as session:
        assert verify_documents(session, tmp_path) == (3, [])


def test_a_stray_temporary_file_is_named_as_such(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "collection_letter" / "2026"
    folder.mkdir(parents=True)
    (folder / ".CL-2026-000009.pdf.123.456.tmp").write_bytes(b"half")
    with Session(engine) as session:
        _checked, (problem,) = verify_documents(session, tmp_path)
    assert problem["problem"] == "orphan" and problem["detail"] == "a writer's temporary file"


def test_a_deleted_file_is_written_again_with_the_same_bytes(
    engine: Engine, tmp_path: Path
) -> None:
    (case_id,) = _cases(engine, 1)
    first = _render(engine, tmp_path, [case_id], Format.PDF, Format.DOCX)
    pdf, docx = first.documents
    for doc in (pdf, docx):
        (tmp_path / doc.path).unlink()
    again = _render(engine, tmp_path, [case_id], Format.PDF, Format.DOCX)
    assert (again.created, again.reused, again.restored) == (0, 2, 2)
    for doc in (pdf, docx):
        data = (tmp_path / doc.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == doc.sha256
    assert [d.number for d in again.documents] == [pdf.number, pdf.number]
    with Session(engine) as session:
        assert verify_documents(session, tmp_path) == (2, [])


def test_a_deleted_file_that_cannot_come_back_the_same_is_refused_as_missing(
    engine: Engine, tmp_path: Path
) -> None:
    (case_id,) = _cases(engine, 1)
    (doc,) = _render(engine, tmp_path, [case_id], Format.DOCX).documents
    (tmp_path / doc.path).unlink()
    table = Document.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:  # as if its template had changed since: other bytes
        conn.execute(sa.update(table).where(table.c.id == doc.id).values(sha256="0" * 64))
    with pytest.raises(DuecourseError) as refused:
        _render(engine, tmp_path, [case_id], Format.DOCX)
    message = str(refused.value)
    assert message.startswith(f"{doc.number} (docx): its file {doc.path} is missing")
    assert not (tmp_path / doc.path).exists()  # nothing written under its name
