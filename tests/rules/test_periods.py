"""Statutory periods counted per Civil Code Arts. 201-203 and CPL Art. 85 on the business
calendar. Holiday facts are checked against chinesecalendar itself, not from memory."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from rules.calendar import BusinessCalendar, CalendarData
from rules.periods import (
    STATUTORY_RULES,
    PeriodEvent,
    PeriodUnit,
    add_months,
    parse_event,
    period_end,
    statutory_deadline,
)
from tasks.calendar import load_calendar_data


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar(load_calendar_data(None))


def test_plain_day(cal: BusinessCalendar):
    r = statutory_deadline(PeriodEvent.PAYMENT_ORDER_SERVED, date(2026, 11, 1), cal)
    assert r.start == date(2026, 11, 2)
    assert r.deadline == date(2026, 11, 16)
    assert chinese_calendar.is_workday(r.deadline)
    assert r.moved_from is None and r.calendar_warning is None
    assert r.length == "15 days"
    assert "Art. 227" in r.rule and "Civil Procedure Law 2023" in r.rule


def test_end_in_the_national_day_holiday_moves_past_it(cal: BusinessCalendar):
    # 18 Sep + 15 days = Sat 3 Oct 2026, inside the National Day holiday.
    r = statutory_deadline("payment-order-served", date(2026, 9, 18), cal)
    assert r.moved_from == date(2026, 10, 3)
    first_working = date(2026, 10, 3)
    while not chinese_calendar.is_workday(first_working):
        first_working += timedelta(days=1)
    assert r.deadline == first_working == date(2026, 10, 8)
    assert r.calendar_warning is None


def test_end_on_a_make_up_working_saturday_does_not_move(cal: BusinessCalendar):
    # 25 Sep + 15 days = Sat 10 Oct 2026, a make-up working day (调休).
    saturday = date(2026, 10, 10)
    assert saturday.weekday() == 5 and chinese_calendar.is_workday(saturday)
    r = statutory_deadline(PeriodEvent.JUDGMENT_SERVED, date(2026, 9, 25), cal)
    assert r.deadline == saturday
    assert r.moved_from is None
    assert "Art. 171" in r.rule


def test_end_on_a_sunday_moves_to_monday(cal: BusinessCalendar):
    r = statutory_deadline(PeriodEvent.PAYMENT_ORDER_FILED, date(2026, 11, 17), cal)
    assert r.moved_from == date(2026, 11, 22)
    assert r.moved_from.weekday() == 6 and not chinese_calendar.is_workday(r.moved_from)
    assert r.deadline == date(2026, 11, 23) and r.deadline.weekday() == 0
    assert chinese_calendar.is_workday(r.deadline)


def test_29_february_plus_years_ends_on_28_february(cal: BusinessCalendar):
    # Enforcement: 2 years from 29 Feb 2024 -> 28 Feb 2026, itself a make-up working Saturday.
    assert chinese_calendar.is_workday(date(2026, 2, 28))
    r = statutory_deadline(PeriodEvent.PERFORMANCE_DUE, date(2024, 2, 29), cal)
    assert r.start == date(2024, 3, 1)
    assert r.deadline == date(2026, 2, 28)
    assert r.moved_from is None and r.calendar_warning is None
    assert r.length == "2 years" and "Art. 250" in r.rule


def test_29_february_into_an_unknown_year_moves_and_warns(cal: BusinessCalendar):
    # Limitation: 3 years from 29 Feb 2024 -> 28 Feb 2027 (a Sunday) -> Mon 1 Mar 2027,
    # counted on the fallback because chinesecalendar does not know 2027.
    r = statutory_deadline(PeriodEvent.DEMAND_DELIVERED, date(2024, 2, 29), cal)
    assert r.moved_from == date(2027, 2, 28)
    assert r.deadline == date(2027, 3, 1) == r.deadline_latest  # no holiday near: one date
    assert r.calendar_warning is not None and "2027" in r.calendar_warning
    assert "Civil Code 2020" in r.rule and "188" in r.rule and "195" in r.rule


def test_unknown_year_uses_the_fallback_and_warns(cal: BusinessCalendar):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 10, 2))
    # 17 Sep 2027 + 15 = Sat 2 Oct; the fallback knows 1-3 Oct and weekends -> Mon 4 Oct.
    r = statutory_deadline(PeriodEvent.PAYMENT_ORDER_SERVED, date(2027, 9, 17), cal)
    assert r.moved_from == date(2027, 10, 2)
    assert r.deadline == date(2027, 10, 4)
    assert r.latest == date(2027, 10, 8)  # 4-7 Oct may join the Golden Week
    assert r.calendar_warning is not None
    assert r.calendar_warning.startswith("CALENDAR WARNING") and "2027" in r.calendar_warning
    assert r.as_dict()["calendar_warning"] == r.calendar_warning


def test_a_declared_2027_replaces_the_fallback_and_the_warning():
    lib = load_calendar_data(None)
    # Test data only: a made-up week off, not the State Council's 2027 arrangement.
    week = frozenset(date(2027, 10, d) for d in range(1, 8))
    data = CalendarData(
        holidays=lib.holidays | week,
        workdays=lib.workdays | {date(2027, 10, 9)},
        known_years=lib.known_years | {2027},
        source="test",
    )
    r = statutory_deadline(
        PeriodEvent.PAYMENT_ORDER_SERVED, date(2027, 9, 17), BusinessCalendar(data)
    )
    assert r.deadline == date(2027, 10, 8)
    assert r.calendar_warning is None


def test_each_event_has_its_length_and_cites_law_and_year(cal: BusinessCalendar):
    expected = {
        PeriodEvent.PAYMENT_ORDER_FILED: (5, PeriodUnit.DAYS, "Art. 226"),
        PeriodEvent.PAYMENT_ORDER_ACCEPTED: (15, PeriodUnit.DAYS, "Art. 227"),
        PeriodEvent.PAYMENT_ORDER_ISSUED: (30, PeriodUnit.DAYS, "interpretation 2022 Art. 430"),
        PeriodEvent.PAYMENT_ORDER_SERVED: (15, PeriodUnit.DAYS, "Art. 227"),
        PeriodEvent.TERMINATION_RULING: (7, PeriodUnit.DAYS, "Art. 228"),
        PeriodEvent.JUDGMENT_SERVED: (15, PeriodUnit.DAYS, "Art. 171"),
        PeriodEvent.PERFORMANCE_DUE: (2, PeriodUnit.YEARS, "Art. 250"),
        PeriodEvent.DEMAND_DELIVERED: (3, PeriodUnit.YEARS, "Arts. 188 and 195"),
    }
    assert set(STATUTORY_RULES) == set(PeriodEvent) == set(expected)
    for event, (amount, unit, article) in expected.items():
        spec = STATUTORY_RULES[event]
        assert (spec.amount, spec.unit) == (amount, unit)
        assert article in spec.rule
        assert any(year in spec.rule for year in ("2020", "2022", "2023"))
        r = statutory_deadline(event, date(2026, 3, 10), cal)
        assert "Arts. 201-203" in r.rule and r.event is event


def test_deadline_is_the_first_working_day_on_or_after_the_nominal_end(cal: BusinessCalendar):
    on = date(2025, 1, 1)
    while on < date(2026, 6, 1):
        for amount in (5, 7, 15):
            end = period_end(on, amount, PeriodUnit.DAYS, cal)
            nominal = on + timedelta(days=amount)
            assert end.nominal == nominal and end.start == on + timedelta(days=1)
            assert chinese_calendar.is_workday(end.deadline)
            d = nominal
            while d < end.deadline:
                assert not chinese_calendar.is_workday(d)
                d += timedelta(days=1)
            assert (end.moved_from is not None) == (end.deadline != nominal)
        on += timedelta(days=1)


def test_months_end_on_the_corresponding_day_or_the_month_end(cal: BusinessCalendar):
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 2, 28), 1) == date(2025, 3, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    end = period_end(date(2025, 1, 31), 1, PeriodUnit.MONTHS, cal)
    assert end.deadline == date(2025, 2, 28) and end.moved_from is None  # a Friday
    end = period_end(date(2025, 12, 31), 2, PeriodUnit.MONTHS, cal)
    assert end.nominal == date(2026, 2, 28) and end.deadline == date(2026, 2, 28)  # 调休


def test_working_day_periods_never_move(cal: BusinessCalendar):
    end = period_end(date(2026, 9, 30), 3, PeriodUnit.WORKING_DAYS, cal)
    assert end.deadline == date(2026, 10, 10)  # 8, 9 Oct then the make-up Saturday
    assert end.moved_from is None and end.calendar_warning is None
    end = period_end(date(2026, 12, 30), 3, PeriodUnit.WORKING_DAYS, cal)
    assert end.deadline.year == 2027 and end.calendar_warning is not None
    zero = period_end(date(2026, 10, 3), 0, PeriodUnit.WORKING_DAYS, cal)
    assert zero.deadline == date(2026, 10, 3) and zero.calendar_warning is None


def test_negative_periods_are_refused(cal: BusinessCalendar):
    with pytest.raises(ValueError):
        period_end(date(2026, 1, 1), -1, PeriodUnit.DAYS, cal)


@pytest.mark.parametrize("unit", list(PeriodUnit))
def test_periods_past_year_9999_are_refused_plainly(cal: BusinessCalendar, unit: PeriodUnit):
    with pytest.raises(ValueError, match="past year 9999"):
        period_end(date(9999, 12, 20), 15, unit, cal)


def test_parse_event_lists_the_known_events():
    assert parse_event("Payment_Order_Served") is PeriodEvent.PAYMENT_ORDER_SERVED
    with pytest.raises(ValueError) as err:
        parse_event("appeal")
    message = str(err.value)
    assert "appeal" in message and "\n" not in message
    assert all(e.value in message for e in PeriodEvent)


def test_result_as_json(cal: BusinessCalendar):
    doc = statutory_deadline(PeriodEvent.TERMINATION_RULING, date(2026, 9, 24), cal).as_dict()
    assert doc["event"] == "termination-ruling"
    assert doc["event_date"] == "2026-09-24" and doc["start"] == "2026-09-25"
    # 24 Sep + 7 = Thu 1 Oct (National Day) -> Thu 8 Oct.
    assert doc["moved_from"] == "2026-10-01" and doc["deadline"] == "2026-10-08"
    assert doc["length"] == "7 days" and doc["calendar_warning"] is None


# -- undeclared years: the earliest and the latest ---------------------------------------------


def test_enforcement_from_6_february_2025_does_not_end_on_spring_festival_2027(
    cal: BusinessCalendar,
):
    # 2 years from Thu 6 Feb 2025 -> Sat 6 Feb 2027, 正月初一; 6-8 Feb are statutory holidays in
    # any case (the old fallback gave Mon 8 Feb, 正月初三). 9-12 Feb may be bridged.
    r = statutory_deadline(PeriodEvent.PERFORMANCE_DUE, date(2025, 2, 6), cal)
    assert r.moved_from == date(2027, 2, 6)
    assert r.deadline == date(2027, 2, 9) and r.deadline_latest == date(2027, 2, 15)
    assert r.deadline != date(2027, 2, 8) and r.latest == date(2027, 2, 15)
    doc = r.as_dict()
    assert (doc["deadline"], doc["deadline_latest"]) == ("2027-02-09", "2027-02-15")
    warning = doc["calendar_warning"]
    assert warning.startswith("CALENDAR WARNING") and "2027" in warning


def test_a_weekend_end_near_a_holiday_may_be_a_make_up_working_day(cal: BusinessCalendar):
    # 19 Mar 2027 + 15 days = Sat 3 Apr, two days before 清明 (Mon 5 Apr): if the notice makes
    # it a working day the appeal period ends there; if not, on Tue 6 Apr.
    r = statutory_deadline(PeriodEvent.JUDGMENT_SERVED, date(2027, 3, 19), cal)
    assert (r.deadline, r.latest) == (date(2027, 4, 3), date(2027, 4, 6))
    assert r.moved_from is None and r.calendar_warning is not None


def test_a_weekend_end_far_from_holidays_moves_to_monday_either_way(cal: BusinessCalendar):
    r = statutory_deadline(PeriodEvent.PAYMENT_ORDER_SERVED, date(2027, 2, 26), cal)
    assert r.moved_from == date(2027, 3, 13)  # a Saturday
    assert (r.deadline, r.latest) == (date(2027, 3, 15), date(2027, 3, 15))
    assert r.calendar_warning is not None  # still an undeclared year


def test_working_day_periods_in_2027_count_possible_and_certain_working_days(
    cal: BusinessCalendar,
):
    # From Wed 3 Feb 2027: could be working Thu 4, Tue 9, Wed 10 Feb (the earliest); certainly
    # working only from Mon 15 Feb: 15, 16, 17 Feb (the latest).
    end = period_end(date(2027, 2, 3), 3, PeriodUnit.WORKING_DAYS, cal)
    assert (end.deadline, end.latest) == (date(2027, 2, 10), date(2027, 2, 17))
    assert end.nominal == end.deadline and end.moved_from is None
    assert end.calendar_warning is not None and "2027" in end.calendar_warning


def test_declared_years_have_one_end(cal: BusinessCalendar):
    on = date(2024, 1, 1)
    while on < date(2026, 9, 1):
        for event in PeriodEvent:
            r = statutory_deadline(event, on, cal)
            if r.deadline.year <= 2026 and r.calendar_warning is None:
                assert r.deadline_latest == r.deadline, (event, on)
        for n in (1, 3):
            end = period_end(on, n, PeriodUnit.WORKING_DAYS, cal)
            assert end.latest == end.deadline
        on += timedelta(days=3)
