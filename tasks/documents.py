"""The document store: render a kind for cases, keep each file and row, list and verify them.

Each document is rendered once per (kind, case, as-of date, format): the idempotency key. A second
request returns the stored row and file, never a second number; if that file has been deleted, it
is written again from the row's data when the bytes come out the same (else refused as missing).
The PDF and DOCX of one letter share its number: it is recorded once per (kind, case, as-of)
before any file is written (tasks.document_numbers), so concurrent renders of its formats and a
render re-run after one was killed print the same number. The file is written (atomically)
before its row is inserted, and if another process stored the same key first, theirs is
returned and our file removed (unless it is theirs too: same number, or an unnumbered kind's
path). Files with no row (a killed render's) are listed by `documents verify`
(tasks.document_verify).

A new document is dated today (tasks.clock) and not before the last imported snapshot: a demand
dated any other day could pass as proof of a demand made on that day (falsified evidence, CPL 2023
Art. 114). Asking again for a stored document's own date returns the stored one (a reprint); a
missing format of a stored document is rendered from that document's stored data. With
`demo: false`, a bank.yaml still carrying a shipped demo value refuses rendering.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from weasyprint import Document as Layout

from documents import pdf
from documents.data import prepare, to_jsonable
from documents.engine import check_format, render_prepared
from documents.manifest import Format, Manifest
from documents.registry import get_manifest
from models import Document
from rules.calendar import BusinessCalendar
from rules.errors import DuecourseError, InputError
from tasks.audit import document_stored, record_many
from tasks.bank import Bank, refuse_demo_values
from tasks.bulk import MAX_ROW_ID
from tasks.document_dating import check_new_document_date
from tasks.document_numbers import letter_numbers
from tasks.letter_data import LetterContext, build_data

Progress = Callable[[int], None]


def idempotency_key(kind: str, case_id: int, as_of: date, fmt: Format) -> str:
    return f"{kind}:{case_id}:{as_of.isoformat()}:{fmt.value}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative_path(
    manifest: Manifest, case_id: int, as_of: date, number: str | None, fmt: Format
) -> str:
    stem = number or f"case{case_id}-{as_of.isoformat()}"
    return f"{manifest.kind}/{as_of.year}/{stem}.{fmt.extension}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own per writer: two threads of one process may write the same path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def document_dict(doc: Document) -> dict[str, Any]:
    """The store fields of a document, JSON-safe (its data stays in the store)."""
    return {
        "id": doc.id,
        "case_id": doc.case_id,
        "kind": doc.kind,
        "number": doc.number,
        "format": doc.format,
        "as_of": doc.as_of.isoformat(),
        "path": doc.path,
        "sha256": doc.sha256,
        "size": doc.size,
        "pages": doc.pages,
        "template": doc.template,
        "template_version": doc.template_version,
        "rendered_at": doc.rendered_at.isoformat(),
        "idempotency_key": doc.idempotency_key,
    }


@dataclass
class RenderResult:
    documents: list[Document] = field(default_factory=list)
    created: int = 0
    reused: int = 0
    restored: int = 0  # of the reused: their file was missing and is written again
    layouts: dict[int, Layout] = field(default_factory=dict)  # case id -> laid-out PDF
    # {case_id, number, calendar_warning} of each document whose deadline lies in a year whose
    # make-up days are not declared yet (its deadline is the latest possible date)
    calendar_warnings: list[dict[str, Any]] = field(default_factory=list)


def _stored(session: Session, keys: Sequence[str]) -> dict[str, Document]:
    found: dict[str, Document] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        rows = session.exec(select(Document).where(col(Document.idempotency_key).in_(chunk)))
        found.update({d.idempotency_key: d for d in rows})
    return found


def _insert(
    engine: Engine, documents_dir: Path, rows: list[Document]
) -> tuple[dict[str, Document], set[str]]:
    """Insert `rows`: (documents by idempotency key, keys another process stored first). For
    those, our file is removed and the stored document returned instead."""
    if not rows:
        return {}, set()
    try:
        with Session(engine, expire_on_commit=False) as session:
            session.add_all(rows)
            session.flush()
            record_many(session, [document_stored(r) for r in rows])  # the audit chain
            session.commit()
        return {r.idempotency_key: r for r in rows}, set()
    except sa.exc.IntegrityError:
        pass
    result, lost = {}, set()
    for row in rows:
        fresh = Document.model_validate(row.model_dump(exclude={"id"}))
        try:
            with Session(engine, expire_on_commit=False) as session:
                session.add(fresh)
                session.flush()
                record_many(session, [document_stored(fresh)])
                session.commit()
            result[row.idempotency_key] = fresh
        except sa.exc.IntegrityError:
            with Session(engine, expire_on_commit=False) as session:
                winner = session.exec(
                    select(Document).where(Document.idempotency_key == row.idempotency_key)
                ).one()
            if row.path != winner.path:  # our number's file: nobody else's
                (documents_dir / row.path).unlink(missing_ok=True)
            elif row.sha256 != winner.sha256:  # one path (the letter's number or an unnumbered
                restore_file(documents_dir, winner)  # kind's key), our bytes: put theirs back
            result[row.idempotency_key] = winner
            lost.add(row.idempotency_key)
    return result, lost


def render_documents(
    engine: Engine,
    documents_dir: Path,
    bank: Bank,
    kind: str,
    case_ids: Sequence[int],
    as_of: date,
    *,
    formats: Iterable[Format],
    calendar: BusinessCalendar,
    keep_layouts: bool = False,
    on_progress: Progress | None = None,
    policy_dir: Path | None = None,
) -> RenderResult:
    """Render `kind` for each case in each format, or return what is stored under its key.

    With `keep_layouts`, the laid-out PDF of every newly rendered case is kept for a batch.
    `policy_dir` reaches the builders that read more of the policy (court filings).
    """
    manifest = get_manifest(kind)
    refuse_demo_values(bank)
    case_ids = list(dict.fromkeys(case_ids))
    fmts = list(dict.fromkeys(formats))
    for fmt in fmts:
        check_format(manifest, fmt)
    keys = {(c, f): idempotency_key(kind, c, as_of, f) for c in case_ids for f in fmts}
    siblings = [idempotency_key(kind, c, as_of, f) for c in case_ids for f in manifest.formats]
    with Session(engine, expire_on_commit=False) as session:
        stored = _stored(session, list(dict.fromkeys([*keys.values(), *siblings])))
        todo = [c for c in dict.fromkeys(case_ids) if any(keys[c, f] not in stored for f in fmts)]
        reprints = {c: d for c in todo if (d := _stored_sibling(stored, kind, c, as_of, manifest))}
        fresh = [c for c in todo if c not in reprints]
        if fresh:
            check_new_document_date(session, kind, fresh, as_of)
        ctx = LetterContext(bank, calendar, policy_dir)
        data = build_data(session, kind, fresh, as_of, ctx) if fresh else {}
    numbers = _numbers(engine, manifest, fresh, as_of)
    result = RenderResult()
    result.restored = _restore_missing(
        documents_dir, (stored[k] for k in keys.values() if k in stored)
    )
    new_rows: list[Document] = []
    for done, case_id in enumerate(todo, 1):
        if case_id in reprints:
            context = _stored_context(manifest, reprints[case_id])
            number = reprints[case_id].number
        else:
            fields = {**data[case_id], **_number_field(manifest, numbers, case_id)}
            context, number = prepare(manifest, fields), numbers.get(case_id)
        new_rows += [
            _render_one(
                manifest,
                context,
                _Target(case_id, fmt, number, keys[case_id, fmt]),
                as_of=as_of,
                documents_dir=documents_dir,
                result=result,
                keep_layouts=keep_layouts,
            )
            for fmt in fmts
            if keys[case_id, fmt] not in stored
        ]
        if on_progress:
            on_progress(done)
    inserted, lost = _insert(engine, documents_dir, new_rows)
    return _collect(result, [keys[c, f] for c in case_ids for f in fmts], stored, inserted, lost)


def _collect(
    result: RenderResult,
    keys: list[str],
    stored: dict[str, Document],
    inserted: dict[str, Document],
    lost: set[str],
) -> RenderResult:
    """The documents in request order: new ones (not those another process stored first) count
    as created, the rest as reused."""
    for key in keys:
        result.documents.append(inserted.get(key) or stored[key])
        if key in inserted and key not in lost:
            result.created += 1
    result.reused = len(result.documents) - result.created
    result.calendar_warnings = calendar_warnings(result.documents)
    return result


def _stored_sibling(
    stored: dict[str, Document], kind: str, case_id: int, as_of: date, manifest: Manifest
) -> Document | None:
    for fmt in manifest.formats:
        sibling = stored.get(idempotency_key(kind, case_id, as_of, fmt))
        if sibling is not None:
            return sibling
    return None


def _stored_context(manifest: Manifest, doc: Document) -> dict[str, Any]:
    """The context a stored document was rendered from: its other formats say the same."""
    try:
        return prepare(manifest, json.loads(doc.data))
    except InputError:
        raise DuecourseError(
            f"{doc.number or doc.idempotency_key}: stored with template version "
            f"{doc.template_version}, which is no longer shipped; use its stored file {doc.path}"
        ) from None


def calendar_warnings(docs: Sequence[Document]) -> list[dict[str, Any]]:
    """Each document (once per case and number) whose data carries a calendar warning."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, str | None]] = set()
    for doc in docs:
        if (doc.case_id, doc.number) in seen or "calendar_warning" not in doc.data:
            continue
        seen.add((doc.case_id, doc.number))
        warning = json.loads(doc.data).get("calendar_warning")
        if warning:
            out.append({"case_id": doc.case_id, "number": doc.number, "calendar_warning": warning})
    return out


def _number_field(manifest: Manifest, numbers: dict[int, str], case_id: int) -> dict[str, str]:
    return {"number": numbers[case_id]} if manifest.numbered else {}


def _numbers(
    engine: Engine, manifest: Manifest, fresh_for: list[int], as_of: date
) -> dict[int, str]:
    """Each new letter's number, recorded before its files are written (tasks.document_numbers):
    the one its other format or an earlier, killed attempt recorded, else a fresh one."""
    if not manifest.numbered or not fresh_for:
        return {}
    assert manifest.number_prefix is not None
    return letter_numbers(engine, manifest.kind, manifest.number_prefix, fresh_for, as_of)


class _Target(NamedTuple):
    """One document to render: a case in a format, with its number and idempotency key."""

    case_id: int
    fmt: Format
    number: str | None
    key: str


def _render_one(
    manifest: Manifest,
    context: dict[str, Any],
    target: _Target,
    *,
    as_of: date,
    documents_dir: Path,
    result: RenderResult,
    keep_layouts: bool,
) -> Document:
    case_id, fmt, number, key = target
    content, layout = _content(manifest, context, fmt, as_of)
    pages = len(layout.pages) if layout is not None else None
    if layout is not None and keep_layouts:
        result.layouts[case_id] = layout
    rel = relative_path(manifest, case_id, as_of, number, fmt)
    _write_atomic(documents_dir / rel, content)
    template = manifest.template_path(fmt).name if fmt is not Format.TEXT else "*.txt.j2"
    return Document(
        case_id=case_id,
        kind=manifest.kind,
        number=number,
        format=fmt.value,
        as_of=as_of,
        path=rel,
        sha256=sha256_bytes(content),
        size=len(content),
        pages=pages,
        template=f"{manifest.kind}/{template}",
        template_version=manifest.version,
        data=json.dumps(to_jsonable(context), ensure_ascii=False, sort_keys=True),
        idempotency_key=key,
    )


def _content(
    manifest: Manifest, context: dict[str, Any], fmt: Format, as_of: date
) -> tuple[bytes, Layout | None]:
    """A document's bytes (and a PDF's layout) from its context."""
    if fmt is Format.PDF:
        layout = pdf.layout(manifest, pdf.render_html(manifest, context))
        return pdf.write(layout), layout
    return render_prepared(manifest, context, fmt, stamp=as_of), None


def restore_file(documents_dir: Path, doc: Document) -> bool:
    """Write a stored document's file again from its stored data, only if the bytes come out
    the ones stored (same sha256, so same number and text): True when written."""
    manifest = get_manifest(doc.kind)
    try:
        context = _stored_context(manifest, doc)
    except DuecourseError:  # its template version is no longer shipped
        return False
    content, _layout = _content(manifest, context, Format(doc.format), doc.as_of)
    if sha256_bytes(content) != doc.sha256:
        return False
    _write_atomic(documents_dir / doc.path, content)
    return True


def _restore_missing(documents_dir: Path, docs: Iterable[Document]) -> int:
    """Stored documents asked for again whose file is gone are written again (the same bytes);
    one that would not come out the same is refused as missing, never "already stored"."""
    restored = 0
    for doc in docs:
        if (documents_dir / doc.path).is_file():
            continue
        if not restore_file(documents_dir, doc):
            raise DuecourseError(
                f"{doc.number or doc.idempotency_key} ({doc.format}): its file {doc.path} is "
                "missing and cannot be re-created with the same bytes; restore it from a backup "
                "(documents verify lists it)"
            )
        restored += 1
    return restored


def relayout(doc: Document) -> Layout:
    """Lay out a stored PDF document again from its stored data (for a batch)."""
    manifest = get_manifest(doc.kind)
    context = _stored_context(manifest, doc)
    return pdf.layout(manifest, pdf.render_html(manifest, context))


def list_documents(
    session: Session, *, case_id: int | None = None, kind: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    query = select(Document).order_by(col(Document.id))
    if case_id is not None:
        query = query.where(Document.case_id == case_id)
    if kind is not None:
        query = query.where(Document.kind == kind)
    return [document_dict(d) for d in session.exec(query.limit(min(limit, MAX_ROW_ID)))]


def case_documents(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case file's `documents` key: each stored document of the case (no personal data)."""
    return list_documents(session, case_id=case_id)
