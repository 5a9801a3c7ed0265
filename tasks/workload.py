"""Who carries how many open cases, and who is over capacity: one query for `duecourse users`
and the daily cycle's artifact."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models import Case
from rules.enums import CaseStatus
from rules.roster import User, over_capacity


def open_case_loads(conn: Connection) -> dict[str, int]:
    """Open cases per owner (one GROUP BY; cases without an owner are not counted)."""
    c = Case.__table__  # type: ignore[attr-defined]
    query = (
        sa.select(c.c.owner, sa.func.count())
        .where(c.c.status == CaseStatus.OPEN, c.c.owner.is_not(None))
        .group_by(c.c.owner)
    )
    return {str(owner): int(n) for owner, n in conn.execute(query)}


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
