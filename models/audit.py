"""The audit chain: an append-only table whose rows are hash-chained (issue 19 item 8).

Every approval, legal event, document, placement and stage change appends one row
(tasks/audit.py `record`, `record_many`); `duecourse audit verify` names the first row edited,
removed or moved (rules/audit_chain.py). Ids are assigned by the writer, 1, 2, 3... without gaps,
under a lock (not by a sequence, which a rolled-back insert would leave with a hole). `data` is
the canonical JSON text the hash covers, personal data masked. On PostgreSQL a trigger refuses
UPDATE, DELETE and TRUNCATE (migration 0010). No foreign keys: the chain outlives whatever it
speaks of, and a row must never fail because its subject changed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column
from rules.enums import AuditAction


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_case", "case_id", "id"),)

    # the head's id plus one, read under the chain's lock: two writers chaining from the same
    # row would both take the same id, and the second is refused (no fork)
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=64)
    action: AuditAction = Field(sa_column=enum_column(AuditAction, nullable=False))
    subject_type: str = Field(max_length=32, description="what it is about: review, case, ...")
    subject_id: str = Field(max_length=64, description="that subject's id or code")
    case_id: int | None = Field(default=None)
    data: str = Field(description="canonical JSON (rules.audit_chain), personal data masked")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
