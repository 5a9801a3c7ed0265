"""`documents verify`: every stored document's file against its row, and every file in the store
against the rows (issue 13 item 6).

A row whose file is gone is `missing`, a file whose bytes no longer hash to its row's sha256 is
`changed`, and a file in the store that no row names is `orphan`: what a render killed between
writing its files and inserting their rows leaves (numbered PDFs nobody can find from a case), or
a writer's temporary file. Rendering the letter again writes the same number's files and stores
their rows; an orphan of a letter never rendered again can be moved away.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from documents.registry import known_kinds
from models import Document
from tasks.documents import document_dict

_NUMBER = re.compile(r"[A-Z]+-\d{4}-\d{6}")  # a numbered letter's file stem (PREFIX-YEAR-NNNNNN)


def verify_documents(session: Session, documents_dir: Path) -> tuple[int, list[dict[str, Any]]]:
    """(documents checked, problems): each file re-hashed, changed or missing ones named, then
    every file under `documents_dir` that no document row names (`orphan`)."""
    checked, problems = 0, []
    known: set[str] = set()
    query = select(Document).order_by(col(Document.id)).execution_options(yield_per=500)
    for doc in session.exec(query):
        checked += 1
        known.add(doc.path)
        path = documents_dir / doc.path
        problem = None
        if not path.is_file():
            problem = "missing"
        elif file_sha256(path) != doc.sha256:
            problem = "changed"
        if problem:
            problems.append({**document_dict(doc), "problem": problem, "file": str(path)})
    problems += orphans(documents_dir, known)
    return checked, problems


def orphans(documents_dir: Path, known: set[str]) -> list[dict[str, Any]]:
    """Files in the kinds' folders (`<kind>/<year>/...`) of `documents_dir` whose relative path
    no row holds, in path order."""
    found = []
    kinds = sorted(known_kinds() | {p.split("/", 1)[0] for p in known})
    paths = (p for kind in kinds for p in sorted((documents_dir / kind).rglob("*")))
    for path in paths:
        rel = path.relative_to(documents_dir).as_posix()
        if rel in known or not path.is_file():
            continue
        temporary = path.name.startswith(".") and path.name.endswith(".tmp")
        found.append(
            {
                "id": None,
                "number": path.stem if _NUMBER.fullmatch(path.stem) else None,
                "format": path.suffix.lstrip(".") or None,
                "path": rel,
                "problem": "orphan",
                "file": str(path),
                "detail": "a writer's temporary file" if temporary else "no document row",
            }
        )
    return found


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
