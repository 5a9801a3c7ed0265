"""The mail batch's manifest CSV: what the post office needs to accept the day's letters.

render_batch (tasks/document_batch.py) writes number, case, account (masked), addressee,
address, pages, first sheet page and sha256; the post office also wants the postcode when the
address states one, the sheets of paper in each envelope (its weight) and an empty
`tracking_number` column it fills in and sends back with the results (tasks/mail/delivered.py).
The address is written whole: the file is the envelopes' list, kept under the home with the
owner's permissions like every other output, and never printed to the terminal.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rules.csv_safety import safe_record
from rules.errors import DuecourseError
from tasks.document_batch import CSV_COLUMNS

MANIFEST_COLUMNS = [*CSV_COLUMNS, "postcode", "sheets", "tracking_number"]
# "邮编 310012" anywhere in the address, or six digits ending it ("...100号 310012")
_POSTCODE = re.compile(r"邮编\s*[:：]?\s*(\d{6})(?!\d)|(?<!\d)(\d{6})\s*$")


def postcode(address: str) -> str:
    """The postcode an address states, or "" (the bank's feed has no postcode column)."""
    found = _POSTCODE.search(address or "")
    return (found.group(1) or found.group(2)) if found else ""


def sheets(pages: int, *, duplex: bool) -> int:
    """Sheets of paper a letter of `pages` pages takes (printed on both sides with duplex)."""
    return (pages + 1) // 2 if duplex else pages


def write_manifest(
    path: Path, rows: Sequence[dict[str, Any]], *, duplex: bool
) -> list[dict[str, Any]]:
    """Rewrite the batch's manifest at `path` with the post office's columns; its rows."""
    full = [
        {
            **row,
            "postcode": postcode(str(row.get("address") or "")),
            "sheets": sheets(int(row["pages"]), duplex=duplex),
            "tracking_number": "",
        }
        for row in rows
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(safe_record(row) for row in full)  # no cell a spreadsheet would run
    try:
        path.write_bytes(buffer.getvalue().encode("utf-8"))
    except OSError as exc:
        raise DuecourseError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return full
