"""Statutory periods counted the way PRC law counts them, on the business calendar.

Counting (Civil Code 2020 Arts. 201-203; Civil Procedure Law 2023 Art. 85):
- the day of the event is not counted: the period starts the day after (Art. 201; CPL Art. 85);
- a period in days ends `n` calendar days after the event;
- a period in months or years ends on the corresponding day of the final month, or on that month's
  last day when it has no such day (Art. 202: 29 Feb + 1 year -> 28 Feb);
- when the last day is a rest day or a statutory holiday, the period ends on the first working day
  after it (Art. 203; CPL Art. 85). A make-up working Saturday (调休) is a working day: a period
  ending on it does not move.
In a year whose bridge days and make-up working days are not declared yet, the end is a range:
`deadline` is the earliest day it can fall on once they are, `deadline_latest` the latest
(`BusinessCalendar.next_working_day_range` / `add_working_days_range`); in a declared year the two
are equal. A deadline the bank must meet works to the earliest; a period that protects the debtor
(the bank waits until it is over) to the latest.
Documents posted before the period expires are in time (CPL Art. 85): that is the caller's concern.
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from rules.calendar import BusinessCalendar


class PeriodUnit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    YEARS = "years"


class PeriodEvent(StrEnum):
    """An event that starts a statutory period (CLI spelling: the value)."""

    PAYMENT_ORDER_FILED = "payment-order-filed"
    PAYMENT_ORDER_ACCEPTED = "payment-order-accepted"
    PAYMENT_ORDER_ISSUED = "payment-order-issued"
    PAYMENT_ORDER_SERVED = "payment-order-served"
    TERMINATION_RULING = "termination-ruling"
    JUDGMENT_SERVED = "judgment-served"
    PERFORMANCE_DUE = "performance-due"
    DEMAND_DELIVERED = "demand-delivered"


@dataclass(frozen=True)
class StatutoryRule:
    amount: int
    unit: PeriodUnit
    rule: str


# Article numbers per the Civil Procedure Law as amended 2023 (in force 2024-01-01), the SPC
# interpretation of the CPL as amended 2022, and the Civil Code 2020 (domain.md sections 2-4, 6).
STATUTORY_RULES: dict[PeriodEvent, StatutoryRule] = {
    PeriodEvent.PAYMENT_ORDER_FILED: StatutoryRule(
        5,
        PeriodUnit.DAYS,
        "Civil Procedure Law 2023 Art. 226: the court notifies the creditor within 5 days of the "
        "application whether it accepts it",
    ),
    PeriodEvent.PAYMENT_ORDER_ACCEPTED: StatutoryRule(
        15,
        PeriodUnit.DAYS,
        "Civil Procedure Law 2023 Art. 227: the court issues the payment order within 15 days of "
        "accepting the application",
    ),
    PeriodEvent.PAYMENT_ORDER_ISSUED: StatutoryRule(
        30,
        PeriodUnit.DAYS,
        "SPC CPL interpretation 2022 Art. 430: the procedure ends when the payment order cannot "
        "be served within 30 days of its issue",
    ),
    PeriodEvent.PAYMENT_ORDER_SERVED: StatutoryRule(
        15,
        PeriodUnit.DAYS,
        "Civil Procedure Law 2023 Art. 227: the debtor pays or objects in writing within 15 days "
        "of receiving the payment order",
    ),
    PeriodEvent.TERMINATION_RULING: StatutoryRule(
        7,
        PeriodUnit.DAYS,
        "Civil Procedure Law 2023 Art. 228 and SPC CPL interpretation 2022 Arts. 438-439: the "
        "creditor may refuse litigation within 7 days of receiving the termination ruling",
    ),
    PeriodEvent.JUDGMENT_SERVED: StatutoryRule(
        15,
        PeriodUnit.DAYS,
        "Civil Procedure Law 2023 Art. 171: appeal within 15 days of service of the judgment",
    ),
    PeriodEvent.PERFORMANCE_DUE: StatutoryRule(
        2,
        PeriodUnit.YEARS,
        "Civil Procedure Law 2023 Art. 250: apply for enforcement within 2 years from the last "
        "day of the performance period",
    ),
    PeriodEvent.DEMAND_DELIVERED: StatutoryRule(
        3,
        PeriodUnit.YEARS,
        "Civil Code 2020 Arts. 188 and 195: the 3-year limitation period restarts from a demand "
        "for performance",
    ),
}

COUNTING_RULE = "counted per Civil Code 2020 Arts. 201-203 and Civil Procedure Law 2023 Art. 85"


def period_length(amount: int, unit: PeriodUnit) -> str:
    """The length as people read it: 15 days, 1 working day, 2 years."""
    name = unit.value.replace("_", " ")
    return f"{amount} {name[:-1] if amount == 1 else name}"


def parse_event(value: str) -> PeriodEvent:
    """The event named `value`; ValueError listing the known events otherwise."""
    try:
        return PeriodEvent(value.strip().lower().replace("_", "-"))
    except ValueError:
        known = ", ".join(e.value for e in PeriodEvent)
        raise ValueError(f"unknown event {value!r}; known events: {known}") from None


@dataclass(frozen=True)
class PeriodEnd:
    """Where a period counted from `on` ends: `deadline` (moved off rest days), `nominal` (before
    any move), `moved_from` (= nominal when a rest day or holiday moved `deadline`, else None).

    `deadline_latest` equals `deadline` in a known year; in a year whose make-up days and bridges
    are not yet declared it is the latest date the period could end on once they are, while
    `deadline` is the earliest (see `BusinessCalendar`): a deadline the bank must meet uses the
    earliest, a period that protects the debtor the latest."""

    on: date
    start: date
    nominal: date
    deadline: date
    moved_from: date | None
    calendar_warning: str | None
    deadline_latest: date | None = None

    @property
    def latest(self) -> date:
        return self.deadline_latest if self.deadline_latest is not None else self.deadline


def add_months(d: date, months: int) -> date:
    """The corresponding day `months` later, or that month's last day when it has none."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"year {year} is out of range")
    last = _gregorian.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def period_end(on: date, amount: int, unit: PeriodUnit, calendar: BusinessCalendar) -> PeriodEnd:
    """The last day of a period of `amount` `unit`s triggered on `on` (Civil Code Arts. 201-203).

    `working_days` counts working days from the day after `on` and needs no move; the other units
    count calendar time and move a last day that is not a working day to the next working day.
    In an undeclared year `deadline` is the earliest end (counting every day that could be a
    working day) and `deadline_latest` the latest (counting only days that certainly are).
    """
    if amount < 0:
        raise ValueError(f"a period cannot be negative: {amount} {unit}")
    try:
        return _period_end(on, amount, unit, calendar)
    except OverflowError:
        raise ValueError(f"a period of {amount} {unit} from {on} runs past year 9999") from None


def _period_end(on: date, amount: int, unit: PeriodUnit, calendar: BusinessCalendar) -> PeriodEnd:
    start = on + timedelta(days=1)
    if unit is PeriodUnit.WORKING_DAYS:
        deadline, latest = calendar.add_working_days_range(on, amount)
        warning = calendar.warning_for_span(start, latest) if amount else None
        return PeriodEnd(on, start, deadline, deadline, None, warning, latest)
    if unit is PeriodUnit.DAYS:
        nominal = on + timedelta(days=amount)
    elif unit is PeriodUnit.MONTHS:
        nominal = add_months(on, amount)
    else:
        nominal = add_months(on, 12 * amount)
    deadline, latest = calendar.next_working_day_range(nominal)
    moved_from = nominal if deadline != nominal else None
    warning = calendar.warning_for_span(nominal, latest)
    return PeriodEnd(on, start, nominal, deadline, moved_from, warning, latest)


@dataclass(frozen=True)
class PeriodResult:
    """A statutory deadline and how it was reached."""

    event: PeriodEvent
    event_date: date
    start: date
    deadline: date
    rule: str
    amount: int
    unit: PeriodUnit
    moved_from: date | None
    calendar_warning: str | None
    deadline_latest: date | None = None

    @property
    def latest(self) -> date:
        return self.deadline_latest if self.deadline_latest is not None else self.deadline

    @property
    def length(self) -> str:
        return period_length(self.amount, self.unit)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe (ISO dates): the `legal period --json` document."""
        return {
            "event": self.event.value,
            "event_date": self.event_date.isoformat(),
            "start": self.start.isoformat(),
            "deadline": self.deadline.isoformat(),
            "deadline_latest": self.latest.isoformat(),
            "length": self.length,
            "rule": self.rule,
            "moved_from": self.moved_from.isoformat() if self.moved_from else None,
            "calendar_warning": self.calendar_warning,
        }


def statutory_deadline(
    event: PeriodEvent | str, on: date, calendar: BusinessCalendar
) -> PeriodResult:
    """The statutory deadline running from `event` on `on`."""
    ev = event if isinstance(event, PeriodEvent) else parse_event(event)
    spec = STATUTORY_RULES[ev]
    end = period_end(on, spec.amount, spec.unit, calendar)
    return PeriodResult(
        event=ev,
        event_date=on,
        start=end.start,
        deadline=end.deadline,
        rule=f"{spec.rule}; {COUNTING_RULE}",
        amount=spec.amount,
        unit=spec.unit,
        moved_from=end.moved_from,
        calendar_warning=end.calendar_warning,
        deadline_latest=end.latest,
    )
