"""Promises to pay (承诺还款): an amount the debtor undertakes to pay by a date.

A promise is `open` until its date plus the policy's grace period; the daily cycle then marks it
`kept` (payments recorded since it was made reach its amount) or `broken`. A newer promise on the
same case supersedes an open one. `contact_id` links a promise taken on a logged call.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import Money, UTCDateTime, enum_column, utcnow
from rules.enums import Channel, PromiseStatus


class Promise(SQLModel, table=True):
    __tablename__ = "promise"
    __table_args__ = (sa.Index("ix_promise_status_due", "status", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    made_on: date = Field(description="the day the debtor promised (today when recorded)")
    due_on: date = Field(description="the day the debtor promised to pay by")
    channel: Channel | None = Field(default=None, sa_column=enum_column(Channel, nullable=True))
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    note: str | None = None
    status: PromiseStatus = Field(
        default=PromiseStatus.OPEN, sa_column=enum_column(PromiseStatus, nullable=False)
    )
    paid: Decimal = Field(default=Decimal("0"), sa_type=Money, description="paid toward it")
    closed_on: date | None = None
    actor: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
