"""The record of one snapshot import: its run row, its result, and its quarantined rows."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models import ImportRun
from models.types import utcnow
from rules.csv_safety import safe_row
from rules.enums import RunStatus
from rules.snapshot_row import TEXT_LIMITS
from tasks.bulk import insert_many

RUN = ImportRun.__table__  # type: ignore[attr-defined]  # one style with tasks/cycle/runs.py


@dataclass
class ImportResult:
    run_id: int
    file: str
    as_of: date
    encoding: str
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    missing: int = 0
    opened: int = 0
    closed: int = 0
    quarantine_file: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data


class Quarantine:
    """Writes bad rows to the quarantine CSV (opened on the first bad row) and the database."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = [c for c in columns if not c.startswith("_extra_")]
        self._file: TextIO | None = None
        self._writer: Any = None
        self.pending: list[tuple[int, str | None, str, str]] = []
        self.account_ids: set[str] = set()
        self.count = 0

    def add(self, line: int, raw: dict[str, str], reason: str) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(safe_row(["line", "reason", *self.columns]))
        # cells a spreadsheet would run are neutralised in the file; `raw` keeps them as given
        self._writer.writerow(safe_row([line, reason, *(raw.get(c, "") for c in self.columns)]))
        account_id = (raw.get("account_id") or "").strip() or None
        if account_id and (len(account_id) > TEXT_LIMITS["account_id"] or "\x00" in account_id):
            account_id = None  # not storable as an account id; the raw row keeps it
        if account_id:
            self.account_ids.add(account_id)
        self.pending.append((line, account_id, reason, json.dumps(raw, ensure_ascii=False)))
        self.count += 1

    def flush(self, conn: Connection, run_id: int) -> None:
        insert_many(
            conn,
            "quarantined_row",
            ("import_run_id", "line_number", "account_id", "reason", "raw"),
            [(run_id, *p) for p in self.pending],
        )
        self.pending.clear()

    @property
    def written(self) -> str | None:
        return str(self.path) if self._file is not None else None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def file_text(name: str | Path) -> str:
    """A file name as text a database and stdout take: bytes that are not UTF-8 (a GBK name
    copied from Windows) show as U+FFFD instead of failing to encode."""
    return os.fsencode(name).decode("utf-8", "replace")


def last_as_of(engine: Engine) -> date | None:
    """The as-of date of the latest successful import, or None."""
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.max(RUN.c.as_of)).where(RUN.c.status == RunStatus.SUCCEEDED)
        ).scalar()
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def start_run(engine: Engine, path: Path, as_of: date, encoding: str) -> int:
    """Open the run's row (status running); its id."""
    with engine.begin() as conn:
        run_id = conn.execute(
            sa.insert(RUN)
            .values(
                file_name=file_text(path.name), sha256="", encoding=encoding, as_of=as_of,
                status=RunStatus.RUNNING, rows=0, imported=0, updated=0, unchanged=0,
                quarantined=0, missing=0, closed=0, started_at=utcnow(),
            )
            .returning(RUN.c.id)
        ).scalar_one()  # fmt: skip
    return int(run_id)


def finish_run(
    engine: Engine, result: ImportResult, sha256: str, status: RunStatus, error: str | None
) -> None:
    """Record the run's outcome and counts."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(RUN)
            .where(RUN.c.id == result.run_id)
            .values(
                sha256=sha256, status=status, rows=result.rows, imported=result.imported,
                updated=result.updated, unchanged=result.unchanged,
                quarantined=result.quarantined, missing=result.missing, closed=result.closed,
                quarantine_file=result.quarantine_file, error=error, finished_at=utcnow(),
            )
        )  # fmt: skip
