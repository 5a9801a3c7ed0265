"""What the law fixes about China's days off, and what the State Council's yearly notice may add.

国务院《全国年节及纪念日放假办法》 (2024 revision, in force 2025-01-01) sets the statutory holidays:
New Year's Day 1 Jan; Spring Festival 4 days, 除夕 and 正月初一-初三; Qingming 1 day, the solar
term; Labour Day 1-2 May; Dragon Boat 1 day, 五月初五; Mid-Autumn 1 day, 八月十五; National Day
1-3 Oct. `statutory_holidays` computes them, the lunar ones with `lunardate` (years 2000-2099).
The yearly notice settles the rest: bridges and longer blocks (`possible_days_off`) and the weekend
days worked in exchange (`possible_make_up_days`). `rules.calendar` uses these for years nobody
has declared yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import MAXYEAR, MINYEAR, date, timedelta

from lunardate import LunarDate

# Fixed-date statutory holidays (全国年节及纪念日放假办法, 2024 revision): New Year's Day 1 Jan,
# Labour Day 1-2 May, National Day 1-3 Oct. A bank may replace the list (calendar.yaml
# `fallback_fixed_holidays`); the lunar-calendar holidays are always added (`statutory_holidays`).
FALLBACK_FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
)
_FIXED_NAMES = {
    (1, 1): "New Year's Day (元旦)",
    (5, 1): "Labour Day (劳动节)",
    (5, 2): "Labour Day (劳动节)",
    (10, 1): "National Day (国庆节)",
    (10, 2): "National Day (国庆节)",
    (10, 3): "National Day (国庆节)",
}

# Years whose lunar-calendar holidays are computed: `lunardate` knows lunar years 1900-2099 and
# the Qingming formula below is the 21st century's. Outside, only the fixed-date days are known.
LUNAR_YEARS = range(2000, 2100)
LUNAR_HOLIDAYS = "Spring Festival eve and days 1-3, Qingming, Dragon Boat, Mid-Autumn"

# What the State Council may add around the statutory days, from its notices 2008-2026 (checked
# against chinesecalendar in tests/rules/test_calendar.py). A weekday is a possible day off when:
# - it lies in the Spring Festival window, 正月初一 - 2 .. 正月初一 + 7 (腊月廿八/廿九 to 初八;
#   the notices gave 除夕-1 .. 初七 at most, 2020's epidemic extension aside);
# - it lies in the Labour Day window 05-01..05-05, or the National Day window 10-01..10-07
#   (10-08 when Mid-Autumn falls 09-29..10-08 and the two merge into one 8-day block);
# - it bridges a holiday to a weekend: the weekdays between the rest block around a statutory day
#   (the day with its adjacent weekend days and holidays) and the next weekend, when they are at
#   most BRIDGE_MAX_WEEKDAYS (a Tuesday holiday makes Monday a bridge; a Wednesday one, Monday-
#   Tuesday or Thursday-Friday, as in 2010);
# - it is the weekday next to a rest block in which a statutory day falls on a weekend (补假: the
#   law gives such a day back on a working day, the Friday before or the Monday after).
# A weekend day is a possible make-up working day when it lies within MAKE_UP_WINDOW_DAYS of a
# statutory holiday (the notices 2004-2026: 9 days at most). One-off holidays (the 2015 victory
# parade) and 2004-2013's 3-day New Year blocks are not foreseen.
SPRING_FESTIVAL_WINDOW = (-2, 7)
BRIDGE_MAX_WEEKDAYS = 2
MAKE_UP_WINDOW_DAYS = 10

_ONE_DAY = timedelta(days=1)


def qingming(year: int) -> date:
    """清明 of `year` (2000-2099): the day the sun reaches ecliptic longitude 15 degrees, by the
    寿星 formula [Y x 0.2422 + 4.81] - [Y / 4] April with Y = year % 100 (no exception this
    century), in integers so that no float rounding can move it."""
    if year not in LUNAR_YEARS:
        raise ValueError(f"Qingming is computed for 2000-2099, not {year}")
    y = year % 100
    return date(year, 4, (y * 2422 + 48100) // 10000 - y // 4)


def _solar(year: int, month: int, day: int) -> date:
    """The solar date of lunar `year`-`month`-`day` (an ordinary, not a leap, month)."""
    solar: date = LunarDate(year, month, day).to_solar_date()
    return solar


def spring_festival(year: int) -> date:
    """正月初一 that falls in the solar year `year` (2000-2099)."""
    return _solar(year, 1, 1)


def mid_autumn(year: int) -> date:
    """中秋, 八月十五, of `year` (2000-2099)."""
    return _solar(year, 8, 15)


def statutory_holidays(
    year: int, fixed: Iterable[tuple[int, int]] = FALLBACK_FIXED_HOLIDAYS
) -> dict[date, str]:
    """The statutory holidays of `year` per the 2024 rules, each with its name, in date order:
    the fixed-date days in `fixed` (a 02-29 only in leap years) and, for 2000-2099, 除夕 (the
    day before 正月初一, whether the 12th month has 29 or 30 days), 正月初一-初三, Qingming,
    端午 (五月初五 of the ordinary, not a leap, 5th month) and 中秋 (八月十五)."""
    days: dict[date, list[str]] = {}

    def add(d: date, name: str) -> None:
        names = days.setdefault(d, [])
        if name not in names:
            names.append(name)

    for month, day in sorted(set(fixed)):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        add(d, _FIXED_NAMES.get((month, day), "fixed-date holiday"))
    if year in LUNAR_YEARS:
        first = spring_festival(year)
        add(first - _ONE_DAY, "Spring Festival eve (除夕)")
        for i, lunar_day in enumerate(("正月初一", "正月初二", "正月初三")):
            add(first + timedelta(days=i), f"Spring Festival ({lunar_day})")
        add(qingming(year), "Qingming (清明)")
        add(_solar(year, 5, 5), "Dragon Boat Festival (端午)")
        add(mid_autumn(year), "Mid-Autumn Festival (中秋)")
    return {d: " and ".join(days[d]) for d in sorted(days)}


def _statutory_around(year: int, fixed: frozenset[tuple[int, int]]) -> frozenset[date]:
    """Statutory days of `year` and its neighbours: a bridge or make-up day may cross New Year."""
    out: set[date] = set()
    for y in (year - 1, year, year + 1):
        if MINYEAR < y < MAXYEAR:
            out.update(statutory_holidays(y, fixed))
    return frozenset(out)


def _bridges(stat: frozenset[date]) -> set[date]:
    """Weekdays that may bridge a statutory holiday's break to a weekend (at most
    BRIDGE_MAX_WEEKDAYS on either side), or the first weekday after a break whose holiday fell on
    a weekend (a day given in lieu)."""

    def rest(d: date) -> bool:
        return d.weekday() >= 5 or d in stat

    out: set[date] = set()
    for h in stat:
        lo = hi = h
        while rest(lo - _ONE_DAY):
            lo -= _ONE_DAY
        while rest(hi + _ONE_DAY):
            hi += _ONE_DAY
        in_lieu = any(
            d in stat and d.weekday() >= 5
            for d in (lo + timedelta(days=i) for i in range((hi - lo).days + 1))
        )
        for edge, step in ((lo, -_ONE_DAY), (hi, _ONE_DAY)):
            gap: list[date] = []
            d = edge + step
            while not rest(d) and len(gap) <= BRIDGE_MAX_WEEKDAYS:
                gap.append(d)
                d += step
            if len(gap) <= BRIDGE_MAX_WEEKDAYS:
                out.update(gap)
            elif in_lieu:
                out.add(gap[0])
    return out


def _golden_weeks(year: int) -> set[date]:
    """The usual long breaks: Spring Festival's window, 1-5 May, 1-7 Oct (to 8 Oct when
    Mid-Autumn falls next to National Day)."""
    out: set[date] = set()
    national_last = 7
    if year in LUNAR_YEARS:
        first = spring_festival(year)
        lo_off, hi_off = SPRING_FESTIVAL_WINDOW
        out.update(first + timedelta(days=i) for i in range(lo_off, hi_off + 1))
        if date(year, 9, 29) <= mid_autumn(year) <= date(year, 10, 8):
            national_last = 8
    out.update(date(year, 5, d) for d in range(1, 6))
    out.update(date(year, 10, d) for d in range(1, national_last + 1))
    return out


def possible_days_off(
    year: int, fixed: frozenset[tuple[int, int]] = FALLBACK_FIXED_HOLIDAYS
) -> frozenset[date]:
    """Weekdays of `year` that are not statutory holidays but that the State Council's notice
    may make days off (the rule is documented above, with BRIDGE_MAX_WEEKDAYS)."""
    if not MINYEAR < year < MAXYEAR:
        return frozenset()
    stat = _statutory_around(year, fixed)
    out = _bridges(stat) | _golden_weeks(year)
    return frozenset(d for d in out if d.year == year and d.weekday() < 5 and d not in stat)


def possible_make_up_days(
    year: int, fixed: frozenset[tuple[int, int]] = FALLBACK_FIXED_HOLIDAYS
) -> frozenset[date]:
    """Weekend days of `year` that the State Council's notice may make working days (调休):
    those within MAKE_UP_WINDOW_DAYS of a statutory holiday, not themselves statutory."""
    if not MINYEAR < year < MAXYEAR:
        return frozenset()
    stat = _statutory_around(year, fixed)
    window = timedelta(days=MAKE_UP_WINDOW_DAYS)
    out: set[date] = set()
    for h in stat:
        d = h - window
        while d <= h + window:
            if d.year == year and d.weekday() >= 5 and d not in stat:
                out.add(d)
            d += _ONE_DAY
    return frozenset(out)
