"""The business calendar: working days, make-up Saturdays, the fallback and its warning."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from rules.calendar import FALLBACK_FIXED_HOLIDAYS, BusinessCalendar, CalendarData
from tasks.calendar import load_calendar_data


@pytest.fixture(scope="module")
def library_calendar() -> BusinessCalendar:
    return BusinessCalendar(load_calendar_data(None))


def small_calendar() -> BusinessCalendar:
    """One declared year (2030) with a holiday block and a make-up Saturday."""
    return BusinessCalendar(
        CalendarData(
            holidays=frozenset(date(2030, 10, d) for d in range(1, 8)),
            workdays=frozenset({date(2030, 10, 12)}),  # a Saturday
            known_years=frozenset({2030}),
            source="test",
        )
    )


def test_agrees_with_chinesecalendar_on_every_day_it_knows(library_calendar: BusinessCalendar):
    d, last = date(2004, 1, 1), date(2026, 12, 31)
    checked = 0
    while d <= last:
        assert library_calendar.is_working_day(d) == chinese_calendar.is_workday(d), d
        assert library_calendar.is_known(d)
        checked += 1
        d += timedelta(days=1)
    assert checked > 8000


def test_2026_national_day_and_make_up_saturday_as_the_library_says(
    library_calendar: BusinessCalendar,
):
    for day in range(1, 8):
        d = date(2026, 10, day)
        assert chinese_calendar.is_holiday(d)
        assert not library_calendar.is_working_day(d)
    saturday = date(2026, 10, 10)
    assert saturday.weekday() == 5
    assert chinese_calendar.is_workday(saturday)
    assert library_calendar.is_working_day(saturday)
    assert library_calendar.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)


def test_known_years_come_from_the_library(library_calendar: BusinessCalendar):
    assert library_calendar.year_known(2026)
    assert library_calendar.year_known(2004)
    assert not library_calendar.year_known(2027)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert library_calendar.warning_for(date(2026, 6, 1)) is None


def test_unknown_year_falls_back_to_weekends_and_fixed_holidays_with_a_warning():
    cal = small_calendar()
    assert not cal.is_known(date(2031, 3, 3))
    assert cal.is_working_day(date(2031, 3, 3))  # a Monday
    assert not cal.is_working_day(date(2031, 3, 1))  # a Saturday
    for month, day in sorted(FALLBACK_FIXED_HOLIDAYS):
        assert not cal.is_working_day(date(2031, month, day))
    assert (1, 1) in FALLBACK_FIXED_HOLIDAYS and (10, 3) in FALLBACK_FIXED_HOLIDAYS
    assert cal.is_working_day(date(2031, 10, 6))  # the fallback knows no Golden Week bridge
    warning = cal.warning_for(date(2031, 10, 6))
    assert warning is not None
    assert "CALENDAR WARNING" in warning and "2031" in warning and "test" in warning
    assert cal.warning_for(date(2030, 10, 6)) is None


def test_warnings_name_every_unknown_year_once():
    cal = small_calendar()
    warning = cal.warnings_for([date(2031, 1, 5), date(2030, 1, 5), date(2032, 1, 5)])
    assert warning is not None
    assert "2031, 2032" in warning and "2030" not in warning
    assert cal.warnings_for([date(2030, 5, 5)]) is None
    span = cal.warning_for_span(date(2032, 2, 1), date(2029, 12, 1))
    assert span is not None and "2029, 2031, 2032" in span


def test_declared_year_uses_its_holidays_and_make_up_days():
    cal = small_calendar()
    assert not cal.is_working_day(date(2030, 10, 1))  # a Tuesday, declared holiday
    assert cal.is_working_day(date(2030, 10, 12))  # Saturday, make-up day
    assert not cal.is_working_day(date(2030, 10, 13))  # plain Sunday
    assert cal.is_working_day(date(2030, 10, 8))
    assert cal.is_rest_day(date(2030, 10, 5))


def test_next_and_previous_working_day():
    cal = small_calendar()
    assert cal.next_working_day(date(2030, 9, 30)) == date(2030, 9, 30)  # a Monday
    assert cal.next_working_day(date(2030, 10, 1)) == date(2030, 10, 8)
    assert cal.previous_working_day(date(2030, 10, 7)) == date(2030, 9, 30)


def test_add_working_days_starts_the_day_after():
    cal = small_calendar()
    # Friday 27 Sep 2030: next are Mon 30 Sep, then Tue 8 Oct (holidays 1-7 Oct).
    assert cal.add_working_days(date(2030, 9, 27), 1) == date(2030, 9, 30)
    assert cal.add_working_days(date(2030, 9, 27), 2) == date(2030, 10, 8)
    # The make-up Saturday 12 Oct counts: Tue 8 .. Fri 11 are 4 days, Sat 12 is the 5th.
    assert cal.add_working_days(date(2030, 10, 7), 5) == date(2030, 10, 12)
    assert cal.add_working_days(date(2030, 10, 5), 0) == date(2030, 10, 5)
    assert cal.add_working_days(date(2030, 10, 8), -1) == date(2030, 9, 30)
    # A second call answers from the cache, with the same result.
    assert cal.add_working_days(date(2030, 9, 27), 2) == date(2030, 10, 8)


def test_working_days_between_is_the_inverse_of_adding():
    cal = small_calendar()
    a = date(2030, 9, 20)
    for n in range(0, 30):
        b = cal.add_working_days(a, n)
        assert cal.working_days_between(a, b) == n
        assert cal.working_days_between(b, a) == -n
    assert cal.working_days_between(date(2030, 9, 30), date(2030, 10, 7)) == 0


def test_a_day_cannot_be_both_holiday_and_workday():
    with pytest.raises(ValueError, match="both"):
        CalendarData(
            holidays=frozenset({date(2030, 1, 5)}),
            workdays=frozenset({date(2030, 1, 5)}),
            known_years=frozenset({2030}),
        )


def test_custom_fallback_days_are_used_and_named():
    cal = BusinessCalendar(
        CalendarData(frozenset(), frozenset(), frozenset(), "none", frozenset({(3, 3)}))
    )
    assert not cal.is_working_day(date(2031, 3, 3))
    assert cal.is_working_day(date(2031, 1, 1))  # a Wednesday, not in this fallback
    warning = cal.warning_for(date(2031, 3, 3))
    assert warning is not None and "03-03" in warning and "01-01" not in warning


def test_working_days_between_agrees_with_counting_day_by_day(library_calendar: BusinessCalendar):
    def naive(a: date, b: date) -> int:
        return sum(
            library_calendar.is_working_day(a + timedelta(days=i))
            for i in range(1, (b - a).days + 1)
        )

    pairs = [
        (date(2025, 12, 20), date(2026, 1, 10)),
        (date(2024, 2, 28), date(2024, 3, 1)),
        (date(2023, 6, 1), date(2026, 10, 10)),
        (date(2026, 11, 30), date(2028, 2, 29)),  # into the fallback years
        (date(2026, 10, 1), date(2026, 10, 7)),
        (date(2026, 12, 31), date(2027, 1, 1)),
    ]
    for a, b in pairs:
        assert library_calendar.working_days_between(a, b) == naive(a, b), (a, b)
        assert library_calendar.working_days_between(b, a) == -naive(a, b)
    assert library_calendar.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert library_calendar.working_days_between(date(2026, 10, 9), date(2026, 10, 10)) == 1
