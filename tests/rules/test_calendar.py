"""The business calendar: working days, make-up Saturdays, the fallback and its warning."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from rules.calendar import BusinessCalendar, CalendarData
from rules.holidays import (
    FALLBACK_FIXED_HOLIDAYS,
    mid_autumn,
    possible_days_off,
    possible_make_up_days,
    qingming,
    spring_festival,
    statutory_holidays,
)
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


# -- years nobody declared: the statutory holidays the law fixes -------------------------------


def _qingming_of(year: int) -> date:
    (day,) = [d for d, name in chinese_calendar.get_solar_terms(
        date(year, 4, 1), date(year, 4, 30)) if name == "清明"]  # fmt: skip
    return day


def test_the_qingming_formula_agrees_with_chinesecalendar_for_the_whole_century():
    for year in range(2000, 2100):
        assert qingming(year) == _qingming_of(year), year
    with pytest.raises(ValueError):
        qingming(2100)


def test_2027_statutory_holidays_as_the_law_fixes_them():
    days = statutory_holidays(2027)
    assert days[date(2027, 2, 5)] == "Spring Festival eve (除夕)"
    assert days[date(2027, 2, 6)] == "Spring Festival (正月初一)"
    assert days[date(2027, 2, 8)] == "Spring Festival (正月初三)"
    assert days[date(2027, 4, 5)] == "Qingming (清明)"
    assert sorted(days) == [
        date(2027, 1, 1),
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
        date(2027, 4, 5),
        date(2027, 5, 1), date(2027, 5, 2),
        date(2027, 6, 9),  # 五月初五
        date(2027, 9, 15),  # 八月十五
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3),
    ]  # fmt: skip
    # 2028: 中秋 falls on 3 Oct, one day with both names (the Golden Week may run to 10-08).
    in_2028 = statutory_holidays(2028)
    assert len(in_2028) == 12 and date(2028, 1, 25) in in_2028  # 除夕
    assert in_2028[date(2028, 10, 3)] == "National Day (国庆节) and Mid-Autumn Festival (中秋)"
    assert date(2028, 10, 6) in possible_days_off(2028)


def test_a_12th_month_of_29_days_puts_the_eve_on_the_29th():
    # 2026: the 12th lunar month of 2025 has 29 days, so 除夕 is 腊月廿九, Mon 16 Feb.
    assert statutory_holidays(2026)[date(2026, 2, 16)] == "Spring Festival eve (除夕)"
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 16)) == (True, "Spring Festival")


def _law_of_the_year(year: int, days: dict[date, str]) -> set[date]:
    """The computed days that were statutory under the law in force in `year` too: 除夕 only
    2008-2013 and from 2025; Qingming, Dragon Boat and Mid-Autumn from 2008; 2 May only before
    2008 (3 days then) and from 2025; 正月初一-初三, 1 Jan and 1-3 Oct always."""
    out = set()
    for d, name in days.items():
        if "除夕" in name and not (2008 <= year <= 2013 or year >= 2025):
            continue
        if any(k in name for k in ("清明", "端午", "中秋")) and year < 2008:
            continue
        if (d.month, d.day) == (5, 2) and 2008 <= year <= 2024:
            continue
        out.add(d)
    return out


def test_computed_statutory_days_are_holidays_in_chinesecalendar_2004_to_2026():
    checked = 0
    for year in range(2004, 2027):
        days = statutory_holidays(year)
        merged = date(year, 10, 1) <= mid_autumn(year) <= date(year, 10, 3)  # 2009, 2020
        assert len(days) == (12 if merged else 13), year
        for d in _law_of_the_year(year, days):
            assert chinese_calendar.is_holiday(d), (d, days[d])
            if d.weekday() < 5:  # a weekday off: the library names the festival it belongs to
                assert d in chinese_calendar.holidays, (d, days[d])
            checked += 1
        # 正月初一-初二 every year, and the lunar festivals since 2008, by their own name.
        first = spring_festival(year)
        assert chinese_calendar.holidays.get(first) == "Spring Festival", year
        assert chinese_calendar.holidays.get(first + timedelta(days=1)) == "Spring Festival"
        if year >= 2008:
            assert qingming(year) == _qingming_of(year)
            for d, label in ((qingming(year), "Tomb-sweeping Day"),
                             (mid_autumn(year), "Mid-autumn Festival")):  # fmt: skip
                named = chinese_calendar.get_holiday_detail(d)[1]
                assert named in (label, "National Day", None), (d, named)
                assert chinese_calendar.is_holiday(d)
    assert checked > 250


def test_unknown_years_know_the_lunar_holidays_too(library_calendar: BusinessCalendar):
    for d in (date(2027, 2, 5), date(2027, 2, 8), date(2027, 4, 5), date(2027, 6, 9),
              date(2027, 9, 15), date(2027, 10, 1)):  # fmt: skip
        assert d.weekday() < 5 and not library_calendar.is_working_day(d), d
    assert library_calendar.next_working_day(date(2027, 2, 5)) == date(2027, 2, 9)
    assert library_calendar.is_working_day(date(2027, 2, 9))  # best guess; a possible bridge
    warning = library_calendar.warning_for(date(2027, 2, 8))
    assert warning is not None
    for words in ("Spring Festival eve and days 1-3", "Qingming", "Dragon Boat", "Mid-Autumn",
                  "bridge days off", "make-up working days", "earliest", "latest"):  # fmt: skip
        assert words in warning, words


def test_beyond_2099_only_the_fixed_days_are_known_and_the_warning_says_so():
    cal = small_calendar()
    assert statutory_holidays(2100) == {
        date(2100, m, d): statutory_holidays(2027)[date(2027, m, d)]
        for m, d in sorted(FALLBACK_FIXED_HOLIDAYS)
    }
    warning = cal.warnings_for([date(2100, 3, 1), date(2031, 3, 1)])
    assert warning is not None and "years 2031, 2100 are not" in warning
    assert "not computed for 2100" in warning


def test_custom_fixed_days_keep_the_lunar_holidays():
    cal = BusinessCalendar(
        CalendarData(frozenset(), frozenset(), frozenset(), "none", frozenset({(3, 3)}))
    )
    assert not cal.is_working_day(date(2031, 3, 3))  # a Monday, the bank's fixed day
    assert not cal.is_working_day(date(2031, 1, 22))  # Wednesday, 除夕 2031
    assert cal.is_working_day(date(2031, 10, 2))  # a Thursday: 10-02 is not in this fallback


# -- years nobody declared: bridges, make-up days, earliest and latest -------------------------


def test_possible_days_off_and_make_up_days_cover_every_notice_2008_to_2026():
    """Every weekday the State Council gave off beyond the statutory days, and every weekend day
    it made a working day, is foreseen by the fallback's rule, except what no rule can foresee:
    the one-off victory-parade holiday of 2015 and the 3-day New Year blocks of 2012-2013."""
    unforeseeable = {date(2015, 9, 3), date(2015, 9, 4), date(2015, 9, 6),
                     date(2012, 1, 3), date(2013, 1, 2), date(2013, 1, 3)}  # fmt: skip
    for year in range(2008, 2027):
        statutory = set(statutory_holidays(year))
        maybe_off = possible_days_off(year)
        maybe_make_up = possible_make_up_days(year)
        assert not maybe_off & statutory and all(d.weekday() < 5 for d in maybe_off)
        assert all(d.weekday() >= 5 for d in maybe_make_up)
        bridges = [d for d in chinese_calendar.holidays
                   if d.year == year and d.weekday() < 5 and d not in statutory]  # fmt: skip
        for d in bridges:
            assert d in maybe_off or d in unforeseeable, (d, chinese_calendar.holidays[d])
        for d in (d for d in chinese_calendar.workdays if d.year == year):
            assert d in maybe_make_up or d in unforeseeable, d


def test_2027_possible_days_off_are_the_usual_blocks():
    off = possible_days_off(2027)
    assert {date(2027, 2, 4), date(2027, 2, 9), date(2027, 2, 12)} <= off  # Spring Festival
    assert {date(2027, 5, 3), date(2027, 5, 5)} <= off  # Labour Day week
    assert {date(2027, 10, 4), date(2027, 10, 7)} <= off  # Golden Week
    assert date(2027, 6, 8) in off and date(2027, 6, 10) in off  # 端午 on a Wednesday
    assert date(2027, 12, 31) in off  # 1 Jan 2028 is a Saturday: maybe given back on Friday
    assert date(2027, 4, 6) not in off and date(2027, 10, 8) not in off
    assert date(2027, 3, 13) not in possible_make_up_days(2027)  # far from every holiday
    assert date(2027, 2, 13) in possible_make_up_days(2027)


def _without(data: CalendarData, year: int) -> BusinessCalendar:
    return BusinessCalendar(
        CalendarData(
            frozenset(d for d in data.holidays if d.year != year),
            frozenset(d for d in data.workdays if d.year != year),
            data.known_years - {year},
            "test",
        )
    )


# Years whose notice the fallback cannot reproduce: 3-day New Year blocks (2012, 2013), a worked
# 除夕 (2014, 2024) or 2 May (2017, 2018) under the law then in force, the 2015 parade holiday.
_OTHER_LAW_OR_ONE_OFF = {2012, 2013, 2014, 2015, 2017, 2018, 2024}


@pytest.mark.parametrize("year", [y for y in range(2008, 2027) if y not in _OTHER_LAW_OR_ONE_OFF])
def test_had_a_year_been_undeclared_its_real_days_fall_between_earliest_and_latest(year: int):
    """Take a declared year out of the calendar: for every day of it, the first working day and
    the 1st, 3rd, 5th and 10th working day after it, as the notice made them, lie between the
    fallback's earliest and latest."""
    data = load_calendar_data(None)
    truth, blind = BusinessCalendar(data), _without(data, year)
    d = date(year, 1, 1)
    while d.year == year:
        earliest, latest = blind.next_working_day_range(d)
        assert earliest <= truth.next_working_day(d) <= latest, d
        for n in (1, 3, 5, 10):
            earliest, latest = blind.add_working_days_range(d, n)
            assert earliest <= truth.add_working_days(d, n) <= latest, (d, n)
        d += timedelta(days=1)


def test_earliest_and_latest_are_one_day_in_declared_years(library_calendar: BusinessCalendar):
    d = date(2025, 1, 1)
    while d < date(2026, 12, 20):
        assert (
            library_calendar.next_working_day_range(d)
            == (library_calendar.next_working_day(d),) * 2
        )
        for n in (0, 1, 4):
            assert (
                library_calendar.add_working_days_range(d, n)
                == (library_calendar.add_working_days(d, n),) * 2
            )
        d += timedelta(days=1)


def test_earliest_and_latest_in_2027(library_calendar: BusinessCalendar):
    cal = library_calendar
    # Sat 3 Apr 2027, two days before 清明 (Mon 5 Apr): it may be made a working day (调休);
    # otherwise Tue 6 Apr, certainly a working day.
    assert cal.could_be_working_day(date(2027, 4, 3))
    assert not cal.is_certain_working_day(date(2027, 4, 3))
    assert cal.next_working_day_range(date(2027, 4, 3)) == (date(2027, 4, 3), date(2027, 4, 6))
    # A Saturday far from any holiday is a rest day whatever the notice says.
    assert cal.next_working_day_range(date(2027, 3, 13)) == (date(2027, 3, 15),) * 2
    # 正月初一: never a working day; 9-12 Feb may be bridged, so Mon 15 Feb at the latest.
    assert cal.next_working_day_range(date(2027, 2, 6)) == (date(2027, 2, 9), date(2027, 2, 15))
    assert cal.add_working_days_range(date(2027, 2, 3), 3) == (date(2027, 2, 10), date(2027, 2, 17))
    assert cal.add_working_days_range(date(2027, 2, 3), 0) == (date(2027, 2, 3),) * 2
    with pytest.raises(ValueError):
        cal.add_working_days_range(date(2027, 2, 3), -1)
