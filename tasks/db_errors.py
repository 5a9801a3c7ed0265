"""An error from the database as one line that carries no row data (issue 13 item 4).

A driver's message can quote the row it refused (PostgreSQL's `DETAIL: Key (id_number)=(...)`,
the SQL statement with its parameters in SQLAlchemy's text): printed or logged as is, a failed
write shows ID numbers, phones and addresses. Here only what names the problem is kept: the
kind of error, the constraint and table (PostgreSQL's diagnostics, SQLite's fixed wording), the
SQLSTATE; anything else left is masked (rules.masking) as a last guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa

from rules.errors import DuecourseError
from rules.masking import scrub_text

# SQLite's own wording of a refused write or a busy file names columns, never values
_SQLITE_SAFE = re.compile(
    r"^(?:(?:UNIQUE|NOT NULL|CHECK|FOREIGN KEY|PRIMARY KEY) constraint failed(?:: [\w.,\s]+)?"
    r"|database is locked|database table is locked|disk I/O error|database or disk is full"
    r"|attempt to write a readonly database|unable to open database file"
    r"|no such (?:table|column): [\w.]+|database disk image is malformed)$"
)


def _kind(exc: sa.exc.DBAPIError) -> str:
    if isinstance(exc, sa.exc.IntegrityError):
        return "the database refused the write"
    if isinstance(exc, sa.exc.OperationalError):
        return "the database could not do the operation"
    return "database error"


def _postgres_detail(orig: BaseException) -> str:
    diag = getattr(orig, "diag", None)
    if diag is None:
        return ""
    parts = []
    constraint = getattr(diag, "constraint_name", None)
    table = getattr(diag, "table_name", None)
    column = getattr(diag, "column_name", None)
    if constraint:
        parts.append(f"constraint {constraint}")
    if table:
        parts.append(f"table {table}")
    if column:
        parts.append(f"column {column}")
    code = getattr(orig, "sqlstate", None) or getattr(diag, "sqlstate", None)
    if code:
        parts.append(f"SQLSTATE {code}")
    return ", ".join(parts)


def _sqlite_detail(orig: BaseException) -> str:
    first = str(orig).splitlines()[0].strip() if str(orig) else ""
    return first if _SQLITE_SAFE.match(first) else ""


def db_error_line(exc: BaseException) -> str:
    """One line for a database error: what kind, which constraint/table; never the row."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return safe_error_text(exc)
    orig = exc.orig
    detail = ""
    if orig is not None:
        detail = _postgres_detail(orig) or _sqlite_detail(orig)
    name = type(orig).__name__ if orig is not None else type(exc).__name__
    line = f"{_kind(exc)} ({name}{': ' + detail if detail else ''})"
    return scrub_text(line)


def safe_error_text(exc: BaseException, limit: int = 500) -> str:
    """The error as stored on a run row or printed: a person's message as is, a database error
    by `db_error_line`, anything else its type and masked text."""
    if isinstance(exc, DuecourseError):
        return str(exc)[:limit]
    if isinstance(exc, sa.exc.DBAPIError):
        return db_error_line(exc)[:limit]
    return scrub_text(f"{type(exc).__name__}: {exc}")[:limit]


@contextmanager
def masked_db_errors(lines: Sequence[int]) -> Iterator[None]:
    """Within the block, a database error becomes a DuecourseError (exit 1) naming the input
    `lines` being written (read when it fails) and `db_error_line`: no driver text, no rows."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        where = f"lines {min(lines)}-{max(lines)}" if lines else "the store"
        raise DuecourseError(f"{where}: {db_error_line(exc)}") from None
