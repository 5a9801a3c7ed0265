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


def hand_out(
    users: Sequence[User], role: Role, loads: Mapping[str, int], n: int
) -> tuple[list[str], bool]:
    """Who takes each of the next `n` cases of `role`, in order, and whether anyone was given
    more than capacity. Each case goes to the user who would then hold the smallest share of
    capacity (within capacity first; ties: fewer cases, then name). `loads` is not mutated."""
    heap = [
        (_key(loads.get(u.name, 0), u.capacity, u.name), i, u)
        for i, u in enumerate(users)
        if u.role == role
    ]
    if not heap:
        return [], False
    heapq.heapify(heap)
    current = {u.name: loads.get(u.name, 0) for _k, _i, u in heap}
    out: list[str] = []
    exceeded = False
    for _ in range(n):
        _, index, user = heap[0]
        load = current[user.name]
        exceeded = exceeded or load >= user.capacity
        out.append(user.name)
        current[user.name] = load + 1
        heapq.heapreplace(heap, (_key(load + 1, user.capacity, user.name), index, user))
    return out, exceeded


def assign_owners(
    cases_needing_owner: Sequence[NeedsOwner],
    users: Sequence[User],
    loads: Mapping[str, int],
) -> tuple[dict[int, str], bool]:
    """Assignments case_id -> user name, and whether any user was given more than capacity:
    per role, the cases highest risk first (then by id) take `hand_out`'s users in turn.

    `loads`: current open cases per user name (missing names count as 0). Not mutated.
    """
    by_role: dict[Role, list[int]] = {}
    for case_id, role, _tier in sorted(cases_needing_owner, key=lambda c: (risk_rank(c[2]), c[0])):
        by_role.setdefault(role, []).append(case_id)
    assignments: dict[int, str] = {}
    exceeded = False
    for role, ids in by_role.items():
        names, over = hand_out(users, role, loads, len(ids))
        exceeded = exceeded or over
        assignments.update(zip(ids, names, strict=False))
    return assignments, exceeded


def needs_new_owner(owner: str | None, stage_role: Role | None, users: Mapping[str, User]) -> bool:
    """True when a case's owner must change: none yet, not in the roster, or of another role."""
    if stage_role is None:
        return False
    if owner is None or owner not in users:
        return True
    return users[owner].role != stage_role
