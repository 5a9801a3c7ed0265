from __future__ import annotations

import csv
import hashlib
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from documents.manifest import Format
from rules.enums import Bucket
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.document_batch import render_batch, select_case_ids
from tasks.documents import render_documents
from tests.factories import make_case

AS_OF = date(2026, 11, 23)
POLICY = Path(__file__).resolve().parents[2] / "policy"
BANK = load_bank(POLICY)
CAL = load_calendar(POLICY)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters are dated today: these tests live on AS_OF."""
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())


def _page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return re.sub(r"\s+", "", out.stdout)


def test_batch_restarts_page_numbers_and_reuses_stored_letters(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with Session(sqlite_engine) as session:
        ids = [make_case(session, name=n).id for n in ("赵一", "钱二", "孙三")]
        session.commit()
    case_ids = [i for i in ids if i is not None]
    docs_dir = tmp_path / "documents"
    # the first letter was already rendered on its own: the batch reuses it
    (stored,) = render_documents(
        sqlite_engine,
        docs_dir,
        BANK,
        "collection_letter",
        case_ids[:1],
        AS_OF,
        formats=[Format.PDF],
        calendar=CAL,
    ).documents
    out = tmp_path / "mail" / "batch.pdf"
    report = render_batch(
        sqlite_engine, docs_dir, BANK, "collection_letter", case_ids, AS_OF, out=out, calendar=CAL
    )
    assert (report.documents, report.created, report.reused) == (3, 2, 1)
    assert report.pages == 6
    second_letter_first_page = _page_text(out, 3)
    assert "第1页共2页" in second_letter_first_page and "钱二" in second_letter_first_page
    assert "第2页共2页" in _page_text(out, 4)
    rows = list(csv.DictReader(out.with_suffix(".csv").open(encoding="utf-8")))
    assert [r["addressee"] for r in rows] == ["赵一", "钱二", "孙三"]
    assert rows[0]["number"] == stored.number and rows[0]["sha256"] == stored.sha256
    assert [r["first_sheet_page"] for r in rows] == ["1", "3", "5"]
    for row, doc in zip(rows, report.stored, strict=True):
        single = (docs_dir / doc["path"]).read_bytes()
        assert hashlib.sha256(single).hexdigest() == row["sha256"]
        assert row["account"].startswith("*") and row["account"][-4:].isdigit()
    assert report.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    again = render_batch(
        sqlite_engine, docs_dir, BANK, "collection_letter", case_ids, AS_OF, out=out, calendar=CAL
    )
    assert (again.created, again.reused) == (0, 3)
    assert again.sha256 == report.sha256  # same letters, same bytes


def test_duplex_pads_odd_letters_and_selection_by_bucket(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    from documents import pdf
    from documents.registry import get_manifest

    manifest = get_manifest("collection_letter")
    one_page = pdf.layout(manifest, "<p>短</p>")
    batch = pdf.combine([one_page, one_page], duplex=True)
    assert batch.pages == [1, 1]
    out = tmp_path / "d.pdf"
    out.write_bytes(batch.pdf)
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True)
    assert re.search(r"Pages:\s+4", info.stdout)
    with Session(sqlite_engine) as session:
        early = make_case(session, dpd=10).id
        late = make_case(session, dpd=95).id
        session.commit()
        assert select_case_ids(session, bucket=Bucket.M1) == [early]
        assert late in select_case_ids(session)
