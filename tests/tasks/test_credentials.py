"""Web console passwords (argon2) and the sign-in rate limit, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, select

from models import LoginFailure, UserCredential
from models.types import utcnow
from rules.errors import InputError
from tasks import credentials
from tasks.credentials import (
    clear_login_failures,
    has_password,
    login_wait,
    record_login_failure,
    set_password,
    verify,
)

PASSWORD = "a long enough secret"


def test_a_password_is_stored_as_an_argon2id_hash_and_verified(session: Session) -> None:
    assert not has_password(session, "li.legal")
    set_password(session, "li.legal", PASSWORD)
    session.commit()
    row = session.get(UserCredential, "li.legal")
    assert row is not None and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert verify(session, "li.legal", PASSWORD)
    assert not verify(session, "li.legal", PASSWORD + "!")
    assert not verify(session, "nobody", PASSWORD)
    assert not verify(session, "li.legal", "x" * (credentials.MAX_LENGTH + 1))
    before = row.password_hash
    set_password(session, "li.legal", "another long secret")
    assert row.password_hash != before and verify(session, "li.legal", "another long secret")
    assert not verify(session, "li.legal", PASSWORD)


@pytest.mark.parametrize(
    ("password", "why"),
    [("short", "at least 10 characters"), ("x" * 1025, "at most 1024 characters")],
)
def test_a_password_too_short_or_too_long_is_refused_without_quoting_it(
    session: Session, password: str, why: str
) -> None:
    with pytest.raises(InputError, match=why) as refused:
        set_password(session, "li.legal", password)
    assert password not in str(refused.value)
    assert not has_password(session, "li.legal")


def test_a_hash_of_older_parameters_is_replaced_at_the_next_good_sign_in(
    session: Session,
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    session.add(UserCredential(name="li.legal", password_hash=weak.hash(PASSWORD)))
    session.commit()
    assert not verify(session, "li.legal", "wrong password!")
    row = session.get(UserCredential, "li.legal")
    assert row is not None and "m=8192" in row.password_hash  # a failure changes nothing
    assert verify(session, "li.legal", PASSWORD)
    session.commit()
    session.refresh(row)
    assert "m=8192" not in row.password_hash and verify(session, "li.legal", PASSWORD)


def test_five_failures_of_a_name_or_an_address_within_fifteen_minutes_block(
    session: Session,
) -> None:
    for i in range(4):
        record_login_failure(session, "li.legal", f"10.0.0.{i}")
    assert login_wait(session, "li.legal", "10.0.0.9") == 0
    record_login_failure(session, "li.legal", "10.0.0.5")
    session.commit()
    now = utcnow()  # just after the five
    assert login_wait(session, "li.legal", "10.0.0.9") == 15
    assert login_wait(session, "wang.c", "10.0.0.9") == 0  # another name, another address
    # 14 minutes on, the oldest failure leaves the window in a minute
    assert login_wait(session, "li.legal", "x", now=now + timedelta(minutes=14)) == 1
    assert login_wait(session, "li.legal", "x", now=now + timedelta(minutes=15, seconds=5)) == 0
    for i in range(5):
        record_login_failure(session, f"guess.{i}", "10.9.9.9")
    assert login_wait(session, "wang.c", "10.9.9.9") == 15
    clear_login_failures(session, "li.legal")
    assert login_wait(session, "li.legal", "10.0.0.9") == 0
    assert login_wait(session, "wang.c", "10.9.9.9") == 15  # the address's failures remain


def test_a_typed_name_longer_than_the_column_is_cut_not_refused(session: Session) -> None:
    long_name = "n" * 300
    for _ in range(5):
        record_login_failure(session, long_name, "c" * 100)
    session.commit()
    assert login_wait(session, long_name, "elsewhere") == 15


def test_failures_out_of_the_window_are_deleted_when_the_next_is_recorded(
    session: Session,
) -> None:
    old = utcnow() - timedelta(minutes=16)
    session.add(LoginFailure(name="li.legal", client="10.0.0.1", at=old))
    session.add(LoginFailure(name="other", client="10.0.0.2", at=old))
    session.commit()
    record_login_failure(session, "li.legal", "10.0.0.3")
    session.commit()
    left = sorted(f.name for f in session.exec(select(LoginFailure)).all())
    assert left == ["li.legal", "other"]  # the new one, and another name's from elsewhere
