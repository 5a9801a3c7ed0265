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

from models.types import utcnow
from rules.enums import RunStatus
from rules.snapshot_row import TEXT_LIMITS
from tasks.bulk import db_time, insert_many


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
            self._writer.writerow(["line", "reason", *self.columns])
        self._writer.writerow([line, reason, *(raw.get(c, "") for c in self.columns)])
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
    with engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT max(as_of) FROM import_run WHERE status = 'succeeded'")
        ).scalar()
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def start_run(engine: Engine, path: Path, as_of: date, encoding: str) -> int:
    with engine.begin() as conn:
        run_id = conn.execute(
            sa.text(
                "INSERT INTO import_run (file_name, sha256, encoding, as_of, status, rows, "
                "imported, updated, unchanged, quarantined, missing, closed, started_at) VALUES "
                "(:f, '', :e, :a, 'running', 0, 0, 0, 0, 0, 0, 0, :t) RETURNING id"
            ),
            {"f": file_text(path.name), "e": encoding, "a": as_of, "t": db_time(conn, utcnow())},
        ).scalar_one()
    return int(run_id)


def finish_run(
    engine: Engine, result: ImportResult, sha256: str, status: RunStatus, error: str | None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE import_run SET sha256 = :sha, status = :st, rows = :rows, "
                "imported = :imp, updated = :upd, unchanged = :unc, quarantined = :q, "
                "missing = :mis, closed = :clo, quarantine_file = :qf, error = :err, "
                "finished_at = :t WHERE id = :id"
            ),
            {
                "sha": sha256, "st": status.value, "rows": result.rows, "imp": result.imported,
                "upd": result.updated, "unc": result.unchanged, "q": result.quarantined,
                "mis": result.missing, "clo": result.closed, "qf": result.quarantine_file,
                "err": error, "t": db_time(conn, utcnow()), "id": result.run_id,
            },
        )  # fmt: skip
