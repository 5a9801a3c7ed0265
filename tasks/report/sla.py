"""Milestone SLA attainment per owner and per team: met / (met + missed) for the milestones
closed (met or missed) in the period. Waived milestones (the case closed) count for neither.

One GROUP BY (owner, status) over the milestones closed in the period; teams come from the
roster (policy/roster.yaml), summed over their owners' rows. A milestone without an owner is
"(unassigned)", an owner the roster does not know is in team "(not in roster)".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.milestone import Milestone
from rules.enums import MilestoneStatus
from rules.roster import User
from tasks.report.period import Period, rate

MILESTONE: sa.Table = Milestone.__table__  # type: ignore[attr-defined]
UNASSIGNED = "(unassigned)"
NOT_IN_ROSTER = "(not in roster)"


@dataclass(frozen=True)
class Attainment:
    """One owner's, team's or the whole portfolio's milestones met and missed."""

    name: str
    met: int
    missed: int
    team: str = ""

    @property
    def closed(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return rate(self.met, self.closed)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.team:
            out["team"] = self.team
        return out | {"met": self.met, "missed": self.missed, "attainment": self.rate}


@dataclass(frozen=True)
class SlaReport:
    total: Attainment
    by_owner: list[Attainment]  # lowest attainment first, then most missed
    by_team: list[Attainment]

    def as_dict(self) -> dict[str, Any]:
        return {
            "met": self.total.met,
            "missed": self.total.missed,
            "attainment": self.total.rate,
            "by_owner": [a.as_dict() for a in self.by_owner],
            "by_team": [a.as_dict() for a in self.by_team],
        }


def closed_counts(conn: Connection, where: Any) -> dict[str, tuple[int, int]]:
    """owner -> (met, missed) among the milestones matching `where`."""
    m = MILESTONE
    rows = conn.execute(
        sa.select(m.c.owner, m.c.status, sa.func.count())
        .where(where, m.c.status.in_([MilestoneStatus.MET, MilestoneStatus.MISSED]))
        .group_by(m.c.owner, m.c.status)
    )
    out: dict[str, tuple[int, int]] = {}
    for owner, status, n in rows:
        met, missed = out.get(owner or UNASSIGNED, (0, 0))
        if MilestoneStatus(status) == MilestoneStatus.MET:
            met += int(n)
        else:
            missed += int(n)
        out[owner or UNASSIGNED] = (met, missed)
    return out


def _order(rows: Iterable[Attainment]) -> list[Attainment]:
    return sorted(rows, key=lambda a: (a.rate if a.rate is not None else 2.0, -a.missed, a.name))


def attainment(counts: dict[str, tuple[int, int]], users: Sequence[User]) -> SlaReport:
    """Owners' counts summed into teams and a total."""
    team_of = {u.name: u.team or "(no team)" for u in users}
    team_of[UNASSIGNED] = ""
    owners = [
        Attainment(name, met, missed, team_of.get(name, NOT_IN_ROSTER))
        for name, (met, missed) in counts.items()
    ]
    teams: dict[str, tuple[int, int]] = {}
    for a in owners:
        key = a.team or UNASSIGNED
        met, missed = teams.get(key, (0, 0))
        teams[key] = (met + a.met, missed + a.missed)
    total = Attainment("all", sum(a.met for a in owners), sum(a.missed for a in owners))
    return SlaReport(
        total=total,
        by_owner=_order(owners),
        by_team=_order(Attainment(t, met, missed) for t, (met, missed) in teams.items()),
    )


def sla_report(conn: Connection, period: Period, users: Sequence[User]) -> SlaReport:
    closed_in = MILESTONE.c.closed_on.between(period.start, period.end)
    return attainment(closed_counts(conn, closed_in), users)
