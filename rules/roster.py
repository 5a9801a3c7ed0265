"""The people who own cases: name, role, team and how many open cases each can carry."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from rules.enums import Role


class User(BaseModel):
    """One person of the roster (policy/roster.yaml). `name` is what cases store as owner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^\S+$")
    display_name: str = Field(min_length=1)
    role: Role
    team: str = ""
    capacity: int = Field(default=0, ge=0)
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


def duplicate_names(users: Iterable[User]) -> list[tuple[int, str]]:
    """(index, name) of every user whose name was already used above it."""
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for i, u in enumerate(users):
        if u.name in seen:
            out.append((i, u.name))
        seen.add(u.name)
    return out
