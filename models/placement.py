"""Placements: a case given to a panel law firm (policy/law_firms.yaml), and its recall.

A placement is a legal-role decision (`duecourse legal place`, or the approval of a lawyer's
letter review) naming the firm and the lawyer who signs for it (licence number, 执业证号). It
stays open until recalled: by hand (`duecourse legal recall`), or when the case is paid or a
repayment plan is approved (the firm's mandate ends with the debt's collection). One open
placement per case: a unique index over the case's rows whose `recalled_on` is NULL.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Placement(SQLModel, table=True):
    __tablename__ = "placement"
    __table_args__ = (
        sa.Index(
            "uq_placement_open",
            "case_id",
            unique=True,
            sqlite_where=sa.text("recalled_on IS NULL"),
            postgresql_where=sa.text("recalled_on IS NULL"),
        ),
        # a firm's load: its open placements
        sa.Index("ix_placement_firm_open", "firm_id", "recalled_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    firm_id: str = Field(max_length=32)
    lawyer_licence: str = Field(max_length=17, description="执业证号 of the signing lawyer")
    placed_on: date
    placed_by: str = Field(max_length=64)
    review_id: int | None = Field(default=None, foreign_key="review.id")
    recalled_on: date | None = None
    recalled_by: str | None = Field(default=None, max_length=64)
    recall_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
