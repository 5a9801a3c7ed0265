"""Who may decide a review: legal approvals need the legal role (design.md principle 6)."""

from __future__ import annotations

from rules.enums import Role

# A review needing the key role may be decided by these roles.
DECIDERS: dict[Role, frozenset[Role]] = {
    Role.LEGAL: frozenset({Role.LEGAL}),
    Role.SUPERVISOR: frozenset({Role.SUPERVISOR}),
    Role.COLLECTOR: frozenset({Role.COLLECTOR, Role.SUPERVISOR}),
    Role.OPS: frozenset({Role.OPS, Role.SUPERVISOR}),
}


def may_decide(user_role: Role, required_role: Role) -> bool:
    return user_role in DECIDERS[required_role]
