"""The promise-kept rate: of the promises to pay closed in the period as kept or broken (the
daily cycle marks them after their date plus grace, tasks/negotiation/monitor.py), the share
kept. A superseded promise (the debtor promised again) and one still open are not counted: they
were never put to the test. No promise closed in the period gives no rate (never 0%)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.promise import Promise
from rules.enums import PromiseStatus
from tasks.report.period import Period, rate

PROMISE: sa.Table = Promise.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PromiseKept:
    kept: int
    broken: int
    status: str = "recorded"

    @property
    def closed(self) -> int:
        return self.kept + self.broken

    @property
    def rate(self) -> float | None:
        return rate(self.kept, self.closed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "rate": self.rate,
            "kept": self.kept,
            "broken": self.broken,
            "closed_in_period": self.closed,
            "reason": f"{self.kept} kept / {self.closed} promises to pay kept or broken in the "
            "period (superseded and open ones not counted)",
        }


def promise_kept(conn: Connection, period: Period) -> PromiseKept:
    """Kept and broken promises closed from `period.start` to `period.end` (one query)."""
    p = PROMISE

    def count_if(status: PromiseStatus) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((p.c.status == status, 1), else_=0)), 0)

    kept, broken = conn.execute(
        sa.select(count_if(PromiseStatus.KEPT), count_if(PromiseStatus.BROKEN)).where(
            p.c.closed_on.between(period.start, period.end),
            p.c.status.in_([PromiseStatus.KEPT, PromiseStatus.BROKEN]),
        )
    ).one()
    return PromiseKept(int(kept), int(broken))
