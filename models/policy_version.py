"""Every policy version ever used, with its content, so the version on an action line can be
looked up years later (`duecourse policy show --version V`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class PolicyVersion(SQLModel, table=True):
    __tablename__ = "policy_version"

    version: str = Field(primary_key=True, max_length=64, description="sha256 of the content")
    label: str = Field(default="", max_length=200)
    content: str = Field(description="canonical JSON of what the version hashes")
    first_used: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
