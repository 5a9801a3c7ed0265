"""The roster's optional e-mail address (validated) and who is over capacity."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rules.enums import Role
from rules.roster import User, over_capacity


def user(name: str, capacity: int, **kw: str) -> User:
    return User(name=name, display_name=name, role=Role.COLLECTOR, capacity=capacity, **kw)


def test_an_email_is_optional_and_must_be_one_address() -> None:
    assert user("a", 1).email is None
    assert user("a", 1, email="ops.team@bank.example.com").email == "ops.team@bank.example.com"
    for bad in ("ops", "ops@localhost", "Ops <ops@bank.cn>", "a@b.cn, c@d.cn", "a b@bank.cn"):
        with pytest.raises(ValidationError, match="must be one e-mail address, like ops@bank"):
            user("a", 1, email=bad)


def test_over_capacity_most_over_first_and_a_zero_capacity_carries_none() -> None:
    users = [user("ann", 10), user("bob", 2), user("cat", 0), user("dan", 0), user("eve", 5)]
    loads = {"ann": 12, "bob": 3, "cat": 1, "eve": 5}
    assert [(u.name, n) for u, n in over_capacity(users, loads)] == [
        ("cat", 1),  # capacity 0: any case is over
        ("bob", 3),  # 150%
        ("ann", 12),  # 120%
    ]
    assert over_capacity(users, {}) == []
