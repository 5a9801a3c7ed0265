"""Set-based writes through the driver: executemany of tuples, with the dialect's placeholders.

The ORM is the slow path at a million rows; these helpers are what the intake and the daily cycle
use. Values must already be in storage form (see `db_date`, `db_time`, fen integers, enum values).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection

MAX_ROW_ID = 2**31 - 1  # surrogate ids are INTEGER columns: 32 bits on PostgreSQL


def placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def db_date(conn: Connection, value: date | None) -> date | str | None:
    """Dates as SQLAlchemy stores them: ISO text on SQLite, date on PostgreSQL."""
    if value is None or not is_sqlite(conn):
        return value
    return value.isoformat()


def db_time(conn: Connection, value: datetime) -> datetime | str:
    """UTC timestamps as SQLAlchemy's SQLite dialect stores them (naive UTC text)."""
    value = value.astimezone(UTC)
    if is_sqlite(conn):
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def insert_many(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict: str = "",
) -> None:
    """INSERT rows (tuples in `columns` order); `on_conflict` is an ON CONFLICT clause or ''."""
    if not rows:
        return
    ph = placeholder(conn)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join([ph] * len(columns))}) {on_conflict}"
    )
    conn.exec_driver_sql(sql, list(rows))


def update_many(
    conn: Connection,
    table: str,
    set_columns: Sequence[str],
    key: str,
    rows: Sequence[Sequence[Any]],
) -> None:
    """UPDATE rows given as tuples (set values..., key value)."""
    if not rows:
        return
    ph = placeholder(conn)
    assignments = ", ".join(f"{c} = {ph}" for c in set_columns)
    conn.exec_driver_sql(f"UPDATE {table} SET {assignments} WHERE {key} = {ph}", list(rows))


def select_in(
    conn: Connection, sql_prefix: str, keys: Iterable[Any], suffix: str = ""
) -> list[tuple[Any, ...]]:
    """Run `sql_prefix IN (...) suffix` for a batch of keys and return the rows as tuples."""
    keys = list(keys)
    if not keys:
        return []
    ph = placeholder(conn)
    sql = f"{sql_prefix} IN ({', '.join([ph] * len(keys))}) {suffix}"
    cursor = conn.connection.cursor()  # the driver's cursor: rows are tuples already
    try:
        cursor.execute(sql, tuple(keys))
        return list(cursor.fetchall())
    finally:
        cursor.close()
