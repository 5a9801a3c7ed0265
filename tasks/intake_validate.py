"""Validating a staged snapshot (tasks/intake_stage.py) in SQL: every refused line and its reason
in `intake_bad` (line, reason), in the words of the per-row parser.

Three steps: one CASE over every staged row (tasks/intake_checks.py); the rows it routes (figures
or keys holding characters other than printable ASCII) parsed by RowParser in one pass, their
cells replaced by the values it reads (normalised keys, trimmed figures); then the accounts named
twice among the good rows, the later lines refused as duplicates (or as ambiguous, when the two
were written differently).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from rules.snapshot_row import RowError, RowParser, SnapshotRow
from tasks.bulk import is_sqlite
from tasks.intake_checks import AMOUNTS, ROUTE, RowChecks
from tasks.intake_dialect import Dialect, run, temp_table
from tasks.intake_fast import fast_ok
from tasks.intake_stage import META, STAGE, quoted

BAD, ORIGINAL = "intake_bad", "intake_original"
PAGE = 5000


def create_bad(conn: Connection) -> None:
    if is_sqlite(conn):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{BAD}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {BAD} (line INTEGER PRIMARY KEY, reason TEXT)")
    else:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {BAD} (line INTEGER PRIMARY KEY, reason TEXT) ON COMMIT DROP"
        )


def validate(
    conn: Connection, checks: RowChecks, parser: RowParser, columns: Sequence[str],
    params: dict[str, Any],
) -> None:  # fmt: skip
    """Fill `intake_bad` with every staged line that is refused, and why."""
    create_bad(conn)
    # the quick test first; the rows it leaves get the full CASE (a NULL reason: good after all)
    run(
        conn,
        f"INSERT INTO {BAD} (line, reason) SELECT line, {checks.reason()} FROM {STAGE} "
        f"WHERE CASE WHEN {fast_ok(checks)} THEN 0 ELSE 1 END = 1",  # NULL is not good
        params,
    )
    # their cells as read are kept for the quarantine (a later duplicate shows them as given)
    temp_table(
        conn,
        ORIGINAL,
        f"SELECT * FROM {STAGE} WHERE line IN (SELECT line FROM {BAD} WHERE reason IS NULL)",
        params,
    )
    sets = ", ".join(f"{quoted(c)} = {sql}" for c, sql in checks.canonical())
    run(
        conn,
        f"UPDATE {STAGE} SET {sets} WHERE line IN (SELECT line FROM {BAD} WHERE reason IS NULL)",
        params,
    )
    run(conn, f"DELETE FROM {BAD} WHERE reason IS NULL")
    _parse_routed(conn, parser, columns)
    _duplicates(conn, checks.d, params)


def _parse_routed(conn: Connection, parser: RowParser, columns: Sequence[str]) -> None:
    """The routed rows through RowParser, a page at a time: refused ones get its reason, good
    ones their cells as it reads them (the raw cells kept as JSON for a later refusal)."""
    names = ", ".join(f"s.{quoted(c)}" for c in columns)
    index = {c: i for i, c in enumerate(columns)}
    after = 0
    while True:
        rows = run(
            conn,
            f"SELECT s.line, {names} FROM {STAGE} s JOIN {BAD} b ON b.line = s.line "
            f"WHERE b.reason = :route AND s.line > :after ORDER BY s.line LIMIT {PAGE}",
            {"route": ROUTE, "after": after},
        ).all()
        if not rows:
            return
        after = rows[-1][0]
        refused: list[tuple[str, int]] = []
        good: list[tuple[Any, ...]] = []
        for line, *cells in rows:
            try:
                row = parser.parse(cells)
            except RowError as exc:
                refused.append((str(exc), line))
                continue
            raw = json.dumps(
                {c: v for c, v in zip(columns, cells, strict=True) if not c.startswith("_")},
                ensure_ascii=False,
            )
            read = list(cells)
            for column, value in _canonical(row).items():
                if column in index:
                    read[index[column]] = value
            good.append((line, None, raw, parser.account_cell(cells), *read))
        _replace(conn, refused, good, len(columns))


def _yuan(fen: int | None) -> str:
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def _canonical(row: SnapshotRow) -> dict[str, str]:
    """A good row's figures written as the quick test writes them (tasks/intake_fast.py)."""
    return {
        "account_id": row.account_id, "customer_id": row.customer_id,
        "id_number": row.id_number, "phone": row.phone or "",
        **{c: _yuan(getattr(row, c)) for c in AMOUNTS},
        "due_date": row.due_date.isoformat(), "days_past_due": str(row.days_past_due),
        "last_payment_date": row.last_payment_date.isoformat() if row.last_payment_date else "",
        "last_payment_amount": _yuan(row.last_payment_amount),
        "emergency_contact_phone": row.emergency_contact_phone or "",
        "card_number": row.card_number or "",
    }  # fmt: skip


def _replace(
    conn: Connection, refused: list[tuple[str, int]], good: list[tuple[Any, ...]], width: int
) -> None:
    ph = "?" if is_sqlite(conn) else "%s"
    if refused:
        conn.exec_driver_sql(f"UPDATE {BAD} SET reason = {ph} WHERE line = {ph}", refused)
    if good:
        lines = ", ".join(str(int(g[0])) for g in good)
        conn.exec_driver_sql(f"DELETE FROM {BAD} WHERE line IN ({lines})")
        conn.exec_driver_sql(f"DELETE FROM {STAGE} WHERE line IN ({lines})")
        conn.exec_driver_sql(
            f"INSERT INTO {STAGE} VALUES ({', '.join([ph] * (width + len(META)))})", good
        )


def _duplicates(conn: Connection, d: Dialect, params: dict[str, Any]) -> None:
    """Refuse the later rows of an account named twice among the good rows."""
    first = "CAST(f.first AS TEXT)"
    run(
        conn,
        f"WITH v AS (SELECT line, trim(account_id) AS k, "
        f"coalesce(written, trim(account_id)) AS w FROM {STAGE} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {BAD} b WHERE b.line = s.line)), "
        "f AS (SELECT k, min(line) AS first FROM v GROUP BY k HAVING count(*) > 1) "
        f"INSERT INTO {BAD} (line, reason) SELECT v.line, CASE WHEN v.w = fv.w "
        f"THEN 'account_id: duplicate of line ' || {first} "
        f"ELSE 'account_id: ' || {d.py_repr('v.k')} || ' is ambiguous: the same as line ' "
        f"|| {first} || ' once invisible and look-alike characters are normalised' END "
        "FROM v JOIN f ON f.k = v.k JOIN v fv ON fv.line = f.first WHERE v.line > f.first",
        params,
    )
