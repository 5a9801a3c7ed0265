"""The people who own cases: name, role, team, how many open cases each can carry, and an
e-mail address (the ops role's failure alerts go to it)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from rules.enums import Role

# One address, no display name: local part, "@", a domain with at least one dot (no spaces).
_EMAIL_RE = re.compile(r"[^@\s<>(),;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _one_address(value: str) -> str:
    if len(value) > 254 or not _EMAIL_RE.fullmatch(value):
        raise ValueError("must be one e-mail address, like ops@bank.example.com")
    return value


Email = Annotated[str, AfterValidator(_one_address)]


class User(BaseModel):
    """One person of the roster (policy/roster.yaml). `name` is what cases store as owner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^\S+$")
    display_name: str = Field(min_length=1)
    role: Role
    team: str = ""
    capacity: int = Field(default=0, ge=0)
    # Optional; the ops role's users need one to receive failure alerts (tasks/notify/alerts.py).
    email: Email | None = None
    demo: bool = False


class Roster(BaseModel):
    """The whole roster file: `users: [...]`, names unique."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    users: list[User] = Field(default_factory=list)

    def by_name(self) -> dict[str, User]:
        return {u.name: u for u in self.users}

    def roles(self) -> set[Role]:
        return {u.role for u in self.users}

    def of_role(self, role: Role) -> list[User]:
        return [u for u in self.users if u.role == role]


def over_capacity(users: Iterable[User], loads: Mapping[str, int]) -> list[tuple[User, int]]:
    """Who carries more open cases than their capacity (a capacity of 0 carries none), with
    their load, most over (by share of capacity) first."""
    over = [(u, loads.get(u.name, 0)) for u in users if loads.get(u.name, 0) > u.capacity]

    def share(pair: tuple[User, int]) -> tuple[float, str]:
        user, load = pair
        return (-(load / user.capacity) if user.capacity else -float("inf"), user.name)

    return sorted(over, key=share)


def duplicate_names(users: Iterable[User]) -> list[tuple[int, str]]:
    """(index, name) of every user whose name was already used above it."""
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for i, u in enumerate(users):
        if u.name in seen:
            out.append((i, u.name))
        seen.add(u.name)
    return out
