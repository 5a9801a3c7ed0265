"""Disputes and defences (履行抗辩) and hardship claims: while one is open, every collection
contact stops (the conduct gate reads `dispute_open`) and escalation freezes; a review of kind
`dispute` asks the right role to decide it, under its own milestone."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import DisputeKind, DisputeStatus


class Dispute(SQLModel, table=True):
    __tablename__ = "dispute"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    kind: DisputeKind = Field(sa_column=enum_column(DisputeKind, nullable=False))
    status: DisputeStatus = Field(
        default=DisputeStatus.OPEN, sa_column=enum_column(DisputeStatus, nullable=False)
    )
    opened_on: date
    note: str
    review_id: int | None = Field(default=None, foreign_key="review.id")
    resolved_on: date | None = None
    resolved_by: str | None = Field(default=None, max_length=64)
    resolution: str | None = None
    actor: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
