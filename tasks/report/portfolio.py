"""The open portfolio as it stands in the store: ageing, workload against capacity, legal pipeline.

These are point-in-time figures: the cases' current bucket, stage and owner (the store keeps no
history of stages but the timeline), ages counted to the day of the latest daily cycle
(`last_cycle_day`; the report's end when none has run; the report says which). Each is one
GROUP BY over the open cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.cycle import CycleRun
from models.review import Review
from rules.enums import Bucket, CaseStatus, ReviewKind, ReviewStatus, RunStatus, Stage
from rules.roster import User, over_capacity
from tasks.report.outcomes import CASE
from tasks.report.period import Period

REVIEW: sa.Table = Review.__table__  # type: ignore[attr-defined]
CYCLE_RUN: sa.Table = CycleRun.__table__  # type: ignore[attr-defined]

# days in the current stage: (label, lowest day of the band); the last band is open-ended
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("0-7", 0), ("8-30", 8), ("31-60", 31), ("61-90", 61), ("91+", 91),
)  # fmt: skip
LEGAL_STAGES: tuple[Stage, ...] = (
    Stage.LAWYER_LETTER, Stage.PAYMENT_ORDER, Stage.LITIGATION, Stage.ENFORCEMENT,
)  # fmt: skip


def last_cycle_day(conn: Connection) -> date | None:
    """The as-of of the latest successful daily cycle (what the open cases reflect), if any."""
    r = CYCLE_RUN
    day: date | None = conn.execute(
        sa.select(sa.func.max(r.c.as_of)).where(
            r.c.flow == "daily_cycle", r.c.status == RunStatus.SUCCEEDED
        )
    ).scalar()
    return day


@dataclass(frozen=True)
class Ageing:
    """Open cases by bucket and by days in their current stage (counted to `day`)."""

    day: date
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # bucket -> band -> cases

    @property
    def total(self) -> int:
        return sum(self.by_bucket.values())

    @property
    def by_bucket(self) -> dict[str, int]:
        rows = self.counts
        return {b.value: sum(rows[b.value].values()) for b in Bucket if b.value in rows}

    @property
    def by_band(self) -> dict[str, int]:
        return {label: sum(row.get(label, 0) for row in self.counts.values())
                for label, _ in AGE_BANDS}  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.day,
            "open_cases": self.total,
            "by_bucket": self.by_bucket,
            "by_days_in_stage": self.by_band,
            "bucket_by_days_in_stage": {b: dict(self.counts[b]) for b in self.by_bucket},
        }


def band_expression(day: date) -> Any:
    """The band of a case's days in stage (`day` - stage_entered_on) as a CASE over dates, the
    oldest band first (portable: no date arithmetic in SQL)."""
    entered = CASE.c.stage_entered_on
    whens = [(entered <= day - timedelta(days=low), label) for label, low in reversed(AGE_BANDS)]
    return sa.case(*whens[:-1], else_=AGE_BANDS[0][0])


def ageing(conn: Connection, day: date) -> Ageing:
    c = CASE
    band = band_expression(day).label("band")
    bucket = sa.cast(c.c.bucket, sa.String).label("bucket")
    rows = conn.execute(
        sa.select(bucket, band, sa.func.count())
        .where(c.c.status == CaseStatus.OPEN)
        .group_by(bucket, band)
    )
    counts: dict[str, dict[str, int]] = {}
    for b, label, n in rows:
        counts.setdefault(str(b), {})[str(label)] = int(n)
    return Ageing(day, counts)


@dataclass(frozen=True)
class Load:
    """A person's open cases against their capacity (None: an owner the roster does not know)."""

    name: str
    role: str
    team: str
    capacity: int | None
    open_cases: int

    @property
    def over(self) -> int:
        """Cases beyond capacity (0 within it, and for an owner with no capacity to compare)."""
        return max(self.open_cases - self.capacity, 0) if self.capacity is not None else 0

    @property
    def load(self) -> float | None:
        return self.open_cases / self.capacity if self.capacity else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "role": self.role, "team": self.team, "capacity": self.capacity,
            "open_cases": self.open_cases, "load": self.load, "over_by": self.over,
        }  # fmt: skip


@dataclass(frozen=True)
class Workload:
    """Everyone's load; who is over capacity (rules.roster.over_capacity: the roster's users
    carrying more than their capacity, most over by share first, as `duecourse users` says);
    owners of open cases the roster does not know; open cases without an owner."""

    people: list[Load]
    over_capacity: list[str]
    unassigned: int

    @property
    def unrostered(self) -> list[str]:
        return [p.name for p in self.people if p.capacity is None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": [p.as_dict() for p in self.people],
            "over_capacity": self.over_capacity,
            "owners_not_in_roster": self.unrostered,
            "unassigned_open_cases": self.unassigned,
        }


def open_loads(conn: Connection) -> dict[str | None, int]:
    """Open cases per owner (None: no owner)."""
    c = CASE
    rows = conn.execute(
        sa.select(c.c.owner, sa.func.count())
        .where(c.c.status == CaseStatus.OPEN)
        .group_by(c.c.owner)
    )
    return {owner: int(n) for owner, n in rows}


def workload(conn: Connection, users: Sequence[User]) -> Workload:
    loads = open_loads(conn)
    owned = {k: v for k, v in loads.items() if k is not None}
    people = [Load(u.name, u.role.value, u.team, u.capacity, owned.get(u.name, 0)) for u in users]
    rostered = {u.name for u in users}
    people += [
        Load(name, "-", "(not in roster)", None, n)
        for name, n in sorted(owned.items())
        if name not in rostered
    ]
    over = [u.name for u, _ in over_capacity(users, owned)]
    return Workload(people, over, loads.get(None, 0))


@dataclass(frozen=True)
class LegalPipeline:
    """Open cases per legal stage (of which entered in the period), pending reviews per target."""

    open_cases: dict[str, int]
    entered_in_period: dict[str, int]
    pending_reviews: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "stages": [
                {
                    "stage": s.value,
                    "open_cases": self.open_cases.get(s.value, 0),
                    "entered_in_period": self.entered_in_period.get(s.value, 0),
                    "pending_reviews": self.pending_reviews.get(s.value, 0),
                }
                for s in LEGAL_STAGES
            ],
            "pending_reviews_total": sum(self.pending_reviews.values()),
        }


def legal_pipeline(conn: Connection, period: Period) -> LegalPipeline:
    c, r = CASE, REVIEW
    stage = sa.cast(c.c.stage, sa.String).label("stage")
    entered = sa.func.sum(sa.case((c.c.stage_entered_on >= period.start, 1), else_=0))
    cases = conn.execute(
        sa.select(stage, sa.func.count(), entered)
        .where(c.c.status == CaseStatus.OPEN, c.c.stage.in_(LEGAL_STAGES))
        .group_by(stage)
    ).all()
    target = sa.cast(r.c.target_stage, sa.String).label("target")
    reviews = conn.execute(
        sa.select(target, sa.func.count())
        .where(r.c.status == ReviewStatus.PENDING, r.c.kind == ReviewKind.STAGE)
        .group_by(target)
    ).all()
    return LegalPipeline(
        open_cases={str(s): int(n) for s, n, _ in cases},
        entered_in_period={str(s): int(e or 0) for s, _, e in cases},
        pending_reviews={str(s): int(n) for s, n in reviews},
    )


def open_by_stage(conn: Connection) -> dict[str, int]:
    """Open cases per stage, in ladder order of the Stage enum (the artifact's table)."""
    c = CASE
    stage = sa.cast(c.c.stage, sa.String).label("stage")
    rows: dict[str, int] = {
        str(s): int(n)
        for s, n in conn.execute(
            sa.select(stage, sa.func.count()).where(c.c.status == CaseStatus.OPEN).group_by(stage)
        )
    }
    return {s.value: rows[s.value] for s in Stage if s.value in rows}
