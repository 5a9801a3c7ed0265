"""A printable batch: many documents of one PDF kind as one file, plus a manifest CSV.

Each document is laid out on its own, so its page numbers start at 1 (第 1 页 共 M 页), and its
pages follow the previous document's, so each starts on a new sheet (with `duplex`, a blank page
pads an odd-length document). Every document is also stored on its own (the CSV carries the
sha256 of that single PDF); stored documents are reused and laid out again from their data.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from documents import pdf
from documents.manifest import Format
from documents.registry import get_manifest
from models import CardAccount, Case, Customer
from rules.calendar import BusinessCalendar
from rules.csv_safety import safe_record
from rules.enums import Bucket, CaseStatus, Stage
from rules.errors import DuecourseError
from rules.masking import mask_card
from tasks.bank import Bank
from tasks.documents import document_dict, relayout, render_documents

CSV_COLUMNS = [
    "number",
    "case_id",
    "account",
    "addressee",
    "address",
    "pages",
    "first_sheet_page",
    "sha256",
]


@dataclass
class BatchReport:
    out: Path
    manifest_csv: Path
    documents: int
    created: int
    reused: int
    pages: int
    sha256: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stored: list[dict[str, Any]] = field(default_factory=list)  # the documents' store fields
    calendar_warnings: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "manifest": str(self.manifest_csv),
            "documents": self.documents,
            "created": self.created,
            "reused": self.reused,
            "pages": self.pages,
            "sha256": self.sha256,
            "warnings": self.warnings,
            "calendar_warnings": self.calendar_warnings,
        }


def _addressees(engine: Engine, case_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """case id -> (account id masked, addressee, address) for the manifest."""
    out: dict[int, tuple[str, str, str]] = {}
    with Session(engine) as session:
        for start in range(0, len(case_ids), 500):
            chunk = list(case_ids[start : start + 500])
            rows = session.exec(
                select(Case.id, CardAccount.id, Customer.name, Customer.address)
                .join(Customer, col(Customer.id) == Case.customer_id)
                .join(CardAccount, col(CardAccount.id) == Case.account_id)
                .where(col(Case.id).in_(chunk))
            ).all()
            for case_id, account_id, name, address in rows:
                assert case_id is not None
                out[case_id] = (mask_card(account_id), name, address or "")
    return out


def render_batch(
    engine: Engine,
    documents_dir: Path,
    bank: Bank,
    kind: str,
    case_ids: Sequence[int],
    as_of: date,
    *,
    out: Path,
    calendar: BusinessCalendar,
    duplex: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> BatchReport:
    """Store each case's PDF (or reuse it), then write them all to `out` and `out`.csv."""
    manifest = get_manifest(kind)
    if Format.PDF not in manifest.formats:
        raise DuecourseError(f"{kind} has no PDF form to print in a batch")
    if not case_ids:
        raise DuecourseError("no cases to put in the batch")
    rendered = render_documents(
        engine,
        documents_dir,
        bank,
        kind,
        case_ids,
        as_of,
        formats=[Format.PDF],
        calendar=calendar,
        keep_layouts=True,
        on_progress=on_progress,
    )
    layouts, warnings = [], []
    for doc in rendered.documents:
        layout = rendered.layouts.get(doc.case_id)
        if layout is None:
            layout = relayout(doc)
            if doc.template_version != manifest.version or len(layout.pages) != doc.pages:
                warnings.append(
                    f"{doc.number}: stored with template version {doc.template_version}, "
                    f"printed with version {manifest.version}: check it against its stored PDF"
                )
        layouts.append(layout)
    batch = pdf.combine(layouts, duplex=duplex)
    _write(out, batch.pdf)
    who = _addressees(engine, [d.case_id for d in rendered.documents])
    rows, sheet_page = [], 1
    for doc, pages in zip(rendered.documents, batch.pages, strict=True):
        account, addressee, address = who[doc.case_id]
        rows.append(
            {
                "number": doc.number or "",
                "case_id": doc.case_id,
                "account": account,
                "addressee": addressee,
                "address": address,
                "pages": pages,
                "first_sheet_page": sheet_page,
                "sha256": doc.sha256,
            }
        )
        sheet_page += pages + (pages % 2 if duplex else 0)
    manifest_csv = out.with_suffix(".csv")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(safe_record(row) for row in rows)  # no cell a spreadsheet would run
    _write(manifest_csv, buffer.getvalue().encode("utf-8"))
    return BatchReport(
        out=out,
        manifest_csv=manifest_csv,
        documents=len(rows),
        created=rendered.created,
        reused=rendered.reused,
        pages=sum(batch.pages),
        sha256=hashlib.sha256(batch.pdf).hexdigest(),
        rows=rows,
        warnings=warnings,
        stored=[document_dict(d) for d in rendered.documents],
        calendar_warnings=rendered.calendar_warnings,
    )


def _write(path: Path, content: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as exc:
        raise DuecourseError(f"{path}: cannot write ({exc.strerror or exc})") from None


def select_case_ids(
    session: Session, *, bucket: Bucket | None = None, stage: Stage | None = None
) -> list[int]:
    """Open cases in `bucket` and/or `stage`, by id (the batch's order)."""
    query = select(Case.id).where(Case.status == CaseStatus.OPEN).order_by(col(Case.id))
    if bucket is not None:
        query = query.where(Case.bucket == bucket)
    if stage is not None:
        query = query.where(Case.stage == stage)
    return [i for i in session.exec(query) if i is not None]
