"""The refused lines of a staged snapshot (tasks/intake_validate.py) written out in line order: to
the quarantine CSV and the `quarantined_row` table (tasks/import_run.py `Quarantine`), each with
the cells as read (a line the reader refused keeps what could be read of it, as JSON).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from tasks.import_run import Quarantine
from tasks.intake_dialect import run
from tasks.intake_stage import STAGE, quoted
from tasks.intake_validate import BAD, ORIGINAL

PAGE = 5000


def write_quarantine(
    conn: Connection, quarantine: Quarantine, columns: Sequence[str], run_id: int
) -> None:
    """Every line in `intake_bad`, a page at a time, into `quarantine` (file and table)."""
    names = ", ".join(f"s.{quoted(c)}" for c in columns)
    kept = [not c.startswith("_") for c in columns]
    after = 0
    while True:
        rows = run(
            conn,
            f"SELECT b.line, b.reason, s.raw, {names} FROM {BAD} b "
            f"JOIN {STAGE} s ON s.line = b.line WHERE b.line > :after "
            f"ORDER BY b.line LIMIT {PAGE}",
            {"after": after},
        ).all()
        if not rows:
            return
        after = rows[-1][0]
        lines = ", ".join(str(int(r[0])) for r in rows)
        original = {
            r[0]: list(r[1:])
            for r in run(conn, f"SELECT line, {names} FROM {ORIGINAL} s WHERE line IN ({lines})")
        }
        for line, reason, raw, *read in rows:
            cells = original.get(line, read)
            if raw is not None:
                given = json.loads(raw)
            else:
                given = {c: v for c, v, k in zip(columns, cells, kept, strict=True) if k}
            quarantine.add(line, given, reason)
        quarantine.flush(conn, run_id)
