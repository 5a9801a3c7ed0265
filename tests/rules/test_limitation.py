"""The limitation clock (Civil Code Arts. 188, 195) and effective-demand readiness."""

from __future__ import annotations

from datetime import date

import pytest

from rules import events as ev
from rules.calendar import BusinessCalendar
from rules.limitation import INTERRUPTED, demand_readiness, limitation
from tasks.calendar import load_calendar

DUE = date(2023, 3, 10)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return load_calendar(None)


def test_three_years_from_the_due_date_and_twenty_at_most(cal: BusinessCalendar) -> None:
    clock = limitation(DUE, [], as_of=date(2025, 1, 1), calendar=cal)
    assert clock is not None
    assert (clock.last_event, clock.at, clock.status) == ("due_date", DUE, "running")
    assert clock.expires == date(2026, 3, 10)  # a Tuesday: Art. 188, counted per Art. 202
    assert clock.outer_limit == date(2043, 3, 10)
    assert limitation(None, [], as_of=DUE, calendar=cal) is None


def test_a_delivered_demand_restarts_it(cal: BusinessCalendar) -> None:
    events = [(ev.DEMAND_DELIVERED, date(2025, 6, 3)), (ev.CONTACT_MADE, date(2025, 9, 1))]
    clock = limitation(DUE, events, as_of=date(2025, 7, 1), calendar=cal)
    assert clock is not None
    assert (clock.last_event, clock.at) == (ev.DEMAND_DELIVERED, date(2025, 6, 3))
    # 2028-06-03 is a Saturday: moved to Monday (Art. 203) unless 2028 makes it a working day
    assert (clock.expires, clock.expires_latest) == (date(2028, 6, 3), date(2028, 6, 5))


def test_a_part_payment_restarts_it(cal: BusinessCalendar) -> None:
    events = [(ev.DEMAND_DELIVERED, date(2024, 1, 5)), (ev.PAYMENT_RECEIVED, date(2025, 4, 8))]
    clock = limitation(DUE, events, as_of=date(2025, 5, 1), calendar=cal)
    assert clock is not None and clock.last_event == ev.PAYMENT_RECEIVED
    assert (clock.expires, clock.expires_latest) == (date(2028, 4, 8), date(2028, 4, 10))


def test_expired_and_interrupted_by_suit(cal: BusinessCalendar) -> None:
    old = limitation(date(2020, 1, 6), [], as_of=date(2026, 1, 1), calendar=cal)
    assert old is not None and old.status == "expired"
    events = [(ev.PAYMENT_ORDER_FILED, date(2025, 2, 3)), (ev.DEMAND_DELIVERED, date(2024, 1, 5))]
    suit = limitation(DUE, events, as_of=date(2025, 5, 1), calendar=cal)
    assert suit is not None
    assert (suit.status, suit.expires, suit.last_event) == (
        INTERRUPTED,
        None,
        ev.PAYMENT_ORDER_FILED,
    )


def test_an_undeclared_year_gives_a_range_and_a_warning(cal: BusinessCalendar) -> None:
    clock = limitation(date(2026, 9, 28), [], as_of=date(2026, 10, 1), calendar=cal)
    assert clock is not None and clock.expires is not None and clock.expires_latest is not None
    assert clock.expires <= clock.expires_latest
    assert clock.calendar_warning  # 2029's make-up days are not declared


def test_effective_demand_readiness_needs_two_30_days_apart_after_the_due_date() -> None:
    before = date(2023, 3, 1)
    one = demand_readiness(DUE, [before, date(2023, 4, 1), date(2023, 4, 20)])
    assert (one.ready, one.delivered, one.first, one.second) == (False, 2, date(2023, 4, 1), None)
    two = demand_readiness(DUE, [date(2023, 4, 1), date(2023, 4, 20), date(2023, 5, 1)])
    assert (two.ready, two.first, two.second) == (True, date(2023, 4, 1), date(2023, 5, 1))
    text = str(two.as_dict()).lower()
    assert "criminal" not in text and "刑" not in text
