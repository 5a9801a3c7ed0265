"""Documents in the browser: `/documents/{id}` (the stored file itself, a PDF inline),
`/documents/{id}/view` (a page embedding it, with its SHA-256, template version and whether the
file still hashes to it) and `/documents/verify` (`duecourse documents verify` for the store).

A document is served only to a signed-in user who may see its case (404 otherwise, as for the
case). The file is read from the store as it is: its SHA-256 is computed from the bytes served,
so the page says whether the file shown is the one recorded (tasks.document_verify: `changed`,
`missing`). The PDF's own response may be framed by this site only (security.EMBEDDABLE), so
the view page's <object> can show it while no other site can.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from duecourse.web.auth import may_see_case, require_role, signed_in
from duecourse.web.pages.common import render, settings_of, store
from duecourse.web.security import EMBEDDABLE
from models import Case, Document
from rules.enums import Role
from rules.errors import NotFoundError
from rules.roster import User
from tasks.bulk import MAX_ROW_ID
from tasks.document_verify import file_sha256, verify_documents
from tasks.documents import document_dict

router = APIRouter()
SignedIn = Annotated[User, Depends(signed_in)]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "text": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
INLINE = frozenset({"pdf", "text"})  # shown in the browser; a .docx is downloaded


class FileStatus(StrEnum):
    """A stored document's file against its row (tasks.document_verify's words)."""

    OK = "ok"
    CHANGED = "changed"
    MISSING = "missing"


def document_status(documents_dir: Path, doc: dict[str, Any]) -> FileStatus:
    """Whether the file of `doc` (a `document_dict`) is there and hashes to its recorded
    SHA-256: `documents verify` for one file."""
    path = documents_dir / doc["path"]
    if not path.is_file():
        return FileStatus.MISSING
    return FileStatus.OK if file_sha256(path) == doc["sha256"] else FileStatus.CHANGED


def visible_document(session: Session, user: User, document_id: int) -> dict[str, Any]:
    """The document's row, or NotFoundError (404) when it does not exist or its case is not
    the user's to see."""
    doc = session.get(Document, document_id) if 0 < document_id <= MAX_ROW_ID else None
    case = session.get(Case, doc.case_id) if doc is not None else None
    if doc is None or case is None or not may_see_case(user, case):
        raise NotFoundError(f"no document with id {document_id}")
    return document_dict(doc)


@router.get("/documents/verify")
def verify_page(request: Request, user: SignedIn) -> Response:
    """Every stored document re-hashed, every file no row names: `duecourse documents verify`
    (the whole store, so not for collectors, who see only their own cases)."""
    require_role(user, Role.LEGAL, Role.SUPERVISOR, Role.OPS)
    with store(request) as session:
        checked, problems = verify_documents(session, settings_of(request).documents_dir)
    shown = [{k: v for k, v in p.items() if k != "file"} for p in problems]  # no server paths
    return render(request, "verify.html", user, {"checked": checked, "problems": shown})


@router.get("/documents/{document_id}")
def document_file(request: Request, document_id: int, user: SignedIn) -> Response:
    """The stored file, as stored (a PDF inline), for a user who may see its case."""
    with store(request) as session:
        doc = visible_document(session, user, document_id)
    path = settings_of(request).documents_dir / doc["path"]
    if not path.is_file():
        raise NotFoundError(f"document {document_id}: its file is missing from the store")
    fmt = str(doc["format"])
    extension = Path(doc["path"]).suffix
    name = f"{doc['number'] or f'document-{document_id}'}{extension}"
    disposition = "inline" if fmt in INLINE else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"', **EMBEDDABLE}
    return Response(
        path.read_bytes(),
        media_type=MEDIA_TYPES.get(fmt, "application/octet-stream"),
        headers=headers,
    )


@router.get("/documents/{document_id}/view")
def document_view(request: Request, document_id: int, user: SignedIn) -> Response:
    """The document embedded, with its SHA-256, template and whether the file verifies."""
    with store(request) as session:
        doc = visible_document(session, user, document_id)
    status = document_status(settings_of(request).documents_dir, doc)
    return render(request, "document.html", user, {"doc": doc, "status": status})
