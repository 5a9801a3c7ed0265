"""Filing packages: the documents, fees, court and small-claims flag, a manifest whose hashes
match the files, an evidence list naming every delivered demand, idempotency by (case, kind,
date), and the payment order refused when a precondition fails."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Document, LegalEventRow
from rules.enums import ContactStatus
from rules.errors import DuecourseError
from rules.jurisdiction import FilingKind
from rules.legal_track import LegalEvent
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.filing_package import Package, PackageRequest, build_package
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tests.documents.helpers import pdf_text, squash
from tests.tasks.legal_seed import AS_OF, DEMANDS, legal_case, mail_contact


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())


def _build(engine: Engine, home: Path, case_id: int, kind: FilingKind) -> Package:
    return build_package(
        engine, PackageRequest(case_id, kind, AS_OF, "demo.xulawyer"),
        home=home, documents_dir=home / "documents", policy_dir=SHIPPED_POLICY_DIR,
        bank=load_bank(SHIPPED_POLICY_DIR), calendar=load_calendar(SHIPPED_POLICY_DIR),
    )  # fmt: skip


def _docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_suit_package_names_every_delivered_demand_and_its_hashes_match(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        case_id = legal_case(s)
    pkg = _build(engine, tmp_path, case_id, FilingKind.SUIT)
    assert pkg.created and pkg.folder == tmp_path / "packages" / str(case_id) / "suit-2026-11-02"
    names = sorted(f["name"] for f in pkg.files)
    assert sum(n.startswith("civil_complaint-CC-") for n in names) == 2  # PDF and DOCX
    assert sum(n.startswith("evidence_list-EV-") for n in names) == 2
    assert {"fees.json", "filing.json"} <= set(names)
    manifest = json.loads((pkg.folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (pkg.folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
    evidence = next(pkg.folder.glob("evidence_list-*.docx"))
    text = _docx_text(evidence)
    pdf = squash(pdf_text(next(pkg.folder.glob("evidence_list-*.pdf")).read_bytes(), tmp_path))
    for _kind, _sent, delivered, number, tracking in DEMANDS:
        assert number in text and tracking in text and delivered.isoformat() in text
        assert number in pdf and tracking in pdf  # the printed list too
    with zipfile.ZipFile(pkg.zip_path) as zf:
        zipped = {Path(n).name for n in zf.namelist()}
    assert zipped == {*names, "manifest.json"}
    assert hashlib.sha256(pkg.zip_path.read_bytes()).hexdigest() == pkg.zip_sha256


def test_court_small_claims_and_fees_come_from_the_tables(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        case_id = legal_case(s)
    filing = _build(engine, tmp_path, case_id, FilingKind.SUIT).filing
    assert filing["court"]["court"] == "杭州市西湖区人民法院"  # 浙江 / 杭州市 / 西湖区 row
    assert filing["court"]["demo"] is True
    assert filing["small_claims"]["applies"] is True  # 20,850 <= 浙江 54,323 (2022, example)
    assert filing["small_claims"]["threshold"] == "54323"
    assert filing["fees"]["lawsuit"]["fee"] == "321.25"  # 50 + 10,850 x 2.5%
    assert filing["respondents"] == ["张三"]


def test_a_package_is_built_once_per_case_kind_and_date(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        case_id = legal_case(s)
    first = _build(engine, tmp_path, case_id, FilingKind.PAYMENT_ORDER)
    again = _build(engine, tmp_path, case_id, FilingKind.PAYMENT_ORDER)
    assert first.created and not again.created
    assert again.zip_sha256 == first.zip_sha256 and again.files == first.files
    with Session(engine) as s:
        docs = s.exec(select(Document).where(Document.kind == "payment_order_application")).all()
    assert len(docs) == 2  # one PDF, one DOCX: the store's idempotency key held
    assert first.filing["fees"]["payment_order"]["fee"] == "107.08"
    assert first.filing["fees"]["top_up_if_objection"]["top_up"]["balance"] == "214.17"
    victim = next(first.folder.glob("*.pdf"))
    victim.write_bytes(b"edited")
    with pytest.raises(DuecourseError, match="altered"):
        _build(engine, tmp_path, case_id, FilingKind.PAYMENT_ORDER)


def test_payment_order_refused_when_a_precondition_fails(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        case_id = legal_case(s)
        mail_contact(s, case_id, None, sent=date(2026, 10, 28), status=ContactStatus.RETURNED)
        s.commit()
    with pytest.raises(DuecourseError, match="servable_without_public_notice"):
        _build(engine, tmp_path, case_id, FilingKind.PAYMENT_ORDER)
    assert not (tmp_path / "packages" / str(case_id) / "payment-order-2026-11-02").exists()
    suit = _build(engine, tmp_path, case_id, FilingKind.SUIT)  # a suit needs no such thing
    assert suit.created


def test_enforcement_and_preservation_packages_carry_their_fees(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        case_id = legal_case(s)
    enf = _build(engine, tmp_path, case_id, FilingKind.ENFORCEMENT)
    assert enf.filing["fees"]["enforcement"]["fee"] == "212.75"  # 50 + 10,850 x 1.5%
    pres = _build(engine, tmp_path, case_id, FilingKind.PRESERVATION)
    assert pres.filing["fees"]["preservation"]["fee"] == "228.50"  # 30 + 19,850 x 1%
    assert any(f["name"].startswith("preservation_application-PA-") for f in pres.files)


def test_a_suit_after_an_objection_tops_up_and_lists_the_payment_order(
    engine: Engine, tmp_path: Path
) -> None:
    steps = [
        (LegalEvent.PO_FILED, date(2026, 10, 5)),
        (LegalEvent.PO_ACCEPTED, date(2026, 10, 9)),
        (LegalEvent.PO_ISSUED, date(2026, 10, 12)),
        (LegalEvent.PO_SERVED, date(2026, 10, 14)),
        (LegalEvent.PO_OBJECTION, date(2026, 10, 20)),
        (LegalEvent.PO_TERMINATION_RULING, date(2026, 10, 27)),
    ]
    with Session(engine) as s:
        case_id = legal_case(s)
        for event, on in steps:
            s.add(LegalEventRow(case_id=case_id, track=event.track, event=event, on=on,
                                actor="demo.xulawyer"))  # fmt: skip
        s.commit()
    pkg = _build(engine, tmp_path, case_id, FilingKind.SUIT)
    top = pkg.filing["fees"]["top_up"]["top_up"]
    assert top == {"lawsuit_fee": "321.25", "payment_order_fee_paid": "107.08",
                   "balance": "214.17"}  # fmt: skip
    text = _docx_text(next(pkg.folder.glob("civil_complaint-*.docx")))
    assert "已交纳支付令申请费人民币 107.08 元，应补交人民币 214.17 元" in text
    evidence = _docx_text(next(pkg.folder.glob("evidence_list-*.docx")))
    assert "支付令申请及法院文书" in evidence and "债务人提出异议 2026-10-20" in evidence
