"""The few SQL spellings the staged intake needs that SQLite and PostgreSQL write differently:
pattern tests (GLOB / regular expressions), days between dates, NULL-safe equality, the larger
of two values, and Python's `repr` of a printable ASCII value (the quarantine reasons quote a
value exactly as the per-row parser did).

Every helper takes SQL expression text and returns SQL expression text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult

# Python's str.strip() removes these (str.isspace); text columns are trimmed by the same set
PY_WHITESPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())


def run(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> CursorResult[Any]:
    """Execute SQL text with named parameters (`:name`)."""
    return conn.execute(sa.text(sql), params or {})


def temp_table(conn: Connection, name: str, select: str, params: dict[str, Any]) -> None:
    """A temporary table of the import made from `select` (dropped at commit on PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        run(conn, f"DROP TABLE IF EXISTS temp.{name}")
        run(conn, f"CREATE TEMP TABLE {name} AS {select}", params)
    else:
        run(conn, f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}", params)


@dataclass(frozen=True)
class Dialect:
    """SQL spellings for one backend (`pg`: PostgreSQL, else SQLite)."""

    pg: bool

    def digits(self, x: str) -> str:
        """x is one or more ASCII digits."""
        if self.pg:
            return f"({x} ~ '^[0-9]+$')"
        return f"({x} <> '' AND {x} NOT GLOB '*[^0-9]*')"

    def digits_n(self, x: str, n: int, last: str = "0-9") -> str:
        """x is exactly n characters: ASCII digits, the last one of the class `last`."""
        if self.pg:
            return f"({x} ~ '^[0-9]{{{n - 1}}}[{last}]$')"
        return f"({x} GLOB '{'[0-9]' * (n - 1)}[{last}]')"

    def date_shape(self, x: str) -> str:
        """x is written YYYY-MM-DD in ASCII digits."""
        if self.pg:
            return f"({x} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')"
        return f"({x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')"

    def amount_shape(self, x: str) -> str:
        """x is 1-13 ASCII digits, optionally a point and 1-2 more (yuan and fen)."""
        if self.pg:
            return f"({x} ~ '^[0-9]{{1,13}}(\\.[0-9]{{1,2}})?$')"
        return (
            f"(({x} GLOB '[0-9]*.[0-9][0-9]' AND {x} NOT GLOB '*[^0-9]*.*' AND length({x}) <= 16)"
            f" OR ({x} <> '' AND {x} NOT GLOB '*[^0-9]*' AND length({x}) <= 13)"
            f" OR ({x} GLOB '[0-9]*.[0-9]' AND {x} NOT GLOB '*[^0-9]*.*' AND length({x}) <= 15))"
        )

    def phone_shape(self, x: str) -> str:
        """x is an optional '+' then 5-20 ASCII digits, dashes or spaces."""
        if self.pg:
            return f"({x} ~ '^\\+?[0-9 -]{{5,20}}$')"
        rest = f"(CASE WHEN substr({x}, 1, 1) = '+' THEN substr({x}, 2) ELSE {x} END)"
        return f"(length({rest}) BETWEEN 5 AND 20 AND {rest} NOT GLOB '*[^0-9 -]*')"

    def not_printable_ascii(self, x: str) -> str:
        """x holds a character outside printable ASCII (a tab, a full-width digit, ...)."""
        if self.pg:
            return f"({x} ~ '[^ -~]')"
        return f"({x} GLOB '*[^ -~]*')"

    def ws_trim(self, x: str) -> str:
        """x without leading and trailing whitespace as Python's str.strip() sees it (the
        characters are the bound parameter :ws)."""
        return f"btrim({x}, :ws)" if self.pg else f"trim({x}, :ws)"

    def position(self, needle: str, x: str) -> str:
        return f"strpos({x}, {needle})" if self.pg else f"instr({x}, {needle})"

    def days_before_as_of(self, x: str) -> str:
        """Whole days from the date x (YYYY-MM-DD text) to the as-of date (:as_of)."""
        if self.pg:
            return f"(CAST(:as_of AS DATE) - CAST({x} AS DATE))"
        return f"CAST(julianday(:as_of) - julianday({x}) AS INTEGER)"

    def as_date(self, x: str) -> str:
        """A date from YYYY-MM-DD text, as the store keeps dates (ISO text on SQLite)."""
        return f"CAST({x} AS DATE)" if self.pg else x

    def same(self, a: str, b: str) -> str:
        """a equals b, NULL equal to NULL."""
        return f"({a} IS NOT DISTINCT FROM {b})" if self.pg else f"({a} IS {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"greatest({a}, {b})" if self.pg else f"max({a}, {b})"

    def right(self, x: str, n: int) -> str:
        """The last n characters of x."""
        return f"right({x}, {n})" if self.pg else f"substr({x}, -{n})"

    def text(self, x: str) -> str:
        return f"CAST({x} AS TEXT)"

    def py_repr(self, x: str) -> str:
        """Python's repr() of x, a printable ASCII string: single quotes, or double quotes when
        it holds a single quote and no double quote; backslashes doubled."""
        pos = self.position
        esc = f"replace({x}, '\\', '\\\\')"
        return (
            f"(CASE WHEN {pos(chr(39) * 4, x)} > 0 AND {pos(chr(39) + chr(34) + chr(39), x)} = 0 "
            f"THEN '\"' || {esc} || '\"' "
            f"ELSE '''' || replace({esc}, '''', '\\''') || '''' END)"
        )

    def ascii_only(self, x: str) -> str:
        """x holds ASCII characters only (one byte each)."""
        if self.pg:
            return f"(octet_length({x}) = length({x}))"
        return f"(length(CAST({x} AS BLOB)) = length({x}))"
