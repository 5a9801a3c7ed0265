"""Milestones: a deadline a stage opens for a case (kind, due date, owner), met, missed or waived.

One row per (case, stage entry, kind): the stage's entry date is part of the key, so re-entering a
stage later opens fresh milestones while re-running a day never opens the same one twice.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import MilestoneStatus, Role, Stage


class Milestone(SQLModel, table=True):
    __tablename__ = "milestone"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "stage", "entry_on", "kind", name="uq_milestone_entry"),
        sa.Index("ix_milestone_status_due", "status", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id")  # uq_milestone_entry leads with it
    kind: str = Field(max_length=64, description="policy's milestone kind, e.g. first_contact")
    stage: Stage = Field(sa_column=enum_column(Stage, nullable=False))
    entry_on: date = Field(description="the stage entry this milestone belongs to")
    opened_on: date
    due: date = Field(description="the earliest the deadline can fall (what the owner works to)")
    due_latest: date | None = Field(
        default=None,
        description="the latest it can fall once an undeclared year's make-up days are known",
    )
    status: MilestoneStatus = Field(
        default=MilestoneStatus.OPEN, sa_column=enum_column(MilestoneStatus, nullable=False)
    )
    owner: str | None = Field(default=None, max_length=64)
    owner_role: Role = Field(sa_column=enum_column(Role, nullable=False))
    on_miss: str = Field(default="none", max_length=16)
    rule: str | None = Field(default=None, max_length=200, description="statutory article")
    legal_event_id: int | None = Field(
        default=None,
        foreign_key="legal_event.id",
        description="the court step that opened this statutory milestone (counted from its "
        "date); the daily cycle leaves such milestones to tasks/legal_clock.py",
    )
    alerted_on: date | None = None
    closed_on: date | None = None
    reason: str | None = Field(default=None, description="why met, missed or waived")
    policy_version: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
