"""Web console sign-in: each roster user's password hash, and failed sign-ins for the rate limit.

The hash is argon2id (tasks/credentials.py); a password is never stored in clear. Failures are
kept in the store, not in a process, so several web workers count the same attempts.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class UserCredential(SQLModel, table=True):
    __tablename__ = "user_credential"

    name: str = Field(primary_key=True, max_length=64, description="the roster name")
    password_hash: str = Field(max_length=512)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_name_at", "name", "at"),
        sa.Index("ix_login_failure_client_at", "client", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, description="the name typed (cut to 64 characters)")
    client: str = Field(max_length=64, description="the client's address")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
