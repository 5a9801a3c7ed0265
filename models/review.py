"""Reviews: a stage that needs approval opens one instead of moving; an approval lets it move.

Reviews of kind `stage` are the ladder's; a dispute or a proposed repayment plan opens one of
its own kind (`subject_id` names it), decided through the same queue and the same four-eyes rule.
The daily cycle opens them (one pending review per case and target stage); the legal and
supervisor queues decide them (decided_by, decided_at, comment). A review still pending when its
case closes or changes stage is withdrawn (no one decides it). `status` is a non-native enum (a
string of up to 24 characters, no CHECK constraint), so a new status needs no migration.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import DecisionVia, ReviewKind, ReviewStatus, Role, Stage


class Review(SQLModel, table=True):
    __tablename__ = "review"
    __table_args__ = (
        sa.Index(
            "uq_review_pending",
            "case_id",
            "target_stage",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        # the review queue: a status's reviews oldest first, read 50 at a time (the web console's
        # /reviews over 100k pending reviews took 500 ms to sort without it, 5 ms with it)
        sa.Index("ix_review_queue", "status", "opened_on", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    # What is decided: a stage move (`target_stage`), a dispute or a plan (`subject_id`).
    kind: ReviewKind = Field(
        default=ReviewKind.STAGE,
        sa_column=enum_column(ReviewKind, nullable=False, server_default=ReviewKind.STAGE.value),
    )
    target_stage: Stage | None = Field(default=None, sa_column=enum_column(Stage, nullable=True))
    subject_id: int | None = Field(default=None, description="the dispute's or plan's id")
    required_role: Role = Field(sa_column=enum_column(Role, nullable=False))
    status: ReviewStatus = Field(
        default=ReviewStatus.PENDING,
        sa_column=enum_column(ReviewStatus, nullable=False, index=True),
    )
    opened_on: date
    key: str = Field(max_length=200, unique=True, description="idempotency key of the opening")
    policy_version: str = Field(max_length=64)
    # Who asked for the decision ('system': the daily cycle); never the one who decides it
    # (four-eyes, tasks/reviews.py decide_review).
    requested_by: str = Field(
        default="system", max_length=64, sa_column_kwargs={"server_default": "system"}
    )
    decided_by: str | None = Field(default=None, max_length=64)
    # Where the decision was taken: 'cli' (`--as`, a typed name) or 'web' (a signed-in user).
    decided_via: DecisionVia | None = Field(
        default=None, sa_column=enum_column(DecisionVia, nullable=True)
    )
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    comment: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
