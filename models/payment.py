"""Payments received on a case, each with how it was allocated to fees, interest and principal.

`reference` is the bank's reference for the payment (a transaction id): unique when present, so
a file imported twice counts each payment once. `duecourse pay` without `--reference` records a
new payment each time (NULL reference; NULLs are never equal under the UNIQUE constraint).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from models.types import Money, UTCDateTime, enum_column, utcnow
from rules.allocation import PaymentSource


class Payment(SQLModel, table=True):
    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    account_id: str = Field(max_length=64)
    amount: Decimal = Field(sa_type=Money)
    paid_on: date
    reference: str | None = Field(default=None, max_length=64, unique=True)
    allocated_fees: Decimal = Field(sa_type=Money)
    allocated_interest: Decimal = Field(sa_type=Money)
    allocated_principal: Decimal = Field(sa_type=Money)
    overpaid: Decimal = Field(sa_type=Money)
    source: PaymentSource = Field(sa_column=enum_column(PaymentSource, nullable=False))
    actor: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
