"""A collection case: one open case per account under watch, carried along the ladder."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import Bucket, CaseStatus, Outcome, RiskTier, Stage


class CaseBase(SQLModel):
    account_id: str = Field(foreign_key="card_account.id", index=True, max_length=64)
    customer_id: str = Field(foreign_key="customer.id", max_length=64)
    status: CaseStatus = Field(
        default=CaseStatus.OPEN, sa_column=enum_column(CaseStatus, nullable=False)
    )
    bucket: Bucket = Field(sa_column=enum_column(Bucket, nullable=False))
    stage: Stage = Field(sa_column=enum_column(Stage, nullable=False))
    owner: str | None = Field(default=None, max_length=64, index=True)
    risk_tier: RiskTier | None = Field(default=None, sa_column=enum_column(RiskTier))
    risk_reasons: str | None = Field(default=None, description="JSON list of reasons")
    opened_on: date
    stage_entered_on: date
    closed_on: date | None = None
    outcome: Outcome | None = Field(default=None, sa_column=enum_column(Outcome))
    max_dpd: int = Field(default=0, description="highest DPD seen while this case was open")
    return_stage: Stage | None = Field(
        default=None,
        sa_column=enum_column(Stage, nullable=True),
        description="the legal stage a case left for negotiation: a broken plan or promise, or a "
        "rejected claim, returns it there (legal stages are sticky), not to soft collection",
    )
    missing_since: date | None = Field(
        default=None, description="first as-of date the account was absent from the snapshot"
    )


_VERSION = sa.Column("version", sa.Integer, nullable=False, server_default="1")


class Case(CaseBase, table=True):
    __tablename__ = "collection_case"
    __table_args__ = (
        # not (status, stage): SQLite would then read every open case to find an id range
        sa.Index("ix_case_stage", "stage"),
        sa.Index(
            "uq_case_open_account",
            "account_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _VERSION}  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_VERSION)  # optimistic lock, bumped on every write
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
