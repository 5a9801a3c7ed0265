"""Roll rates between buckets, from the balance snapshots (one GROUP BY over the period).

For each snapshot day d of the period but the last, every account in the snapshot of d is counted
once, by its bucket on d (row) and its bucket on the next snapshot day of the period (column);
an account missing from the next day's snapshot is counted under ABSENT. A row's shares sum to 1.
The scan reads the snapshots in their key order (account, day) and pairs each row with the
account's next one by a window function: no join, no per-account work in Python.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.snapshot import BalanceSnapshot
from rules.enums import Bucket
from tasks.report.period import Period, rate

SNAPSHOT: sa.Table = BalanceSnapshot.__table__  # type: ignore[attr-defined]
ABSENT = "absent"  # not in the next day's snapshot


@dataclass(frozen=True)
class RollRates:
    """counts[from_bucket][to_bucket] accounts; `days` the snapshot days of the period."""

    days: list[date]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def rows(self) -> list[str]:
        """Buckets accounts rolled from, in bucket order."""
        return [b.value for b in Bucket if b.value in self.counts]

    @property
    def columns(self) -> list[str]:
        """Buckets accounts rolled to (bucket order), then ABSENT if any account left."""
        seen = {to for row in self.counts.values() for to in row}
        return [b.value for b in Bucket if b.value in seen] + ([ABSENT] if ABSENT in seen else [])

    def total(self, from_bucket: str) -> int:
        return sum(self.counts.get(from_bucket, {}).values())

    def share(self, from_bucket: str, to_bucket: str) -> float | None:
        return rate(self.counts.get(from_bucket, {}).get(to_bucket, 0), self.total(from_bucket))

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot_days": [d.isoformat() for d in self.days],
            "transitions": max(len(self.days) - 1, 0),
            "rows": self.rows,
            "columns": self.columns,
            "counts": {r: dict(self.counts[r]) for r in self.rows},
            "shares": {r: {c: self.share(r, c) for c in self.columns} for r in self.rows},
            "totals": {r: self.total(r) for r in self.rows},
        }


def snapshot_days(conn: Connection, period: Period) -> list[date]:
    """The days of the period with a snapshot, in order (one index seek per day found)."""
    s = SNAPSHOT
    days: list[date] = []
    after = sa.bindparam("after", type_=sa.Date)
    stmt = sa.select(sa.func.min(s.c.as_of)).where(s.c.as_of > after, s.c.as_of <= period.end)
    first = conn.execute(
        sa.select(sa.func.min(s.c.as_of)).where(s.c.as_of.between(period.start, period.end))
    ).scalar()
    while first is not None:
        days.append(first)
        first = conn.execute(stmt, {"after": first}).scalar()
    return days


def roll_statement(days: list[date]) -> sa.Select[Any]:
    """The set-based query: (bucket on d, bucket on the next snapshot day or ABSENT, accounts)."""
    s = SNAPSHOT
    next_as_of = sa.func.lead(s.c.as_of).over(partition_by=s.c.account_id, order_by=s.c.as_of)
    next_bucket = sa.func.lead(s.c.bucket).over(partition_by=s.c.account_id, order_by=s.c.as_of)
    paired = (
        sa.select(
            s.c.as_of, s.c.bucket, next_as_of.label("next_as_of"), next_bucket.label("next_bucket")
        )
        .where(s.c.as_of.between(days[0], days[-1]))
        .subquery("paired")
    )
    # the day after each snapshot day, as one CASE (a period has a few dozen days)
    following = sa.case(dict(itertools.pairwise(days)), value=paired.c.as_of)
    to_bucket = sa.case(
        (paired.c.next_as_of == following, sa.cast(paired.c.next_bucket, sa.String)),
        else_=sa.literal(ABSENT),
    ).label("to_bucket")
    from_bucket = sa.cast(paired.c.bucket, sa.String).label("from_bucket")
    return (
        sa.select(from_bucket, to_bucket, sa.func.count().label("accounts"))
        .where(paired.c.as_of < days[-1])
        .group_by(from_bucket, to_bucket)
    )


def roll_rates(conn: Connection, period: Period) -> RollRates:
    days = snapshot_days(conn, period)
    if len(days) < 2:
        return RollRates(days=days)
    counts: dict[str, dict[str, int]] = {}
    for from_bucket, to_bucket, n in conn.execute(roll_statement(days)):
        counts.setdefault(str(from_bucket), {})[str(to_bucket)] = int(n)
    return RollRates(days=days, counts=counts)
