"""A case ready for the legal track: delivered demands with their proof, and a lawyer's letter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlmodel import Session

from models import Contact, Document
from rules.enums import Channel, ContactStatus, Stage
from tests.factories import make_case

AS_OF = date(2026, 11, 2)  # make_case's figures are of this day; documents are dated it
DEMANDS = [  # (kind, sent, delivered, number, tracking)
    ("collection_letter", date(2026, 9, 25), date(2026, 9, 28), "CL-2026-000101", "XA100000001CN"),
    (
        "collection_letter",
        date(2026, 10, 10),
        date(2026, 10, 13),
        "CL-2026-000202",
        "XA200000002CN",
    ),
    ("lawyer_letter", date(2026, 10, 20), date(2026, 10, 23), "LL-2026-000303", "XA300000003CN"),
]


def _document(session: Session, case_id: int, kind: str, on: date, number: str,
              data: dict[str, str]) -> Document:  # fmt: skip
    doc = Document(
        case_id=case_id, kind=kind, number=number, format="pdf", as_of=on,
        path=f"{kind}/{on.year}/{number}.pdf", sha256="0" * 64, template=f"{kind}/template.html",
        template_version=1, data=json.dumps(data), idempotency_key=f"{kind}:{case_id}:{on}:pdf",
    )  # fmt: skip
    session.add(doc)
    session.flush()
    return doc


def mail_contact(session: Session, case_id: int, doc: Document | None, *, sent: date,
                 status: ContactStatus, delivered: date | None = None, tracking: str = "",
                 template: str = "collection_letter") -> None:  # fmt: skip
    session.add(
        Contact(
            case_id=case_id, as_of=sent, at=datetime.combine(sent, datetime.min.time(), UTC),
            channel=Channel.MAIL, status=status, demand=status is ContactStatus.DELIVERED,
            document_id=doc.id if doc else None, proof_ref=doc.number if doc else None,
            tracking_number=tracking or None, delivered_on=delivered, template=template,
            key=f"{case_id}|{template}|mail|{sent}|{status.value}",
        )
    )  # fmt: skip


def legal_case(
    session: Session, *, letter_deadline: date = date(2026, 10, 30), unique: bool = False
) -> int:
    """A case in lawyer_letter with two delivered collection letters and a delivered lawyer's
    letter whose deadline is `letter_deadline`; committed. `unique`: letter numbers of the case's
    own (many such cases in one store), else those of DEMANDS."""
    case = make_case(session, dpd=120, stage=Stage.LAWYER_LETTER)
    assert case.id is not None
    for i, (kind, sent, delivered, number, tracking) in enumerate(DEMANDS):
        if unique:
            number = f"{number[:8]}{case.id:06d}{i}"
        data = {"deadline": letter_deadline.isoformat()} if kind == "lawyer_letter" else {}
        doc = _document(session, case.id, kind, sent, number, data)
        mail_contact(session, case.id, doc, sent=sent, status=ContactStatus.DELIVERED,
                     delivered=delivered, tracking=tracking, template=kind)  # fmt: skip
    session.commit()
    return case.id
