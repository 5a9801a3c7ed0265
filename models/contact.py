"""Contacts: every message sent, letter posted, call or visit made, with its proof.

One row per contact attempt. Dispatched contacts carry the deterministic key of the action line
they carry out (`case|step|channel|as-of`), under a UNIQUE constraint: a retry after a provider
timeout or a crash finds its row instead of sending again. A logged call or visit is keyed by
case, channel and time. `proof_ref` is what proves the contact (the SMS provider's message id,
the SMTP Message-ID, the letter's number, the call reference); a letter adds the post office's
`tracking_number` and `delivered_on`. `demand` marks a written demand that reached the
cardholder (a delivered letter, or an SMS/email to contact details the cardholder gave the
bank): the legal track's limitation clock and evidence list read these rows.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import CallOutcome, Channel, ContactDirection, ContactStatus, Party


class ContactBase(SQLModel):
    case_id: int = Field(foreign_key="collection_case.id")  # ix_contact_case_as_of leads
    action_id: int | None = Field(default=None, description="the cycle_action line carried out")
    as_of: date = Field(description="the day it belongs to (Asia/Shanghai)")
    at: datetime = Field(sa_type=UTCDateTime, description="when it was sent or made (UTC)")
    channel: Channel = Field(sa_column=enum_column(Channel, nullable=False))
    direction: ContactDirection = Field(
        default=ContactDirection.OUTBOUND, sa_column=enum_column(ContactDirection, nullable=False)
    )
    party: Party = Field(default=Party.DEBTOR, sa_column=enum_column(Party, nullable=False))
    to_masked: str = Field(default="", max_length=200, description="recipient, masked")
    template: str | None = Field(default=None, max_length=120)
    template_version: int | None = None
    document_id: int | None = Field(default=None, description="the stored letter (mail)")
    status: ContactStatus = Field(sa_column=enum_column(ContactStatus, nullable=False))
    outcome: CallOutcome | None = Field(default=None, sa_column=enum_column(CallOutcome))
    demand: bool = Field(default=False, description="a written demand that reached the debtor")
    proof_ref: str | None = Field(default=None, max_length=200)
    tracking_number: str | None = Field(default=None, max_length=64)
    delivered_on: date | None = None
    reason: str = Field(default="", description="why it failed or was returned")
    conduct: str = Field(default="", max_length=64, description="conduct pack that allowed it")
    actor: str = Field(default="system", max_length=64)
    note: str = Field(default="")


class Contact(ContactBase, table=True):
    __tablename__ = "contact"
    __table_args__ = (sa.Index("ix_contact_case_as_of", "case_id", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True, description="case|step|channel|as-of")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
