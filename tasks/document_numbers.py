"""Letter numbers: fresh ones from the per-prefix sequence, and the one number of each letter.

A letter is (kind, case, as-of date); its formats (PDF, DOCX) are files of the same letter and
print the same number. The number is recorded in `document_number` (primary key kind, case,
as-of) before any file is written, and every format and every later attempt reads it there: two
processes rendering the PDF and the DOCX at once, or a render re-run after one was killed, use
the one number (issue 13 items 5 and 6). Of two processes numbering the same letter at once,
the first insert wins and the other reads it; the fresh number it had taken is skipped, never
handed out again (see models.document).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from models import DocumentNumber, DocumentSequence
from models.types import utcnow

NUMBERS = DocumentNumber.__table__  # type: ignore[attr-defined]
_CHUNK = 500


def allocate_numbers(engine: Engine, prefix: str, year: int, count: int) -> list[str]:
    """`count` fresh numbers `PREFIX-YEAR-NNNNNN`, committed at once: never handed out twice."""
    if count <= 0:
        return []
    with engine.begin() as conn:
        return numbers_in(conn, prefix, year, count)


def numbers_in(conn: Connection, prefix: str, year: int, count: int) -> list[str]:
    """`count` fresh numbers taken in the caller's transaction: a document stored in the same
    transaction as its cause (a plan's agreement with the plan's approval) gets its number
    with it, or not at all when that transaction rolls back."""
    table = DocumentSequence.__table__  # type: ignore[attr-defined]
    exists = conn.execute(
        sa.select(table.c.last).where(table.c.prefix == prefix, table.c.year == year)
    ).first()
    if exists is None:
        try:
            with conn.begin_nested():
                conn.execute(table.insert().values(prefix=prefix, year=year, last=0))
        except sa.exc.IntegrityError:
            pass  # another process created it first
    last: int = conn.execute(
        table.update()
        .where(table.c.prefix == prefix, table.c.year == year)
        .values(last=table.c.last + count)
        .returning(table.c.last)
    ).scalar_one()
    return [f"{prefix}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def recorded_numbers(
    conn: Connection, kind: str, case_ids: Sequence[int], as_of: date
) -> dict[int, str]:
    """The numbers recorded for these cases' letters of `kind` on `as_of`."""
    found: dict[int, str] = {}
    for start in range(0, len(case_ids), _CHUNK):
        chunk = list(case_ids[start : start + _CHUNK])
        rows = conn.execute(
            sa.select(NUMBERS.c.case_id, NUMBERS.c.number).where(
                NUMBERS.c.kind == kind, NUMBERS.c.as_of == as_of, NUMBERS.c.case_id.in_(chunk)
            )
        )
        found.update({int(c): str(n) for c, n in rows})
    return found


def letter_numbers(
    engine: Engine, kind: str, prefix: str, case_ids: Sequence[int], as_of: date
) -> dict[int, str]:
    """The number of each case's letter: the one recorded, else a fresh one recorded now (the
    first of two concurrent recorders wins; both return its number)."""
    if not case_ids:
        return {}
    with engine.connect() as conn:
        known = recorded_numbers(conn, kind, case_ids, as_of)
    missing = [c for c in case_ids if c not in known]
    if not missing:
        return known
    fresh = allocate_numbers(engine, prefix, as_of.year, len(missing))
    now = utcnow()
    rows = [
        {"kind": kind, "case_id": c, "as_of": as_of, "number": n, "created_at": now}
        for c, n in zip(missing, fresh, strict=True)
    ]
    with engine.begin() as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(NUMBERS).on_conflict_do_nothing(), rows)
        known.update(recorded_numbers(conn, kind, missing, as_of))
    return known
