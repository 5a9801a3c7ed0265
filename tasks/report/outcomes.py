"""How cases ended and what the balances did: cure rate, balance reduction, payments.

- Cure rate: cases closed as cured in the period / cases open at any time in the period.
- Balance reduction from the snapshots: what the bank's balances (principal + interest + fees)
  of the accounts did between the first and the last snapshot day of the period. It is NOT money
  recovered: a fall may be a payment, a write-down or a reversal, and interest and fees that
  accrue offset payments. It is labelled so wherever it is shown.
- Recoveries from payments: NotRecorded here (never a zero). The promise-kept rate:
  tasks/report/promises.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.case import Case
from rules.amounts import fen_to_yuan
from rules.enums import Outcome
from tasks.report.period import NotRecorded, Period, rate
from tasks.report.rolls import SNAPSHOT

CASE: sa.Table = Case.__table__  # type: ignore[attr-defined]

PAYMENTS_NOT_RECORDED = NotRecorded(
    "payments are not recorded yet (`duecourse pay` / `import-payments`); see the balance "
    "reduction from the snapshots instead"
)


@dataclass(frozen=True)
class CaseOutcomes:
    """Cases open at any time in the period, and those closed in it by outcome."""

    open_in_period: int
    cured: int
    paid: int
    opened: int

    @property
    def cure_rate(self) -> float | None:
        return rate(self.cured, self.open_in_period)

    def as_dict(self) -> dict[str, Any]:
        return {
            "open_in_period": self.open_in_period,
            "opened_in_period": self.opened,
            "closed_cured": self.cured,
            "closed_paid": self.paid,
            "cure_rate": self.cure_rate,
        }


def case_outcomes(conn: Connection, period: Period) -> CaseOutcomes:
    c = CASE
    in_period = sa.and_(c.c.opened_on <= period.end,
                        sa.or_(c.c.closed_on.is_(None), c.c.closed_on >= period.start))  # fmt: skip
    closed_in = c.c.closed_on.between(period.start, period.end)

    def count_if(*cond: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*cond), 1), else_=0)), 0)

    row = conn.execute(
        sa.select(
            sa.func.count(),
            count_if(closed_in, c.c.outcome == Outcome.CURED),
            count_if(closed_in, c.c.outcome == Outcome.PAID),
            count_if(c.c.opened_on >= period.start),
        ).where(in_period)
    ).one()
    return CaseOutcomes(*(int(v) for v in row))


@dataclass(frozen=True)
class BalanceChange:
    """Balances (yuan) between the first and the last snapshot day of the period."""

    first_day: date
    last_day: date
    accounts: int  # in both snapshots
    start_total: Decimal
    end_total: Decimal
    reduced_accounts: int
    reduction: Decimal  # sum of the falls, accounts whose balance fell
    increase: Decimal  # sum of the rises, accounts whose balance rose
    left_accounts: int  # in the first snapshot, not in the last
    left_balance: Decimal  # their balance on the first day
    label: str = "balance reduction from snapshots (not payments)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "accounts_in_both": self.accounts,
            "balance_first_day": self.start_total,
            "balance_last_day": self.end_total,
            "accounts_reduced": self.reduced_accounts,
            "reduction": self.reduction,
            "increase": self.increase,
            "net_reduction": self.reduction - self.increase,
            "accounts_left_snapshot": self.left_accounts,
            "balance_of_accounts_left": self.left_balance,
        }


def _balance() -> Any:
    s = SNAPSHOT
    fen = sa.BigInteger
    return (
        sa.type_coerce(s.c.principal, fen)
        + sa.type_coerce(s.c.interest, fen)
        + sa.type_coerce(s.c.fees, fen)
    )


def balance_statement(first: date, last: date) -> sa.Select[Any]:
    """One pass over the two days' snapshots grouped by account, then totals (fen)."""
    s = SNAPSHOT
    per_account = (
        sa.select(
            sa.func.max(sa.case((s.c.as_of == first, _balance()))).label("b0"),
            sa.func.max(sa.case((s.c.as_of == last, _balance()))).label("b1"),
        )
        .where(s.c.as_of.in_([first, last]))
        .group_by(s.c.account_id)
        .subquery("per_account")
    )
    b0, b1 = per_account.c.b0, per_account.c.b1
    both = sa.and_(b0.is_not(None), b1.is_not(None))

    def total(value: Any, *cond: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*cond), value), else_=0)), 0)

    return sa.select(
        total(1, both),
        total(b0, both),
        total(b1, both),
        total(1, both, b1 < b0),
        total(b0 - b1, both, b1 < b0),
        total(b1 - b0, both, b1 > b0),
        total(1, b0.is_not(None), b1.is_(None)),
        total(b0, b0.is_not(None), b1.is_(None)),
    )


def balance_change(conn: Connection, days: list[date]) -> BalanceChange | NotRecorded:
    """Between the period's first and last snapshot days; with fewer than two, there is no
    change to measure (NotRecorded, not zeros)."""
    if len(days) < 2:
        found = f"only {days[0].isoformat()}" if days else "none"
        return NotRecorded(f"needs two snapshot days in the period ({found})", "not enough data")
    row = [int(v) for v in conn.execute(balance_statement(days[0], days[-1])).one()]
    accounts, start, end, reduced, down, up, left, left_bal = row
    return BalanceChange(
        days[0], days[-1], accounts, fen_to_yuan(start), fen_to_yuan(end), reduced,
        fen_to_yuan(down), fen_to_yuan(up), left, fen_to_yuan(left_bal),
    )  # fmt: skip
