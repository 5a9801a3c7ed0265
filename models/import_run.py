"""One row per snapshot import, and the rows it quarantined with their reasons."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import RunStatus


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=500)
    sha256: str = Field(max_length=64, index=True)
    encoding: str = Field(default="utf-8", max_length=16)
    as_of: date = Field(index=True)
    status: RunStatus = Field(
        default=RunStatus.RUNNING, sa_column=enum_column(RunStatus, nullable=False)
    )
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    missing: int = 0
    closed: int = 0
    quarantine_file: str | None = Field(default=None, max_length=500)
    error: str | None = None
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class QuarantinedRow(SQLModel, table=True):
    __tablename__ = "quarantined_row"

    id: int | None = Field(default=None, primary_key=True)
    import_run_id: int = Field(foreign_key="import_run.id", index=True)
    line_number: int
    account_id: str | None = Field(default=None, max_length=64)
    reason: str
    raw: str = Field(description="the row as read, JSON")
