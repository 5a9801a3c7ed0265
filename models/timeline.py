"""The case timeline: what happened to a case, when, by whom, and why."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class TimelineEvent(SQLModel, table=True):
    __tablename__ = "timeline_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    as_of: date
    event: str = Field(max_length=64, description="e.g. opened, closed, missing, stage, owner")
    detail: str = Field(default="", description="human-readable, personal data masked")
    actor: str = Field(default="system", max_length=64)
