"""The business calendar: which days are working days in mainland China.

Data, not code: `CalendarData` holds the declared holidays, the make-up working days (调休) and the
years they cover; `tasks/calendar.py` builds it from `chinesecalendar` plus `policy/calendar.yaml`.

A year nobody declared yet (the fallback) is counted from what the law itself fixes. 国务院
《全国年节及纪念日放假办法》 (2024 revision, in force 2025-01-01) sets the statutory holidays:
New Year's Day 1 Jan; Spring Festival 4 days, 除夕 and 正月初一-初三; Qingming 1 day, the solar
term; Labour Day 1-2 May; Dragon Boat 1 day, 五月初五; Mid-Autumn 1 day, 八月十五; National Day
1-3 Oct. `statutory_holidays` computes them, the lunar ones with `lunardate` (years 2000-2099).
What only the State Council's yearly notice settles is unknown there: which weekdays next to the
holidays become days off (bridges, in-lieu days, the longer Spring Festival and Golden Week
blocks; `possible_days_off`) and which weekend days are worked in exchange
(`possible_make_up_days`).
So in such a year a day is certainly a rest day (a statutory holiday, or a weekend day too far from
every holiday to be a make-up day), certainly a working day (a weekday neither statutory nor a
possible day off), or undecided. `is_working_day` gives the middle reading (weekdays that are not
statutory holidays); `next_working_day_range` and `add_working_days_range` give the earliest and
the latest day a deadline can fall on once the year is declared. Every answer that touched such a
date can be checked with `warning_for` / `warnings_for`, and never passes silently.

Cheap per call: answers are cached per date (the daily cycle asks once per distinct date, but a
million cases share a few hundred dates), the fallback's days per year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from rules.holidays import (
    FALLBACK_FIXED_HOLIDAYS,
    LUNAR_HOLIDAYS,
    LUNAR_YEARS,
    possible_days_off,
    possible_make_up_days,
    statutory_holidays,
)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CalendarData:
    """Declared days off and make-up working days, and the years they fully describe.

    `holidays`: days off that would otherwise be working days (a listed weekend day is harmless).
    `workdays`: make-up working days (调休), usually a Saturday or Sunday.
    `known_years`: years whose holidays and make-up days are all declared here.
    `source`: where the data came from, for run records and warnings.
    `fallback_fixed`: (month, day) pairs treated as statutory holidays in years outside
    `known_years`, together with the computed lunar-calendar ones (`statutory_holidays`).
    """

    holidays: frozenset[date]
    workdays: frozenset[date]
    known_years: frozenset[int]
    source: str = "declared"
    fallback_fixed: frozenset[tuple[int, int]] = field(default=FALLBACK_FIXED_HOLIDAYS)

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            first = min(both).isoformat()
            raise ValueError(f"{first} is declared both a holiday and a make-up working day")


def fallback_warning(
    years: Iterable[int], source: str, fixed: Iterable[tuple[int, int]] = FALLBACK_FIXED_HOLIDAYS
) -> str:
    """The loud sentence shown when a date falls outside every known year: what the fallback
    knows (the statutory holidays), what it cannot (bridges, make-up days) and what that means
    for a deadline there (a range)."""
    unknown = sorted(set(years))
    listed = ", ".join(str(y) for y in unknown)
    days = ", ".join(f"{m:02d}-{d:02d}" for m, d in sorted(set(fixed))) or "none"
    lunar = [y for y in unknown if y in LUNAR_YEARS]
    no_lunar = [y for y in unknown if y not in LUNAR_YEARS]
    knows = f"the fixed-date holidays ({days})"
    if lunar:
        knows += f" and the lunar-calendar ones ({LUNAR_HOLIDAYS})"
    if no_lunar:
        knows += (
            f"; the lunar-calendar holidays are not computed for "
            f"{', '.join(str(y) for y in no_lunar)} (outside 2000-2099)"
        )
    subject = f"years {listed} are" if len(unknown) > 1 else f"year {listed} is"
    return (
        f"CALENDAR WARNING: {subject} not in the business calendar ({source}); "
        f"counted with weekends and the statutory holidays of 全国年节及纪念日放假办法 (2024): "
        f"{knows}. The bridge days off and make-up working days (调休) the State Council "
        "declares each year are not known, so a deadline there is given as the earliest and "
        "the latest date it can fall on. Add the year to policy/calendar.yaml once the State "
        "Council publishes it."
    )


@dataclass(frozen=True)
class _FallbackYear:
    holidays: frozenset[date]
    maybe_off: frozenset[date]
    maybe_make_up: frozenset[date]


class _Day(NamedTuple):
    """A day's three readings: as counted (`working`), may yet be a working day (`possible`),
    is one whatever is declared (`certain`). All three agree in a declared year."""

    working: bool
    possible: bool
    certain: bool


class BusinessCalendar:
    """Working-day arithmetic over `CalendarData`, with a per-date cache."""

    def __init__(self, data: CalendarData) -> None:
        self.data = data
        self._days: dict[date, _Day] = {}
        self._added: dict[tuple[date, int], date] = {}
        self._added_range: dict[tuple[date, int], tuple[date, date]] = {}
        self._counts: dict[int, list[int]] = {}
        self._fallback: dict[int, _FallbackYear] = {}
        self._names: dict[int, dict[date, str]] = {}

    @property
    def source(self) -> str:
        return self.data.source

    # -- single days ---------------------------------------------------------------------------

    def year_known(self, year: int) -> bool:
        return year in self.data.known_years

    def is_known(self, d: date) -> bool:
        """Whether `d` lies in a year whose holidays and make-up days are declared."""
        return d.year in self.data.known_years

    def fallback_year(self, year: int) -> _FallbackYear:
        """The statutory holidays, possible days off and possible make-up days of a year (as
        the fallback counts an undeclared year)."""
        hit = self._fallback.get(year)
        if hit is None:
            fixed = self.data.fallback_fixed
            hit = _FallbackYear(
                frozenset(statutory_holidays(year, fixed)),
                possible_days_off(year, fixed),
                possible_make_up_days(year, fixed),
            )
            self._fallback[year] = hit
        return hit

    def _reading(self, d: date) -> _Day:
        """The three readings of a day, computed once per date (the cycle asks for a few hundred
        distinct dates, a million times)."""
        hit = self._days.get(d)
        if hit is not None:
            return hit
        if d.year in self.data.known_years:
            if d in self.data.workdays:
                working = True
            elif d in self.data.holidays:
                working = False
            else:
                working = d.weekday() < 5
            hit = _Day(working, working, working)
        else:
            fb = self.fallback_year(d.year)
            weekday, holiday = d.weekday() < 5, d in fb.holidays
            hit = _Day(
                working=weekday and not holiday,
                possible=not holiday and (weekday or d in fb.maybe_make_up),
                certain=weekday and not holiday and d not in fb.maybe_off,
            )
        self._days[d] = hit
        return hit

    def is_working_day(self, d: date) -> bool:
        """Declared years: as declared. Undeclared years: a weekday that is not a statutory
        holiday (bridges and make-up days unknown; see `next_working_day_range`)."""
        return self._reading(d).working

    def is_rest_day(self, d: date) -> bool:
        """A weekend day that is not a make-up working day, or a holiday."""
        return not self.is_working_day(d)

    def holiday_name(self, d: date) -> str | None:
        """The name of the holiday `d` is, or None: a statutory holiday of 全国年节及纪念日放假办法
        (2024) in any year (even on a weekend), or a day off the State Council declared in a known
        year (a weekday made a day off, or a weekend day inside a holiday block), named after the
        nearest statutory holiday. An ordinary weekend is not a holiday. The conduct gate asks
        this (no collection contact on 法定节假日, rules/conduct.py)."""
        names = self._names.get(d.year)
        if names is None:
            names = statutory_holidays(d.year, self.data.fallback_fixed)
            self._names[d.year] = names
        name = names.get(d)
        if name is not None:
            return name
        if not self.is_known(d) or d in self.data.workdays or d not in self.data.holidays:
            return None
        near = [h for h in names if abs((h - d).days) <= 10]
        if not near:
            return "day off declared by the State Council"
        closest = min(near, key=lambda h: (abs((h - d).days), h))
        return f"{names[closest]} break (day off declared by the State Council)"

    def could_be_working_day(self, d: date) -> bool:
        """Whether `d` is, or may yet be declared, a working day. Declared years: a working day.
        Undeclared: not a statutory holiday, and a weekday or a possible make-up weekend day."""
        return self._reading(d).possible

    def is_certain_working_day(self, d: date) -> bool:
        """Whether `d` is a working day whatever the State Council declares. Declared years: a
        working day. Undeclared: a weekday neither a statutory holiday nor a possible day off."""
        return self._reading(d).certain

    # -- warnings ------------------------------------------------------------------------------

    def warning_for(self, d: date) -> str | None:
        """The fallback warning when `d` is outside every known year, else None."""
        return self.warnings_for((d,))

    def warnings_for(self, dates: Iterable[date]) -> str | None:
        """One warning naming every unknown year among `dates`, or None when all are known."""
        unknown = {d.year for d in dates if d.year not in self.data.known_years}
        if not unknown:
            return None
        return fallback_warning(unknown, self.data.source, self.data.fallback_fixed)

    def warning_for_span(self, a: date, b: date) -> str | None:
        """The warning for any date between `a` and `b` inclusive (either order)."""
        lo, hi = (a, b) if a <= b else (b, a)
        unknown = [y for y in range(lo.year, hi.year + 1) if y not in self.data.known_years]
        if not unknown:
            return None
        return fallback_warning(unknown, self.data.source, self.data.fallback_fixed)

    # -- arithmetic ----------------------------------------------------------------------------

    def next_working_day(self, d: date) -> date:
        """The first working day on or after `d`."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def next_working_day_range(self, d: date) -> tuple[date, date]:
        """(earliest, latest) first working day on or after `d`: the first day that could be a
        working day, and the first that certainly is. Equal in declared years."""
        earliest = d
        while not self.could_be_working_day(earliest):
            earliest += _ONE_DAY
        latest = earliest
        while not self.is_certain_working_day(latest):
            latest += _ONE_DAY
        return earliest, latest

    def previous_working_day(self, d: date) -> date:
        """The last working day on or before `d`."""
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (the day after `d` is the first candidate, as in Civil
        Code Art. 201); n = 0 gives `d` itself; a negative n counts back before `d`."""
        key = (d, n)
        cached = self._added.get(key)
        if cached is not None:
            return cached
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        cur = d
        while remaining:
            cur += step
            if self.is_working_day(cur):
                remaining -= 1
        self._added[key] = cur
        return cur

    def add_working_days_range(self, d: date, n: int) -> tuple[date, date]:
        """(earliest, latest) n-th working day after `d` (n >= 0): counting every day that could
        be a working day, and counting only the days that certainly are. Equal in declared
        years; n = 0 gives (`d`, `d`)."""
        if n < 0:
            raise ValueError(f"a count of working days cannot be negative: {n}")
        key = (d, n)
        cached = self._added_range.get(key)
        if cached is not None:
            return cached
        ends: list[date] = []
        for counts in (self.could_be_working_day, self.is_certain_working_day):
            remaining, cur = n, d
            while remaining:
                cur += _ONE_DAY
                if counts(cur):
                    remaining -= 1
            ends.append(cur)
        result = (ends[0], ends[1])
        self._added_range[key] = result
        return result

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (negative when b < a), so that
        `add_working_days(a, working_days_between(a, b))` is the last working day <= b (or `a`
        when there is none). Uses per-year running counts: cheap for spans of years."""
        if b < a:
            return -self.working_days_between(b, a)
        if a.year == b.year:
            table = self._year_counts(a.year)
            return table[b.timetuple().tm_yday] - table[a.timetuple().tm_yday]
        first = self._year_counts(a.year)
        count = first[-1] - first[a.timetuple().tm_yday]
        for year in range(a.year + 1, b.year):
            count += self._year_counts(year)[-1]
        return count + self._year_counts(b.year)[b.timetuple().tm_yday]

    def _year_counts(self, year: int) -> list[int]:
        """counts[i] = working days among the first i days of `year` (counts[0] = 0)."""
        table = self._counts.get(year)
        if table is None:
            table = [0]
            d = date(year, 1, 1)
            while d.year == year:
                table.append(table[-1] + self.is_working_day(d))
                d += _ONE_DAY
            self._counts[year] = table
        return table
