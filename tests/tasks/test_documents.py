from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from documents.manifest import Format
from models import BalanceSnapshot, Case, Document
from rules.enums import Bucket, CaseStatus
from rules.errors import DuecourseError, InputError
from tasks.bank import parse_bank
from tasks.calendar import load_calendar
from tasks.document_numbers import allocate_numbers
from tasks.document_verify import verify_documents
from tasks.documents import (
    case_documents,
    relayout,
    render_documents,
)
from tasks.letter_data import LetterContext, build_data, load_bank
from tests.factories import make_case
from tests.threads import run_together

AS_OF = date(2026, 11, 23)
POLICY = Path(__file__).resolve().parents[2] / "policy"
BANK = load_bank(POLICY)
CAL = load_calendar(POLICY)
CTX = LetterContext(BANK, CAL)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters are dated today: these tests live on AS_OF."""
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())


def _cases(engine: Engine, n: int = 1, **kwargs: Any) -> list[int]:
    with Session(engine) as session:
        ids = [make_case(session, **kwargs).id for _ in range(n)]
        session.commit()
    return [i for i in ids if i is not None]


def test_number_allocation_never_hands_out_a_number_twice(engine: Engine) -> None:
    def take() -> list[str]:
        return [n for _ in range(5) for n in allocate_numbers(engine, "CL", 2026, 3)]

    got = [n for batch in run_together(take, take, take, take) for n in batch]
    assert len(got) == len(set(got)) == 60
    assert sorted(got)[0] == "CL-2026-000001" and sorted(got)[-1] == "CL-2026-000060"
    assert allocate_numbers(engine, "CL", 2027, 1) == ["CL-2027-000001"]


def test_render_is_idempotent_by_case_kind_and_date(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (case_id,) = _cases(engine)
    first = render_documents(
        engine,
        tmp_path,
        BANK,
        "collection_letter",
        [case_id],
        AS_OF,
        formats=[Format.PDF, Format.DOCX],
        calendar=CAL,
    )
    assert first.created == 2 and first.reused == 0
    pdf_doc, docx_doc = first.documents
    assert pdf_doc.number == docx_doc.number == "CL-2026-000001"  # one letter, two forms
    again = render_documents(
        engine, tmp_path, BANK, "collection_letter", [case_id], AS_OF,
        formats=[Format.PDF], calendar=CAL,
    )  # fmt: skip
    assert again.created == 0 and again.reused == 1
    assert again.documents[0].id == pdf_doc.id and again.documents[0].number == pdf_doc.number
    docx_only = render_documents(
        engine,
        tmp_path,
        BANK,
        "collection_letter",
        _cases(engine),
        AS_OF,
        formats=[Format.DOCX],
        calendar=CAL,
    ).documents[0]
    assert docx_only.number == "CL-2026-000002"
    pdf_later = render_documents(
        engine,
        tmp_path,
        BANK,
        "collection_letter",
        [docx_only.case_id],
        AS_OF,
        formats=[Format.PDF],
        calendar=CAL,
    ).documents[0]
    assert pdf_later.number == docx_only.number  # the PDF joins its DOCX's number
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-30")
    later = render_documents(
        engine,
        tmp_path,
        BANK,
        "collection_letter",
        [case_id],
        date(2026, 11, 30),
        formats=[Format.PDF],
        calendar=CAL,
    )
    assert later.documents[0].number == "CL-2026-000003"
    with Session(engine) as session:
        assert len(session.exec(select(Document)).all()) == 5
    stored = tmp_path / pdf_doc.path
    assert stored.is_file() and stored.read_bytes().startswith(b"%PDF")
    assert pdf_doc.path == "collection_letter/2026/CL-2026-000001.pdf"


def test_stored_data_re_renders_to_the_same_bytes(sqlite_engine: Engine, tmp_path: Path) -> None:
    from documents import pdf

    (case_id,) = _cases(sqlite_engine)
    (doc,) = render_documents(
        sqlite_engine,
        tmp_path,
        BANK,
        "collection_letter",
        [case_id],
        AS_OF,
        formats=[Format.PDF],
        calendar=CAL,
    ).documents
    data = json.loads(doc.data)
    assert data["card"] == "6225 **** **** 6789"  # the store keeps what was printed
    assert pdf.write(relayout(doc)) == (tmp_path / doc.path).read_bytes()
    assert doc.template == "collection_letter/template.html" and doc.template_version == 2
    assert doc.pages == 2 and doc.rendered_at.tzinfo is not None


def test_verify_names_an_edited_and_a_deleted_file(engine: Engine, tmp_path: Path) -> None:
    ids = _cases(engine, 2)
    docs = render_documents(
        engine, tmp_path, BANK, "collection_letter", ids, AS_OF, formats=[Format.DOCX], calendar=CAL
    ).documents
    with Session(engine) as session:
        assert verify_documents(session, tmp_path) == (2, [])
    edited, deleted = tmp_path / docs[0].path, tmp_path / docs[1].path
    edited.write_bytes(edited.read_bytes() + b"\0")
    deleted.unlink()
    with Session(engine) as session:
        checked, problems = verify_documents(session, tmp_path)
    assert checked == 2
    assert {(p["number"], p["problem"]) for p in problems} == {
        (docs[0].number, "changed"),
        (docs[1].number, "missing"),
    }


def test_case_documents_is_json_safe_and_keeps_personal_data_out(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    (case_id,) = _cases(sqlite_engine)
    render_documents(
        sqlite_engine,
        tmp_path,
        BANK,
        "collection_letter",
        [case_id],
        AS_OF,
        formats=[Format.PDF, Format.DOCX],
        calendar=CAL,
    )
    with Session(sqlite_engine) as session:
        items = case_documents(session, case_id)
    text = json.dumps(items, ensure_ascii=False)
    assert [i["format"] for i in items] == ["pdf", "docx"]
    assert {"id", "number", "kind", "path", "sha256", "template_version", "rendered_at"} <= set(
        items[0]
    )
    assert "张三" not in text and "6225880123456789" not in text and "data" not in items[0]


def test_letter_data_uses_the_latest_snapshot_on_or_before_the_date(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        case = make_case(
            session, principal="20000.00", interest="800.00", fees="50.00", as_of=date(2026, 11, 25)
        )
        for day, principal in ((date(2026, 11, 20), "100.00"), (date(2026, 11, 22), "200.00")):
            session.add(
                BalanceSnapshot(
                    account_id=case.account_id,
                    as_of=day,
                    principal=Decimal(principal),
                    interest=Decimal("1.00"),
                    fees=Decimal("0.00"),
                    minimum_due=Decimal("10.00"),
                    days_past_due=40,
                    bucket=Bucket.M2,
                )
            )
        session.commit()
        assert case.id is not None
        data = build_data(session, "collection_letter", [case.id], AS_OF, CTX)[case.id]
        assert data["principal"] == Decimal("200.00") and data["total"] == Decimal("201.00")
        assert data["amounts_as_of"] == date(2026, 11, 22)
        # bank.yaml: 3 days in the post + 10 days = Sunday 2026-12-06 -> Monday 12-07
        assert data["deadline"] == date(2026, 12, 7) and data["calendar_warning"] == ""
        newer = build_data(session, "collection_letter", [case.id], date(2026, 11, 26), CTX)
        assert newer[case.id]["total"] == Decimal("20850.00")  # the account's own, newer figures
        with pytest.raises(DuecourseError, match="no balances known"):
            build_data(session, "collection_letter", [case.id], date(2026, 11, 1), CTX)


def test_closed_and_unknown_cases_are_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    (case_id,) = _cases(sqlite_engine)
    with Session(sqlite_engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.status = CaseStatus.CLOSED
        session.commit()
    with pytest.raises(DuecourseError, match="closed"):
        render_documents(
            sqlite_engine,
            tmp_path,
            BANK,
            "collection_letter",
            [case_id],
            AS_OF,
            formats=[Format.PDF],
            calendar=CAL,
        )
    with pytest.raises(DuecourseError, match="no case with id 999"):
        render_documents(
            sqlite_engine,
            tmp_path,
            BANK,
            "collection_letter",
            [999],
            AS_OF,
            formats=[Format.PDF],
            calendar=CAL,
        )


def test_text_kinds_are_stored_unnumbered(sqlite_engine: Engine, tmp_path: Path) -> None:
    (case_id,) = _cases(sqlite_engine)
    (doc,) = render_documents(
        sqlite_engine,
        tmp_path,
        BANK,
        "reminder_email",
        [case_id],
        AS_OF,
        formats=[Format.TEXT],
        calendar=CAL,
    ).documents
    assert doc.number is None and doc.format == "text"
    assert doc.path == f"reminder_email/2026/case{case_id}-2026-11-23.txt"
    text = (tmp_path / doc.path).read_text(encoding="utf-8")
    assert text.startswith("[subject]\n") and "6225 **** **** 6789" in text
    again = render_documents(
        sqlite_engine,
        tmp_path,
        BANK,
        "reminder_email",
        [case_id],
        AS_OF,
        formats=[Format.TEXT],
        calendar=CAL,
    )
    assert again.created == 0 and again.documents[0].id == doc.id


def test_a_broken_bank_file_is_one_line_with_its_line_number(tmp_path: Path) -> None:
    (tmp_path / "bank.yaml").write_text("name: x\nfoo: [\n", "utf-8")
    with pytest.raises(DuecourseError) as caught:
        load_bank(tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "bank.yaml:3: not valid YAML" in message


def test_a_bad_letter_deadline_or_a_date_at_the_end_of_time_is_refused(
    sqlite_engine: Engine,
) -> None:
    with Session(sqlite_engine) as session:
        case = make_case(session, as_of=date(9999, 12, 20))
        assert case.id is not None
        with pytest.raises(DuecourseError, match="past 9999-12-31"):
            build_data(session, "collection_letter", [case.id], date(9999, 12, 20), CTX)
    raw = BANK.model_dump(mode="json")
    raw["letters"] = {"collection_letter": {"deadline_days": "ten"}}
    with pytest.raises(InputError, match=r"letters\.collection_letter\.deadline_days"):
        parse_bank(raw)
