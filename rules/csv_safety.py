"""CSV cells that a spreadsheet will not run: formula injection neutralised (OWASP, "CSV
Injection"). A cell a person opens in Excel or LibreOffice that starts with `=`, `+`, `-`, `@`,
a tab or a carriage return (or their full-width forms, which some spreadsheets read the same) is
a formula there: `=HYPERLINK("http://evil", "点击")`, `@SUM(...)`, `-2+3+cmd|' /C calc'!A0`.

Such a cell gets a leading single quote, which spreadsheets show as text. A plain number (`-5.00`,
`+86`) cannot run anything and is left as written, so a quarantined negative amount still reads
as the file had it. Only the files written for people are neutralised; the database keeps the
raw value (the quarantined row's `raw`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
K = TypeVar("K")


def safe_cell(value: object) -> object:
    """`value` as a spreadsheet reads it as text: a leading `'` when a text cell would start a
    formula; anything that is not text (numbers, None) is returned as given."""
    if not isinstance(value, str) or not value or value[0] not in FORMULA_STARTS:
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(values: Iterable[object]) -> list[object]:
    """Every cell of a `csv.writer` row through `safe_cell`."""
    return [safe_cell(v) for v in values]


def safe_record(record: Mapping[K, object]) -> dict[K, object]:
    """Every value of a `csv.DictWriter` row through `safe_cell`."""
    return {k: safe_cell(v) for k, v in record.items()}
