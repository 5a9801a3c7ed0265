"""The debtor (customer) with the contact points the bank gave, and emergency contacts.

The primary phone, email and address from the daily snapshot live on the customer row (one write
per new debtor at 1M-row intake); emergency contacts and any contact point learnt later are rows of
`contact_point`, each with its own validity, so the channels can mark a number invalid.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import ContactKind, ContactRelation


class CustomerBase(SQLModel):
    name: str = Field(max_length=200)
    id_number: str = Field(max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    province: str | None = Field(default=None, max_length=32)


class Customer(CustomerBase, table=True):
    __tablename__ = "customer"
    __table_args__ = {"sqlite_with_rowid": False}  # keyed by the bank's id: one b-tree, not two

    id: str = Field(primary_key=True, max_length=64, description="the bank's customer_id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContactPointBase(SQLModel):
    customer_id: str = Field(foreign_key="customer.id", max_length=64)  # uq_contact_point leads
    relation: ContactRelation = Field(sa_column=enum_column(ContactRelation, nullable=False))
    kind: ContactKind = Field(sa_column=enum_column(ContactKind, nullable=False))
    value: str = Field(max_length=500)
    contact_name: str | None = Field(default=None, max_length=200)
    valid: bool = True
    source: str = Field(default="snapshot", max_length=32)


class ContactPoint(ContactPointBase, table=True):
    __tablename__ = "contact_point"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "relation", "kind", "value", name="uq_contact_point"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
