"""Owners: cases needing an owner go to the least-loaded user of the stage's role.

"Least-loaded" is relative to capacity (open cases / capacity), ties by fewer cases, then name,
so users with more capacity take proportionally more. High-risk cases are placed first, so they
get the emptiest desks. When every user of the role is full, the least-loaded still gets the case
and `capacity_exceeded` is reported. A role nobody holds leaves its cases unassigned (the policy
validator rejects a ladder whose roles are not staffed). The caller keeps owners sticky: it only
asks for cases with no owner or whose owner's role is not the stage's owner role.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

from rules.enums import RiskTier, Role, risk_rank
from rules.roster import User

NeedsOwner = tuple[int, Role, RiskTier | None]  # (case_id, role, risk tier)


def _key(load: int, capacity: int, name: str) -> tuple[bool, float, int, str]:
    full = load >= capacity
    share = load / capacity if capacity > 0 else float("inf")
    return (full, share, load, name)


def least_loaded(
    users: Sequence[User], role: Role, loads: Mapping[str, int], exclude: str | None = None
) -> str | None:
    """The user of `role` (other than `exclude`) who would take the next case under the same
    balancing as `assign_owners`: within capacity first, then the smallest share of capacity,
    then fewer cases, then name. None when nobody holds the role."""
    candidates = [u for u in users if u.role == role and u.name != exclude]
    if not candidates:
        return None
    best = min(candidates, key=lambda u: _key(loads.get(u.name, 0), u.capacity, u.name))
    return best.name


def assign_owners(
    cases_needing_owner: Sequence[NeedsOwner],
    users: Sequence[User],
    loads: Mapping[str, int],
) -> tuple[dict[int, str], bool]:
    """Assignments case_id -> user name, and whether any user was given more than capacity.

    `loads`: current open cases per user name (missing names count as 0). Not mutated.
    """
    heaps: dict[Role, list[tuple[tuple[bool, float, int, str], int, User]]] = {}
    current = {u.name: loads.get(u.name, 0) for u in users}
    for i, u in enumerate(users):
        heaps.setdefault(u.role, []).append((_key(current[u.name], u.capacity, u.name), i, u))
    for each in heaps.values():
        heapq.heapify(each)
    ordered = sorted(cases_needing_owner, key=lambda c: (risk_rank(c[2]), c[0]))
    assignments: dict[int, str] = {}
    exceeded = False
    for case_id, role, _tier in ordered:
        heap = heaps.get(role)
        if not heap:
            continue
        _, index, user = heap[0]
        load = current[user.name]
        if load >= user.capacity:
            exceeded = True
        assignments[case_id] = user.name
        current[user.name] = load + 1
        heapq.heapreplace(heap, (_key(load + 1, user.capacity, user.name), index, user))
    return assignments, exceeded


def needs_new_owner(owner: str | None, stage_role: Role | None, users: Mapping[str, User]) -> bool:
    """True when a case's owner must change: none yet, not in the roster, or of another role."""
    if stage_role is None:
        return False
    if owner is None or owner not in users:
        return True
    return users[owner].role != stage_role
