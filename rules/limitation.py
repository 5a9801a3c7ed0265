"""The limitation clock (诉讼时效) of a card debt, and the legal department's evidence readiness.

The law (domain.md section 4):
- Civil Code 2020 Art. 188: 3 years from when the creditor knew of the harm and the debtor (for a
  card debt: the account's due date); the court protects no right infringed more than 20 years
  before, whatever interrupted the period.
- Civil Code Art. 195: a demand for performance, the debtor's agreement to perform, a suit (or
  what equals one) interrupt the period, which then runs again in full from that day. For bank
  cards a delivered letter, SMS or e-mail is such a demand (SPC bank-card rules 2021 Art. 3);
  part payments, promises and repayment plans are the debtor agreeing to perform (SPC limitation
  rules 2020 Art. 14); a payment-order application counts as a suit (same rules, Art. 11).
- While a suit runs the period stays interrupted and restarts only when the proceedings end;
  this clock says so ("interrupted by suit") and gives no expiry then.

Periods are counted with rules/periods.py (Civil Code Arts. 201-203): in a year whose make-up
working days are not declared yet, the expiry is a range (`expires`..`expires_latest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rules import events as ev
from rules.calendar import BusinessCalendar
from rules.periods import PeriodUnit, period_end

LIMITATION_YEARS = 3  # Civil Code Art. 188
OUTER_LIMIT_YEARS = 20  # Civil Code Art. 188

DUE_DATE = "due_date"  # the start: the account's due date passed unpaid

# Timeline events that restart the period (Civil Code Art. 195; SPC limitation rules 2020
# Arts. 11, 14; SPC bank-card rules 2021 Art. 3).
RESTARTING_EVENTS: tuple[str, ...] = (
    ev.DEMAND_DELIVERED,
    ev.PROMISE_MADE,
    ev.PLAN_APPROVED,
    ev.PAYMENT_RECEIVED,
)
# Events that interrupt it for as long as the proceedings last (a suit, or a payment-order
# application, which counts as one).
SUIT_EVENTS: tuple[str, ...] = (ev.PAYMENT_ORDER_FILED, ev.LAWSUIT_FILED)
LIMITATION_EVENTS: tuple[str, ...] = RESTARTING_EVENTS + SUIT_EVENTS

RULE = (
    "Civil Code 2020 Arts. 188 and 195: 3 years, restarted in full by a demand, the debtor "
    "agreeing to perform (a promise, a plan, a part payment) or a suit; 20 years at most from "
    "the due date"
)
INTERRUPTED = "interrupted by suit"

# Warnings before the expiry (days): the owner first, then the legal department.
WARN_OWNER_DAYS = 90
ESCALATE_LEGAL_DAYS = 30


@dataclass(frozen=True)
class Limitation:
    """Where a case's limitation period stands."""

    last_event: str
    at: date
    expires: date | None  # None while a suit interrupts it
    expires_latest: date | None
    outer_limit: date | None
    status: str  # running | interrupted by suit | expired
    calendar_warning: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "last_event": self.last_event,
            "at": self.at.isoformat(),
            "expires": self.expires.isoformat() if self.expires else None,
            "expires_latest": self.expires_latest.isoformat() if self.expires_latest else None,
            "outer_limit": self.outer_limit.isoformat() if self.outer_limit else None,
            "status": self.status,
            "rule": RULE,
            "calendar_warning": self.calendar_warning,
        }


def latest_event(due_date: date | None, events: list[tuple[str, date]]) -> tuple[str, date] | None:
    """The latest limitation event: the due date or a later event of LIMITATION_EVENTS (on a
    tie a suit wins: it interrupts for its whole length)."""
    candidates = [(on, name in SUIT_EVENTS, name) for name, on in events if name in
                  LIMITATION_EVENTS]  # fmt: skip
    if due_date is not None:
        candidates.append((due_date, False, DUE_DATE))
    if not candidates:
        return None
    on, _suit, name = max(candidates)
    return name, on


def expiry(at: date, calendar: BusinessCalendar) -> tuple[date, date, str | None]:
    """(earliest, latest end, calendar warning) of 3 years counted from `at`."""
    end = period_end(at, LIMITATION_YEARS, PeriodUnit.YEARS, calendar)
    return end.deadline, end.latest, end.calendar_warning


def outer_limit(due_date: date, calendar: BusinessCalendar) -> date:
    """20 years from the day the right was infringed (the due date), Art. 188."""
    return period_end(due_date, OUTER_LIMIT_YEARS, PeriodUnit.YEARS, calendar).deadline


def limitation(
    due_date: date | None,
    events: list[tuple[str, date]],
    *,
    as_of: date,
    calendar: BusinessCalendar,
) -> Limitation | None:
    """The clock from the case's limitation events (name, date); None without any."""
    found = latest_event(due_date, events)
    if found is None:
        return None
    name, at = found
    outer = outer_limit(due_date, calendar) if due_date is not None else None
    if name in SUIT_EVENTS:
        return Limitation(name, at, None, None, outer, INTERRUPTED)
    earliest, latest, warning = expiry(at, calendar)
    if outer is not None and outer < earliest:
        earliest = latest = outer
    status = "expired" if earliest < as_of else "running"
    return Limitation(name, at, earliest, latest, outer, status, warning)


@dataclass(frozen=True)
class Readiness:
    """Effective-demand evidence for the legal department (domain.md section 5): two written
    demands delivered with proof after the due date, the second at least 30 days after the
    first. An evidence checklist only: it decides nothing about the debtor."""

    ready: bool
    delivered: int
    first: date | None
    second: date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "delivered_demands": self.delivered,
            "first": self.first.isoformat() if self.first else None,
            "second": self.second.isoformat() if self.second else None,
            "rule": "two written demands delivered with proof after the due date, at least "
            "30 days apart",
        }


MIN_DAYS_APART = 30


def demand_readiness(due_date: date | None, delivered: list[date]) -> Readiness:
    """The earliest pair of delivered demands after the due date at least 30 days apart."""
    after = sorted(d for d in delivered if due_date is None or d > due_date)
    if not after:
        return Readiness(False, 0, None, None)
    first = after[0]
    for later in after[1:]:
        if (later - first).days >= MIN_DAYS_APART:
            return Readiness(True, len(after), first, later)
    return Readiness(False, len(after), first, None)
