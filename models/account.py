"""Card account: the latest balances and delinquency the bank reported for it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from models.types import Money, UTCDateTime, utcnow


class CardAccountBase(SQLModel):
    customer_id: str = Field(foreign_key="customer.id", max_length=64)
    card_number: str | None = Field(default=None, max_length=32)
    credit_limit: Decimal = Field(sa_type=Money)
    principal: Decimal = Field(sa_type=Money)
    interest: Decimal = Field(sa_type=Money)
    fees: Decimal = Field(sa_type=Money)
    minimum_due: Decimal = Field(sa_type=Money)
    due_date: date | None = None
    days_past_due: int = Field(ge=0)
    last_payment_date: date | None = None
    last_payment_amount: Decimal | None = Field(default=None, sa_type=Money)

    @property
    def balance(self) -> Decimal:
        return self.principal + self.interest + self.fees


class CardAccount(CardAccountBase, table=True):
    __tablename__ = "card_account"
    __table_args__ = {"sqlite_with_rowid": False}  # keyed by the bank's id: one b-tree, not two

    id: str = Field(primary_key=True, max_length=64, description="the bank's account_id")
    last_as_of: date = Field(description="as-of date of the snapshot these figures come from")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
