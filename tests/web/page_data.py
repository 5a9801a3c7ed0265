"""Data the page tests add to the web store (tests/web/conftest.py): milestones, a stored
document, and readers of what the pages and the store say."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from sqlmodel import Session

from models import Document, Milestone
from models.review import Review
from rules.enums import Role, Stage
from tests.web.conftest import COLLECTOR, WebStore

PDF_BYTES = b"%PDF-1.7\n% a stored letter\n%%EOF\n"


def stored_review(store: WebStore, review_id: int) -> Review:
    with Session(store.settings.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        return review


def add_milestone(
    store: WebStore,
    case_id: int,
    *,
    kind: str,
    due: date,
    stage: Stage = Stage.LAWYER_LETTER,
    entry_on: date = date(2026, 11, 2),
    owner: str = COLLECTOR,
    rule: str | None = None,
) -> None:
    """An open milestone of `case_id` (by default the review's own: the stage it asks to enter,
    opened the day it was requested; with `rule`, a statutory one)."""
    with Session(store.settings.engine) as session:
        session.add(
            Milestone(
                case_id=case_id, kind=kind, stage=stage, entry_on=entry_on,
                opened_on=date(2026, 11, 2), due=due, owner=owner, owner_role=Role.LEGAL,
                rule=rule, policy_version="test",
            )
        )  # fmt: skip
        session.commit()


def add_document(store: WebStore, case_id: int, data: bytes = PDF_BYTES) -> int:
    """A stored PDF letter of `case_id`: its file under <home>/documents and its row."""
    rel = f"collection_letter/2026/CL-2026-{case_id:06d}.pdf"
    path = store.settings.documents_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with Session(store.settings.engine) as session:
        doc = Document(
            case_id=case_id, kind="collection_letter", number=f"CL-2026-{case_id:06d}",
            format="pdf", as_of=date(2026, 11, 2), path=rel,
            sha256=hashlib.sha256(data).hexdigest(), size=len(data), pages=1,
            template="collection_letter/template.html", template_version=3, data="{}",
            idempotency_key=f"collection_letter:{case_id}:2026-11-02:pdf",
        )  # fmt: skip
        session.add(doc)
        session.commit()
        assert doc.id is not None
        return doc.id


def ids_in_queue(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/reviews/(\d+)">', html)]
