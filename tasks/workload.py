"""Who carries how many open cases (the same query the cycle balances owners by) and who is over
capacity: for `duecourse users` and the daily cycle's artifact."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rules.roster import User, over_capacity
from tasks.cycle.read import open_case_loads

__all__ = ["open_case_loads", "over_capacity_line", "over_capacity_rows"]


def over_capacity_rows(users: Iterable[User], loads: dict[str, int]) -> list[dict[str, Any]]:
    """`{name, role, team, capacity, open_cases}` of each user over capacity, most over first."""
    return [
        {
            "name": u.name,
            "role": u.role.value,
            "team": u.team,
            "capacity": u.capacity,
            "open_cases": load,
        }
        for u, load in over_capacity(users, loads)
    ]


def over_capacity_line(rows: Iterable[dict[str, Any]]) -> str:
    """`over capacity: demo.a 160/150, demo.b 3/0` or `nobody over capacity`."""
    named = [f"{r['name']} {r['open_cases']}/{r['capacity']}" for r in rows]
    return f"over capacity: {', '.join(named)}" if named else "nobody over capacity"
