"""Owner balancing: least-loaded within capacity, high risk first, overflow flagged."""

from __future__ import annotations

from collections import Counter

from rules.enums import RiskTier, Role, risk_rank
from rules.owners import assign_owners, least_loaded, needs_new_owner
from rules.roster import User


def user(name: str, role: Role = Role.COLLECTOR, capacity: int = 10) -> User:
    return User(name=name, display_name=name.upper(), role=role, capacity=capacity)


def test_balances_relative_to_capacity_and_respects_roles() -> None:
    users = [user("a", capacity=20), user("b", capacity=10), user("l", Role.LEGAL)]
    cases = [(i, Role.COLLECTOR, RiskTier.LOW) for i in range(15)] + [(99, Role.LEGAL, None)]
    assigned, exceeded = assign_owners(cases, users, {})
    assert not exceeded
    counts = Counter(assigned.values())
    assert counts == {"a": 10, "b": 5, "l": 1}
    assert assigned[99] == "l"


def test_existing_loads_count() -> None:
    users = [user("a"), user("b")]
    assigned, _ = assign_owners(
        [(1, Role.COLLECTOR, None), (2, Role.COLLECTOR, None)], users, {"a": 5, "b": 3}
    )
    assert assigned == {1: "b", 2: "b"}


def test_high_risk_goes_first_to_the_emptiest_desk() -> None:
    users = [user("a"), user("b")]
    cases = [(1, Role.COLLECTOR, RiskTier.LOW), (2, Role.COLLECTOR, RiskTier.HIGH)]
    assigned, _ = assign_owners(cases, users, {"a": 1, "b": 4})
    assert assigned[2] == "a"


def test_when_everyone_is_full_the_least_loaded_still_gets_it_and_it_is_flagged() -> None:
    users = [user("a", capacity=2), user("b", capacity=2)]
    cases = [(i, Role.COLLECTOR, None) for i in range(3)]
    assigned, exceeded = assign_owners(cases, users, {"a": 2, "b": 1})
    assert exceeded
    assert sorted(assigned.values()) == ["a", "b", "b"]
    _, exceeded = assign_owners(cases[:1], users, {"a": 2, "b": 1})
    assert not exceeded  # b had room for one


def test_a_role_nobody_holds_leaves_cases_unassigned() -> None:
    assigned, _ = assign_owners([(1, Role.LEGAL, RiskTier.HIGH)], [user("a")], {})
    assert assigned == {}


def test_needs_new_owner_is_sticky_within_the_role() -> None:
    by_name = {"a": user("a"), "l": user("l", Role.LEGAL)}
    assert not needs_new_owner("a", Role.COLLECTOR, by_name)
    assert needs_new_owner("a", Role.LEGAL, by_name)
    assert needs_new_owner(None, Role.COLLECTOR, by_name)
    assert needs_new_owner("gone", Role.COLLECTOR, by_name)
    assert not needs_new_owner("a", None, by_name)


def test_least_loaded_uses_the_same_rule_as_assignment() -> None:
    """One balancing rule: the share of capacity, not the raw count (a user with capacity 100
    and 30 cases is less loaded than one with capacity 10 and 5)."""
    users = [user("big", capacity=100), user("small", capacity=10), user("s", Role.SUPERVISOR)]
    loads = {"big": 30, "small": 5}
    assert least_loaded(users, Role.COLLECTOR, loads) == "big"
    assigned, _ = assign_owners([(1, Role.COLLECTOR, None)], users, loads)
    assert assigned[1] == least_loaded(users, Role.COLLECTOR, loads)
    assert least_loaded(users, Role.COLLECTOR, loads, exclude="big") == "small"
    assert least_loaded(users, Role.LEGAL, loads) is None
    full = {"big": 100, "small": 9}
    assert least_loaded(users, Role.COLLECTOR, full) == "small"  # within capacity first


def test_risk_rank_is_one_order() -> None:
    assert [risk_rank(t) for t in (RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW, None)] == [
        0, 1, 2, 3,
    ]  # fmt: skip
    assert risk_rank("medium") == 1 and risk_rank("bogus") == 3
