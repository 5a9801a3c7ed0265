"""A snapshot file streamed into a raw staging table: one row per physical line that is not blank,
every column text as written, with its line number (tasks/snapshot_file.py reads the lines).

`intake_stage` is a temporary table of the import's connection: `line`, `problem` (why the
reader or the per-row parser already refused the line), `raw` (the line's cells as JSON when
its cells below are not as read), `written` (the account id as written, when the cells hold its
normalised key), then one text column per header column. PostgreSQL receives it by `COPY ...
FROM STDIN` (CSV), SQLite by executemany of the raw strings. A line holding a NUL character
(which PostgreSQL text cannot hold and SQLite's functions stop at) is parsed here, by the same
per-row rules, and staged as refused or with its cells cleaned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from rules.snapshot_row import RowError, RowParser
from tasks.bulk import is_sqlite
from tasks.snapshot_file import SnapshotReader

STAGE = "intake_stage"
META = ("line", "problem", "raw", "written")
TEMP_CACHE_KIB = 64 * 1024  # kept in memory before the temporary file is used (as main)
TEMP_TABLES = (STAGE, "intake_bad", "intake_original", "intake_plan", "intake_absent")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_stage(conn: Connection, columns: Sequence[str]) -> None:
    """The staging table for a file with these header columns (dropped at commit on
    PostgreSQL; on SQLite by `drop_stage`)."""
    cells = ", ".join(f"{quoted(c)} TEXT" for c in columns)
    if is_sqlite(conn):
        # the temporary tables live in their own file, with SQLite's small default cache
        conn.exec_driver_sql(f"PRAGMA temp.cache_size = -{TEMP_CACHE_KIB}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGE}")
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {STAGE} (line INTEGER PRIMARY KEY, problem TEXT, raw TEXT, "
            f"written TEXT, {cells})"
        )
    else:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {STAGE} (line INTEGER NOT NULL, problem TEXT, raw TEXT, "
            f"written TEXT, {cells}) ON COMMIT DROP"
        )


def stage_lines(conn: Connection, lines: StagedLines, batch: int) -> None:
    """Stream every line into the staging table, `batch` lines at a time."""
    if is_sqlite(conn):
        _executemany(conn, lines, batch, lines.width)
    else:
        _copy(conn, lines, batch, lines.reader.columns)


def drop_stage(conn: Connection) -> None:
    """Drop the import's temporary tables (SQLite keeps them with its pooled connection)."""
    for name in TEMP_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")


class StagedLines:
    """The reader's lines as staging rows: (line, problem, raw, written, *cells)."""

    def __init__(self, reader: SnapshotReader, parser: RowParser) -> None:
        self.reader, self.parser = reader, parser
        self.width = len(reader.columns)
        self.count = 0
        self.last = 1

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        nul = "\x00"
        for line, cells, problem in self.reader.rows():
            self.count += 1
            self.last = line
            if problem is not None:
                yield self.refused(line, cells, problem)
            elif nul in "".join(cells):
                yield self.with_nul(line, cells)
            else:
                yield (line, None, None, None, *cells)

    def refused(self, line: int, cells: list[str], problem: str) -> tuple[Any, ...]:
        raw = json.dumps(self.reader.as_dict(cells), ensure_ascii=False)
        return (line, problem, raw, None, *([None] * self.width))

    def with_nul(self, line: int, cells: list[str]) -> tuple[Any, ...]:
        """A line holding NUL: refused with the parser's reason, or (the NUL was in a column
        nobody reads) staged without it."""
        try:
            self.parser.parse(cells)
        except RowError as exc:
            return self.refused(line, cells, str(exc))
        return (line, None, None, None, *(c.replace("\x00", "") for c in cells))


def _executemany(conn: Connection, lines: StagedLines, batch: int, width: int) -> None:
    sql = f"INSERT INTO {STAGE} VALUES ({', '.join(['?'] * (width + len(META)))})"
    cursor = conn.connection.cursor()
    try:
        rows: list[tuple[Any, ...]] = []
        for row in lines:
            rows.append(row)
            if len(rows) >= batch:
                cursor.executemany(sql, rows)
                rows.clear()
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _csv_cell(value: str | None) -> str:
    """A COPY CSV field: empty and unquoted for NULL, else quoted."""
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def _copy(conn: Connection, lines: StagedLines, batch: int, columns: Sequence[str]) -> None:
    """COPY the lines as CSV. A line without quotes, commas or line breaks in its cells is sent
    as it was read, behind its number; another is quoted field by field."""
    names = ", ".join(quoted(c) for c in columns)
    sql = (
        f"COPY {STAGE} (line, problem, raw, written, {names}) FROM STDIN "
        f"(FORMAT csv, FORCE_NOT_NULL ({names}))"
    )
    commas = len(columns) - 1
    cursor: Any = conn.connection.cursor()  # psycopg's: it has copy()
    try:
        with cursor.copy(sql) as copy:
            out: list[str] = []
            for row in lines:
                joined = ",".join(row[len(META) :]) if row[1] is None else ""
                if row[1] is None and joined.count(",") == commas and '"' not in joined:
                    out.append(f"{row[0]},,,,{joined}\n")
                else:
                    out.append(f"{row[0]}," + ",".join(map(_csv_cell, row[1:])) + "\n")
                if len(out) >= batch:
                    copy.write("".join(out))
                    out.clear()
            copy.write("".join(out))
    finally:
        cursor.close()
