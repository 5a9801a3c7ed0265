"""Web console passwords and the sign-in rate limit.

Passwords are hashed with argon2id (argon2-cffi's PasswordHasher, its recommended parameters);
a hash made with older parameters is replaced at the next successful sign-in. A password is never
stored, logged or echoed in clear. Failed sign-ins are rows in the store (`login_failure`), so
every web worker counts the same attempts: 5 failures for a name, or from a client address,
within 15 minutes block further attempts until the oldest of them is 15 minutes old.
"""

from __future__ import annotations

import contextlib
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, col, select

from models.credential import LoginFailure, UserCredential
from models.types import utcnow
from rules.errors import InputError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 hashes anything, but a megabyte "password" is an attack, not a secret
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
NAME_WIDTH = 64  # the column's width: a longer typed name is cut, never refused

_hasher = PasswordHasher()
# Verified against when the name has no password, so a wrong name takes as long as a wrong
# password (the timing does not tell which names exist).
_DUMMY_HASH = _hasher.hash("not a password of anyone's")


def check_password_rules(password: str) -> None:
    """Refuse (InputError, one line that never quotes it) a password too short or too long."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InputError(f"the password must have at most {MAX_LENGTH} characters")


def set_password(session: Session, user_name: str, password: str) -> None:
    """Store the argon2 hash of `password` for `user_name` (replacing any); the caller checks
    that the name is on the roster and commits."""
    check_password_rules(password)
    row = session.get(UserCredential, user_name)
    if row is None:
        row = UserCredential(name=user_name, password_hash=_hasher.hash(password))
    else:
        row.password_hash = _hasher.hash(password)
        row.updated_at = utcnow()
    session.add(row)
    session.flush()


def has_password(session: Session, user_name: str) -> bool:
    return session.get(UserCredential, user_name) is not None


def verify(session: Session, user_name: str, password: str) -> bool:
    """Whether `password` is `user_name`'s; rehashes (the caller commits) when the hash was made
    with other parameters than today's."""
    row = session.get(UserCredential, user_name)
    if row is None or len(password) > MAX_LENGTH:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password[:MAX_LENGTH])
        return False
    try:
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
    return True


def record_login_failure(session: Session, name: str, client: str) -> None:
    """One failed sign-in, for the rate limit (the caller commits). The name's and the
    client's failures that have left the window are deleted, so the table stays small."""
    name, client = name[:NAME_WIDTH], client[:NAME_WIDTH]
    now = utcnow()
    for column, value in ((LoginFailure.name, name), (LoginFailure.client, client)):
        session.execute(
            sa.delete(LoginFailure).where(
                col(column) == value, col(LoginFailure.at) <= now - FAILURE_WINDOW
            )
        )
    session.add(LoginFailure(name=name, client=client, at=now))
    session.flush()


def password_changed_at(session: Session, user_name: str) -> datetime | None:
    """When `user_name`'s password was last set (None: it has none). A web session begun
    before it is no longer valid: setting a password signs every old session out."""
    row = session.get(UserCredential, user_name)
    return row.updated_at if row is not None else None


def clear_login_failures(session: Session, name: str) -> None:
    """A successful sign-in forgets the name's failures (the client's stay counted)."""
    session.execute(sa.delete(LoginFailure).where(col(LoginFailure.name) == name[:NAME_WIDTH]))


def login_wait(session: Session, name: str, client: str, *, now: datetime | None = None) -> int:
    """Minutes (rounded up, at least 1) until `name` may try again from `client`; 0 when the
    attempt may go ahead. Blocked when the name, or the client address, has MAX_FAILURES
    failures within FAILURE_WINDOW."""
    now = now or utcnow()
    since = now - FAILURE_WINDOW
    waits = [0.0]
    client = client[:NAME_WIDTH]
    for column, value in ((LoginFailure.name, name[:NAME_WIDTH]), (LoginFailure.client, client)):
        recent = session.exec(
            select(LoginFailure.at)
            .where(col(column) == value, col(LoginFailure.at) > since)
            .order_by(col(LoginFailure.at).desc())
            .limit(MAX_FAILURES)
        ).all()
        if len(recent) >= MAX_FAILURES:
            oldest = recent[-1]  # of the last MAX_FAILURES: when it leaves the window, one frees
            waits.append((oldest + FAILURE_WINDOW - now).total_seconds())
    wait = max(waits)
    return max(1, math.ceil(wait / 60)) if wait > 0 else 0
