"""Court steps recorded on a case (`duecourse legal event`): each with its own date.

`on` is the day the step happened (the court's date on its paper, the day of service); the row
is recorded when the legal department enters it (`recorded_at`). A statutory milestone opened by
a step points back to it (`milestone.legal_event_id`) and is counted from `on`, never from the
day the case entered a stage. `late` marks an objection lodged after its 15-day window (CPL 2023
Art. 227): kept on record, without effect. A court paper filed with the step is a stored
document (`document_id`, kind `court_document`, with its SHA-256).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.legal_track import LegalEvent, Track


class LegalEventRow(SQLModel, table=True):
    __tablename__ = "legal_event"
    __table_args__ = (sa.Index("ix_legal_event_case_on", "case_id", "on"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id")
    track: Track = Field(sa_column=enum_column(Track, nullable=False))
    event: LegalEvent = Field(
        sa_column=sa.Column(
            sa.Enum(
                LegalEvent,
                native_enum=False,
                create_constraint=False,
                length=48,
                values_callable=lambda e: [m.value for m in e],
            ),
            nullable=False,
        )
    )
    on: date = Field(description="the step's own date")
    late: bool = Field(default=False, description="an objection after its window: no effect")
    forced: bool = Field(default=False, description="recorded before the case reached the track")
    note: str | None = Field(default=None, sa_type=sa.Text)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    actor: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
