"""`duecourse import`: apply a delinquency snapshot to the case store, staged and set-based, all
or nothing.

In one transaction: the file is streamed into a staging table of raw text (tasks/intake_stage.py,
COPY on PostgreSQL), validated in SQL (tasks/intake_validate.py), its refused lines written to
the quarantine file and table (tasks/intake_quarantine.py), the good rows applied with one
statement per table (tasks/intake_apply.py), and the open cases the snapshot left out flagged
missing. An error anywhere (bytes of another encoding, a refused write, a crash) rolls it all
back: the run is recorded as failed and nothing of the file is applied. The whole import holds
the store lock. The per-row path it replaces is tasks/intake_reference.py (tests only).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from models.types import utcnow
from rules.enums import RunStatus
from rules.errors import DuecourseError
from rules.policy import Policy
from rules.snapshot_row import IntakeSettings, RowParser
from tasks.bulk import db_date, db_time, is_sqlite
from tasks.db_errors import masked_db_errors, safe_error_text
from tasks.import_run import ImportResult, Quarantine, file_text, finish_run, last_as_of, start_run
from tasks.intake_apply import PLAN, STORE_TABLES, Applied, apply_plan, flag_missing, plan
from tasks.intake_checks import RowChecks
from tasks.intake_dialect import PY_WHITESPACE, Dialect
from tasks.intake_quarantine import write_quarantine
from tasks.intake_stage import StagedLines, create_stage, drop_stage, stage_lines
from tasks.intake_validate import validate
from tasks.snapshot_file import SnapshotReader, open_snapshot
from tasks.store_lock import holding_the_store

CHUNK = 10_000  # lines sent to the staging table at a time
WORK_MEM = "64MB"  # PostgreSQL, for the import's transaction only


class _Import:
    """One import's parts: the file, its rules, the quarantine and the SQL it runs."""

    def __init__(
        self, reader: SnapshotReader, quarantine: Quarantine, policy: Policy, tolerance: int,
        as_of: date,
    ) -> None:  # fmt: skip
        self.reader, self.quarantine, self.policy, self.as_of = reader, quarantine, policy, as_of
        self.parser = RowParser(reader.columns, as_of, tolerance)
        self.lines = StagedLines(reader, self.parser)
        self.tolerance = tolerance

    def params(self, conn: Connection, run_id: int) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "tolerance": self.tolerance, "ws": PY_WHITESPACE,
            "now": db_time(conn, utcnow()), "day": db_date(conn, self.as_of), "run": run_id,
        }  # fmt: skip


def apply_staged(conn: Connection, job: _Import, run_id: int, chunk: int) -> tuple[Applied, int]:
    """Stage, validate, quarantine and apply the file on `conn` (one transaction); what it did
    and how many open cases it left out."""
    d = Dialect(pg=not is_sqlite(conn))
    checks = RowChecks(d, job.reader.columns)
    params = job.params(conn, run_id)
    if d.pg:  # the plan's sorts and hashes of a whole file in memory, not in batches on disk
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
    create_stage(conn, job.reader.columns)
    stage_lines(conn, job.lines, chunk)
    validate(conn, checks, job.parser, job.reader.columns, params)
    write_quarantine(conn, job.quarantine, job.reader.columns, run_id)
    plan(conn, checks, job.policy, params)
    if d.pg:  # statistics of now, not of before a bulk load: else a join may become quadratic
        conn.exec_driver_sql(f"ANALYZE {PLAN}, {', '.join(STORE_TABLES)}")
    applied = apply_plan(conn, d, job.policy, params)
    missing = flag_missing(conn, params)
    if not d.pg:
        drop_stage(conn)
    return applied, missing


@holding_the_store("an import")  # no other import, cycle or check sees it half-loaded
def import_snapshot(
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
    bank's `intake` settings (default: the shipped ones). All or nothing; idempotent: the same
    file again changes nothing. `chunk_size`: lines sent to the staging table at a time.

    Raises InputError for an unreadable file or header, DuecourseError for an as-of date before
    the last successful import or a write the database refuses.
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
    tolerance = (intake or IntakeSettings()).dpd_tolerance_days
    job = _Import(reader, quarantine, policy, tolerance, as_of)
    lines = [2]  # a refused write names the file's lines (read when it fails)
    try:
        with (
            closing(reader),
            closing(quarantine),
            masked_db_errors(lines),
            engine.begin() as conn,
        ):
            try:
                applied, result.missing = apply_staged(conn, job, run_id, chunk_size)
            finally:
                lines.append(job.lines.last)
        for name in ("imported", "updated", "unchanged", "opened", "closed"):
            setattr(result, name, getattr(applied, name))
        result.rows = job.lines.count
        result.quarantined = quarantine.count
        result.quarantine_file = quarantine.written
    except BaseException as exc:
        # nothing of the file is applied: the run row says so, with the lines it read
        result.rows = job.lines.count
        result.missing = 0
        if quarantine.written is not None:
            quarantine.path.unlink(missing_ok=True)
        finish_run(engine, result, reader.sha256, RunStatus.FAILED, safe_error_text(exc))
        raise
    finish_run(engine, result, reader.sha256, RunStatus.SUCCEEDED, None)
    return result
