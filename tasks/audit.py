"""Appending to the audit chain, reading it and checking it (issue 19 item 8).

To record something, in the transaction that does it (the row commits or rolls back with it):

    from tasks.audit import record
    record(session, action=AuditAction.PLACEMENT, subject_type="placement",
           subject_id=placement.id, case_id=case.id, actor=user.name,
           data={"firm": firm.code, "on": day})

`session` may be a Session or a Connection. `data` is a small dict of text, numbers, dates,
Decimals and enums (no floats); personal data in its strings is masked before it is stored
(rules.masking.scrub_text), but give ids and codes, not names and numbers, where you can.
Call it last in the transaction, after your own writes: on PostgreSQL it takes the chain's lock,
held until the commit, and anything slow done while holding it makes every other writer wait.
Set-based writers (the daily cycle's stage moves) give many rows at once to `record_many`.

Appends are serialised so that two writers never chain from the same row: on PostgreSQL a
transaction-scoped advisory lock (pg_advisory_xact_lock, keyed by the schema, so two stores in
one database do not wait for each other) taken before the last row is read; on SQLite a no-op
write first, which takes the database's single write lock (or fails on a stale snapshot rather
than read a head someone else is replacing). The id (the head's plus one) is the primary key,
the last line of defence: two rows chaining from one row would share it, and the second is
refused by the database.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from models.audit import AuditEntry
from models.document import Document
from models.types import utcnow
from rules.audit_chain import (
    GENESIS,
    CanonicalData,
    ChainRow,
    Verdict,
    canonical_data,
    entry_hash,
    verify,
)
from rules.enums import AuditAction
from tasks.bulk import db_time, insert_many, is_sqlite
from tasks.clock import shanghai_time

AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
LOCK_CLASS = 0x0DC1  # the advisory lock's first key (tasks/store_lock.py uses 0x0DC0)
CHUNK = 5_000  # rows read at a time by `chain_rows`
_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "case_id",
    "data",
    "prev_hash",
    "hash",
)


class Entry(NamedTuple):
    """One row to append with `record_many`."""

    action: AuditAction
    subject_type: str
    subject_id: int | str
    case_id: int | None
    actor: str
    data: Mapping[str, Any] | CanonicalData | None = None


def stage_change(
    case_id: int,
    old: str,
    new: str,
    why: str,
    *,
    on: date,
    policy_version: str | None = None,
    actor: str = "daily_cycle",
) -> Entry:
    """The row of a case's stage move (from the daily cycle, or `actor`'s)."""
    data = _stage_data(str(old), str(new), why, on, policy_version)
    return Entry(AuditAction.STAGE_CHANGED, "case", case_id, case_id, actor, data)


@functools.lru_cache(maxsize=1024)
def _stage_data(
    old: str, new: str, why: str | None, on: date, version: str | None
) -> CanonicalData:
    """A batch's moves share a few (from, to, why): their data is made once each."""
    return canonical_data({"from": old, "to": new, "why": why, "on": on, "policy_version": version})


def document_stored(doc: Document) -> Entry:
    """The row of a rendered document stored (its number, format, bytes' SHA-256, template)."""
    data = {
        "kind": doc.kind, "number": doc.number, "format": doc.format, "as_of": doc.as_of,
        "sha256": doc.sha256, "template": doc.template,
        "template_version": doc.template_version, "path": doc.path,
    }  # fmt: skip
    doc_id = doc.id if doc.id is not None else 0
    return Entry(AuditAction.DOCUMENT_STORED, "document", doc_id, doc.case_id, "system", data)


def _connection(target: Session | Connection) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Take the chain's lock for the rest of the transaction; the last row's id and hash."""
    if is_sqlite(conn):
        conn.exec_driver_sql("UPDATE audit_entry SET id = id WHERE 0 = 1")  # the write lock
    else:
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
            {"k": LOCK_CLASS},
        )
    row = conn.exec_driver_sql("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def record_many(target: Session | Connection, rows: Iterable[Entry]) -> int:
    """Append `rows` in order, in the caller's transaction; returns how many. One lock, one
    read of the head and one executemany, whatever the number."""
    entries = list(rows)
    if not entries:
        return 0
    conn = _connection(target)
    last_id, prev = _lock_head(conn)
    at = utcnow()
    stored_at = db_time(conn, at)
    out: list[tuple[Any, ...]] = []
    for n, e in enumerate(entries, start=last_id + 1):
        data = e.data if isinstance(e.data, CanonicalData) else canonical_data(e.data)
        action, subject_id = e.action.value, str(e.subject_id)
        digest = entry_hash(
            prev, at=at, actor=e.actor, action=action, subject_type=e.subject_type,
            subject_id=subject_id, case_id=e.case_id, data=data,
        )  # fmt: skip
        out.append(
            (n, stored_at, e.actor, action, e.subject_type, subject_id, e.case_id, data, prev,
             digest)
        )  # fmt: skip
        prev = digest
    insert_many(conn, "audit_entry", _COLUMNS, out)
    return len(out)


def record(
    target: Session | Connection,
    *,
    action: AuditAction,
    subject_type: str,
    subject_id: int | str,
    case_id: int | None,
    actor: str,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Append one row to the chain in the caller's transaction (see the module's docstring)."""
    if isinstance(target, Session):
        target.flush()  # the caller's own writes first: the lock is taken last
    record_many(target, [Entry(action, subject_type, subject_id, case_id, actor, data)])


# -- reading --------------------------------------------------------------------------------


def _row(r: Sequence[Any]) -> ChainRow:
    at = r[1]
    if isinstance(at, str):  # SQLite through the driver: naive UTC text
        at = datetime.fromisoformat(at + "+00:00")
    elif at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    case_id = None if r[6] is None else int(r[6])
    return ChainRow(int(r[0]), at, r[2], str(r[3]), r[4], r[5], case_id, r[7], r[8], r[9])


def chain_rows(conn: Connection, *, chunk: int = CHUNK) -> Iterator[ChainRow]:
    """Every row in id order, read `chunk` at a time (keyset: memory stays flat)."""
    sql = (
        f"SELECT {', '.join(_COLUMNS)} FROM audit_entry WHERE id > {{after}} ORDER BY id "
        f"LIMIT {int(chunk)}"
    )
    after = -1
    while True:
        rows = conn.exec_driver_sql(sql.format(after=after)).fetchall()
        for r in rows:
            yield _row(r)
        if len(rows) < chunk:
            return
        after = int(rows[-1][0])


def chain_size(conn: Connection) -> int:
    """The last row's id: how many rows an intact chain holds (for a progress bar)."""
    return int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM audit_entry").scalar() or 0)


def verify_store(
    conn: Connection, *, tick: Callable[[int], None] | None = None, chunk: int = CHUNK
) -> Verdict:
    """Check the whole chain (rules.audit_chain.verify); `tick(done)` every chunk of rows."""
    rows = chain_rows(conn, chunk=chunk)
    if tick is not None:
        rows = _ticking(rows, tick, chunk)
    return verify(rows)


def _ticking(
    rows: Iterator[ChainRow], tick: Callable[[int], None], every: int
) -> Iterator[ChainRow]:
    for n, row in enumerate(rows, start=1):
        if n % every == 0:
            tick(n)
        yield row


def entry_dict(row: ChainRow) -> dict[str, Any]:
    """A row as `audit list` shows it: the time in Asia/Shanghai (+08:00), data parsed."""
    return {
        "id": row.id,
        "at": shanghai_time(row.at),
        "actor": row.actor,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "case_id": row.case_id,
        "data": json.loads(row.data),
        "hash": row.hash,
    }


def list_entries(conn: Connection, *, case_id: int | None, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` rows (of one case, when given), oldest first."""
    query = sa.select(*(AUDIT.c[c] for c in _COLUMNS)).order_by(AUDIT.c.id.desc()).limit(limit)
    if case_id is not None:
        query = query.where(AUDIT.c.case_id == case_id)
    rows = [_row(tuple(r)) for r in conn.execute(query)]
    return [entry_dict(r) for r in reversed(rows)]
