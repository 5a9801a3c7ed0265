"""The per-row import, kept as the reference the staged intake (tasks/intake.py) is proved
against (tests/tasks/test_intake_equivalence.py); the CLI never uses it.

The file is read and validated row by row (rules/snapshot_row.py), bad rows quarantined, and the
good ones applied in chunks, each committed (tasks/intake_chunk.py); then the open cases the
snapshot left out are flagged missing. The whole import holds the store lock.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models.types import utcnow
from rules.enums import (
    RunStatus,
)
from rules.errors import DuecourseError
from rules.policy import Policy
from rules.snapshot_row import AccountKeys, IntakeSettings, RowError, RowParser, SnapshotRow
from tasks.bulk import db_time
from tasks.db_errors import masked_db_errors, safe_error_text
from tasks.import_run import (
    ImportResult,
    Quarantine,
    file_text,
    finish_run,
    last_as_of,
    start_run,
)
from tasks.intake_chunk import apply_chunk
from tasks.snapshot_file import open_snapshot
from tasks.store_lock import holding_the_store

CHUNK = 5000


def _flag_missing(conn: Connection, as_of: date, run_id: int) -> int:
    """Flag open cases whose account is absent from this snapshot; return how many are absent."""
    absent = (
        "status = 'open' AND NOT EXISTS (SELECT 1 FROM balance_snapshot s "
        "WHERE s.account_id = collection_case.account_id AND s.as_of = :day) "
        "AND account_id NOT IN (SELECT account_id FROM quarantined_row q "
        "WHERE q.import_run_id = :run AND q.account_id IS NOT NULL)"
    )
    params = {"day": as_of, "run": run_id, "now": db_time(conn, utcnow())}
    conn.execute(
        sa.text(
            "INSERT INTO timeline_event (case_id, at, as_of, event, detail, actor) "
            "SELECT id, :now, :day, 'missing', 'absent from the snapshot', 'intake' "
            f"FROM collection_case WHERE missing_since IS NULL AND {absent}"
        ),
        params,
    )
    conn.execute(
        sa.text(
            "UPDATE collection_case SET missing_since = :day, updated_at = :now, "
            f"version = version + 1 WHERE missing_since IS NULL AND {absent}"
        ),
        params,
    )
    count = conn.execute(sa.text(f"SELECT count(*) FROM collection_case WHERE {absent}"), params)
    return int(count.scalar_one())


@holding_the_store("an import")
def import_snapshot_reference(
    engine: Engine,
    path: Path,
    as_of: date,
    *,
    quarantine_dir: Path,
    policy: Policy,
    on_bytes: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK,
    intake: IntakeSettings | None = None,
) -> ImportResult:
    """Import one snapshot file as of `as_of` under `policy` (buckets, opening stages) and the
    bank's `intake` settings (default: the shipped ones). Idempotent: the same file again
    changes nothing.

    Raises InputError for an unreadable file or header, DuecourseError for an as-of date before
    the last successful import.
    """
    last = last_as_of(engine)
    if last is not None and as_of < last:
        raise DuecourseError(
            f"as-of {as_of} is before the last import ({last}); snapshots are applied in order"
        )
    reader = open_snapshot(path, on_bytes)
    run_id = start_run(engine, path, as_of, reader.encoding)
    result = ImportResult(
        run_id=run_id, file=file_text(path), as_of=as_of, encoding=reader.encoding
    )
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    stem = file_text(path.stem).encode()[:120].decode("utf-8", "ignore")  # a name <= 255 bytes
    quarantine = Quarantine(
        quarantine_dir / f"{as_of}-run{run_id}-{stamp}-{stem}.quarantine.csv", reader.columns
    )
    seen = AccountKeys()
    chunk: list[SnapshotRow] = []
    lines: list[int] = []  # the chunk's file lines
    tolerance = (intake or IntakeSettings()).dpd_tolerance_days
    parser = RowParser(reader.columns, as_of, tolerance)
    parse = parser.parse_line
    card_column = "card_number" in reader.columns

    def flush() -> None:
        # a refused write is one line naming the chunk's lines and the constraint, not the rows
        with masked_db_errors(lines), engine.begin() as conn:
            counts = apply_chunk(conn, chunk, as_of, run_id, policy, card_column)
            quarantine.flush(conn, run_id)
        for name in ("imported", "updated", "unchanged", "opened", "closed"):
            setattr(result, name, getattr(result, name) + getattr(counts, name))
        chunk.clear()
        lines.clear()

    try:
        with closing(reader), closing(quarantine):
            for line, record, problem in reader.rows():  # a refused line never merges
                result.rows += 1
                try:
                    row = parse(record, problem)
                except RowError as exc:
                    quarantine.add(line, reader.as_dict(record), str(exc))
                    continue
                reason = seen.duplicate(row.account_id, line, parser.account_cell(record))
                if reason is not None:
                    quarantine.add(line, reader.as_dict(record), reason)
                    continue
                chunk.append(row)
                lines.append(line)
                if len(chunk) >= chunk_size:
                    flush()
            flush()
            with engine.begin() as conn:
                result.missing = _flag_missing(conn, as_of, run_id)
        result.quarantined = quarantine.count
        result.quarantine_file = quarantine.written
    except BaseException as exc:
        # a failed run's row counts what its committed chunks did, quarantined rows included
        result.quarantined = quarantine.count - len(quarantine.pending)
        result.quarantine_file = quarantine.written
        finish_run(engine, result, reader.sha256, RunStatus.FAILED, safe_error_text(exc))
        raise
    finish_run(engine, result, reader.sha256, RunStatus.SUCCEEDED, None)
    return result
