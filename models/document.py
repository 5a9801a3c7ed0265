"""Rendered documents and their number sequences.

A document is a row plus a file under `<home>/documents/<kind>/<year>/`. The row keeps the data
it was rendered from (JSON, personal data already masked as printed), so it can be rendered again
and compared, and the sha256 of the file, so `documents verify` can prove it unchanged.

`idempotency_key` (kind, case, as-of date, format) is unique: rendering the same kind for the same
case and date again returns the stored document. The PDF and DOCX of one letter share its number;
`(number, format)` is unique. Numbers come from `document_sequence`, one row per prefix and year,
advanced by an UPDATE in a short transaction of its own, so two processes never get the same
number; a number taken by an attempt that then fails is skipped, never reused.

A letter's number is fixed once, before any of its files is written: `document_number` holds one
row per (kind, case, as-of date), its primary key, and every format reads it. Two processes
rendering the PDF and the DOCX of one letter at once therefore print the same number (before,
each took its own), and a render killed after writing its files leaves the number to the next
attempt, which writes the same paths again.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Document(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (
        sa.UniqueConstraint("number", "format", name="uq_document_number_format"),
        sa.UniqueConstraint("idempotency_key", name="uq_document_idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    kind: str = Field(max_length=64, index=True)
    number: str | None = Field(default=None, max_length=32, index=True)
    format: str = Field(max_length=8, description="pdf, docx or text (documents.manifest.Format)")
    as_of: date = Field(index=True)
    path: str = Field(max_length=500, description="relative to <home>/documents")
    sha256: str = Field(max_length=64)
    size: int = 0
    pages: int | None = Field(default=None, description="pages of a PDF")
    template: str = Field(max_length=200, description="template file, relative to the templates")
    template_version: int
    data: str = Field(sa_type=sa.Text, description="JSON of the context it was rendered from")
    idempotency_key: str = Field(max_length=200)
    rendered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DocumentSequence(SQLModel, table=True):
    __tablename__ = "document_sequence"

    prefix: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    last: int = 0


class DocumentNumber(SQLModel, table=True):
    """The number of one letter, whatever its formats: (kind, case, as-of date) -> number."""

    __tablename__ = "document_number"
    __table_args__ = (sa.UniqueConstraint("number", name="uq_document_number_number"),)

    kind: str = Field(primary_key=True, max_length=64)
    case_id: int = Field(primary_key=True, foreign_key="collection_case.id")
    as_of: date = Field(primary_key=True)
    number: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
