"""What the set-based cycle's statements need said differently on SQLite and PostgreSQL: literals,
day arithmetic, number formatting and temporary tables. Everything else is one statement text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

SCRATCH_CACHE_KIB = 65_536


class Dialect:
    """The few spellings that differ, for one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    # -- statements ----------------------------------------------------------------------------

    def run(self, sql: str) -> int:
        """Execute a statement whose values are all literals; its row count. Through the
        driver's own cursor: no placeholder parsing, so `%` is the modulo operator."""
        if self.sqlite:
            return int(self.conn.exec_driver_sql(sql).rowcount or 0)
        with self.conn.connection.driver_connection.cursor() as cur:  # type: ignore[union-attr]
            cur.execute(sql)
            return int(cur.rowcount or 0)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite:
            return [tuple(r) for r in self.conn.exec_driver_sql(sql)]
        with self.conn.connection.driver_connection.cursor() as cur:  # type: ignore[union-attr]
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()]

    # -- values --------------------------------------------------------------------------------

    @staticmethod
    def lit(value: str | int | bool | None) -> str:
        """A constant of the policy as an SQL literal (strings quoted, quotes doubled)."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int):
            return str(value)
        if "\x00" in value:
            raise ValueError("a policy text holds a NUL character")
        return "'" + value.replace("'", "''") + "'"

    def day(self, value: date) -> str:
        """A date literal comparable with the store's date columns."""
        if self.sqlite:
            return f"'{value.isoformat()}'"
        return f"DATE '{value.isoformat()}'"

    def in_list(self, values: Iterable[str]) -> str:
        items = sorted(set(values))
        return "(" + ", ".join(self.lit(v) for v in items) + ")" if items else "(NULL)"

    # -- functions -----------------------------------------------------------------------------

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from `earlier` to `later` (two date expressions)."""
        if self.sqlite:
            return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        return f"({later} - {earlier})"

    def padded(self, expr: str, width: int) -> str:
        """A non-negative whole number as text, zero-padded to `width` digits."""
        if self.sqlite:
            return f"printf('%0{width}d', {expr})"
        return f"lpad(CAST({expr} AS TEXT), {width}, '0')"

    def differs(self, a: str, b: str) -> str:
        """NULL-safe inequality."""
        return f"{a} IS NOT {b}" if self.sqlite else f"{a} IS DISTINCT FROM {b}"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS TEXT)"

    def grouped(self, expr: str) -> str:
        """A whole number with thousands separators (Python's `{:,}`)."""
        if self.sqlite:
            return f"printf('%,d', {expr})"
        return f"to_char({expr}, 'FM999,999,999,999,999,990')"

    def date_text(self, expr: str) -> str:
        """A date expression as ISO text."""
        return expr if self.sqlite else f"to_char({expr}, 'YYYY-MM-DD')"

    # -- temporary tables ----------------------------------------------------------------------

    def scratch_cache(self) -> None:
        """On SQLite, a page cache for the scratch tables as large as the store's (64 MiB): a
        batch's tables stay in memory, while an import's large staging table may still spill
        to its temporary file (so no `temp_store = MEMORY`, which has no bound)."""
        if self.sqlite:
            self.run(f"PRAGMA temp.cache_size = -{SCRATCH_CACHE_KIB}")

    def temp_table(self, name: str, columns: str) -> None:
        """A scratch table for one batch: dropped at commit on PostgreSQL; on SQLite replaced
        (the connection outlives the batch) and dropped by `drop_temp`."""
        if self.sqlite:
            self.run(f"DROP TABLE IF EXISTS temp.{name}")
            self.run(f"CREATE TEMP TABLE {name} ({columns})")
        else:
            self.run(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")

    def analyze(self, *names: str) -> None:
        """PostgreSQL plans a scratch table's joins well only once it knows its size (no
        autovacuum analyses temporary tables); SQLite's plans do not need it."""
        if not self.sqlite:
            for name in names:
                self.run(f"ANALYZE {name}")

    def drop_temp(self, names: Sequence[str]) -> None:
        if self.sqlite:
            for name in names:
                self.run(f"DROP TABLE IF EXISTS temp.{name}")

    def fill(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Rows sent from Python into a scratch table (COPY on PostgreSQL)."""
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            self.conn.exec_driver_sql(
                f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", list(rows)
            )
            return
        raw = self.conn.connection.driver_connection
        sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
