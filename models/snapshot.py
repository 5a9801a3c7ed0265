"""Balance snapshots: one row per account per as-of date, the history KPIs and roll rates use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Field, SQLModel

from models.types import Money, enum_column
from rules.enums import Bucket


class BalanceSnapshot(SQLModel, table=True):
    __tablename__ = "balance_snapshot"
    __table_args__ = {"sqlite_with_rowid": False}  # clustered by (account, as-of)

    account_id: str = Field(foreign_key="card_account.id", primary_key=True, max_length=64)
    as_of: date = Field(primary_key=True, index=True)
    principal: Decimal = Field(sa_type=Money)
    interest: Decimal = Field(sa_type=Money)
    fees: Decimal = Field(sa_type=Money)
    minimum_due: Decimal = Field(sa_type=Money)
    days_past_due: int
    bucket: Bucket = Field(sa_column=enum_column(Bucket, nullable=False))
    import_run_id: int | None = Field(default=None, foreign_key="import_run.id")
