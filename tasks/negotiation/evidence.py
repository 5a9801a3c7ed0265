"""A dispute's evidence files in the document store.

Each file is copied byte for byte under `<home>/documents/evidence/<year>/` and gets a `document`
row of kind `evidence`: its SHA-256 (so `documents verify` and a court can check the copy is the
file handed in), size, format from the extension, no template (`""`, version 0), and as data the
dispute, the original file name and size. The idempotency key is the dispute and the hash: the
same file given twice is stored once.

Every file is read and checked before anything is written (`read_evidence`): a missing or
unreadable file, or one over the policy's `dispute.max_evidence_mb`, is one line and nothing of
the dispute is recorded.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from models import Document
from rules.errors import DuecourseError
from rules.masking import scrub_text
from tasks.audit import document_stored, record_many
from tasks.documents import sha256_bytes

EVIDENCE_KIND = "evidence"
_FORMAT_MAX = 8  # models.document: format's length
_NAME_MAX = 200


@dataclass(frozen=True)
class EvidenceFile:
    """A file read for a dispute: its original name (masked), bytes and hash."""

    name: str
    content: bytes
    sha256: str

    @property
    def fmt(self) -> str:
        ext = Path(self.name).suffix.lower().lstrip(".")
        return (ext if ext.isascii() and ext.isalnum() else "")[:_FORMAT_MAX] or "bin"


def read_evidence(paths: list[Path], max_mb: int) -> list[EvidenceFile]:
    """Each file read whole; DuecourseError (one line) for one missing, unreadable or too big."""
    limit = max_mb * 1024 * 1024
    out: list[EvidenceFile] = []
    for path in paths:
        if not path.is_file():
            raise DuecourseError(f"--evidence {path}: no such file")
        try:
            size = path.stat().st_size
            if size > limit:
                raise DuecourseError(
                    f"--evidence {path}: {size / 1024 / 1024:.1f} MB is over the "
                    f"{max_mb} MB limit (policy dispute.max_evidence_mb)"
                )
            content = path.read_bytes()
        except OSError as exc:
            raise DuecourseError(
                f"--evidence {path}: cannot read the file ({exc.strerror or exc})"
            ) from None
        name = scrub_text(path.name)[:_NAME_MAX]
        out.append(EvidenceFile(name=name, content=content, sha256=sha256_bytes(content)))
    return out


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def evidence_key(dispute_id: int, sha256: str) -> str:
    return f"{EVIDENCE_KIND}:{dispute_id}:{sha256}"


def store_evidence(
    session: Session,
    *,
    case_id: int,
    dispute_id: int,
    files: list[EvidenceFile],
    documents_dir: Path,
    day: date,
) -> list[Document]:
    """The files written and their rows added (flushed); a file already stored for the dispute
    (same hash) is not stored again. Returns the rows of the files given, in order."""
    rows: list[Document] = []
    for f in files:
        key = evidence_key(dispute_id, f.sha256)
        found = session.exec(select(Document).where(Document.idempotency_key == key)).first()
        if found is None:
            found = next((r for r in rows if r.idempotency_key == key), None)
        if found is not None:
            rows.append(found)
            continue
        rel = f"{EVIDENCE_KIND}/{day.year}/dispute{dispute_id}-{f.sha256[:16]}.{f.fmt}"
        _write_atomic(documents_dir / rel, f.content)
        doc = Document(
            case_id=case_id,
            kind=EVIDENCE_KIND,
            number=None,
            format=f.fmt,
            as_of=day,
            path=rel,
            sha256=f.sha256,
            size=len(f.content),
            template="",
            template_version=0,
            data=json.dumps(
                {"dispute_id": dispute_id, "file_name": f.name, "size": len(f.content)},
                ensure_ascii=False,
            ),
            idempotency_key=key,
        )
        session.add(doc)
        session.flush()
        record_many(session, [document_stored(doc)])  # the audit chain
        rows.append(doc)
    return rows


def evidence_for_disputes(session: Session, case_id: int) -> dict[int, list[dict[str, Any]]]:
    """dispute id -> its evidence (file name, sha256, document id, size), oldest first."""
    docs = session.exec(
        select(Document)
        .where(Document.case_id == case_id, Document.kind == EVIDENCE_KIND)
        .order_by(col(Document.id))
    ).all()
    out: dict[int, list[dict[str, Any]]] = {}
    for d in docs:
        data = json.loads(d.data)
        out.setdefault(int(data["dispute_id"]), []).append(
            {
                "document_id": d.id,
                "file_name": data.get("file_name"),
                "sha256": d.sha256,
                "size": d.size,
                "format": d.format,
                "path": d.path,
            }
        )
    return out
