"""The business calendar: which days are working days in mainland China.

Data, not code: `CalendarData` holds the statutory holidays, the make-up working days (调休) and the
years they cover; `tasks/calendar.py` builds it from `chinesecalendar` plus `policy/calendar.yaml`.
For a date in a year nobody declared, the calendar falls back to weekends plus the fixed-date
statutory holidays (`FALLBACK_FIXED_HOLIDAYS`) and says so: every answer that touched such a date
can be checked with `warning_for` / `warnings_for`, and never passes silently.

Cheap per call: answers are cached per date (the daily cycle asks once per distinct date, but a
million cases share a few hundred dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

# Fixed-date statutory holidays used for years no one has declared (国务院《全国年节及纪念日放假
# 办法》 as revised 2024, in force 2025-01-01): New Year's Day 1 Jan, Labour Day 1-2 May, National
# Day 1-3 Oct. The lunar holidays (Spring Festival, Qingming, Dragon Boat, Mid-Autumn) move every
# year and the State Council's yearly notice sets the bridges and make-up days, so a fallback year
# knows neither: that is why it warns.
FALLBACK_FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CalendarData:
    """Declared days off and make-up working days, and the years they fully describe.

    `holidays`: days off that would otherwise be working days (a listed weekend day is harmless).
    `workdays`: make-up working days (调休), usually a Saturday or Sunday.
    `known_years`: years whose holidays and make-up days are all declared here.
    `source`: where the data came from, for run records and warnings.
    `fallback_fixed`: (month, day) pairs treated as holidays in years outside `known_years`.
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
    """The loud sentence shown when a date falls outside every known year."""
    listed = ", ".join(str(y) for y in sorted(set(years)))
    days = ", ".join(f"{m:02d}-{d:02d}" for m, d in sorted(fixed)) or "none"
    return (
        f"CALENDAR WARNING: year {listed} is not in the business calendar ({source}); "
        f"counted with weekends and the fixed-date holidays only ({days}), without Spring "
        "Festival, Qingming, Dragon Boat, Mid-Autumn or make-up working days. Add the year to "
        "policy/calendar.yaml once the State Council publishes it."
    )


class BusinessCalendar:
    """Working-day arithmetic over `CalendarData`, with a per-date cache."""

    def __init__(self, data: CalendarData) -> None:
        self.data = data
        self._working: dict[date, bool] = {}
        self._added: dict[tuple[date, int], date] = {}
        self._counts: dict[int, list[int]] = {}

    @property
    def source(self) -> str:
        return self.data.source

    # -- single days ---------------------------------------------------------------------------

    def year_known(self, year: int) -> bool:
        return year in self.data.known_years

    def is_known(self, d: date) -> bool:
        """Whether `d` lies in a year whose holidays and make-up days are declared."""
        return d.year in self.data.known_years

    def is_working_day(self, d: date) -> bool:
        cached = self._working.get(d)
        if cached is not None:
            return cached
        if d.year in self.data.known_years:
            if d in self.data.workdays:
                result = True
            elif d in self.data.holidays:
                result = False
            else:
                result = d.weekday() < 5
        else:
            result = d.weekday() < 5 and (d.month, d.day) not in self.data.fallback_fixed
        self._working[d] = result
        return result

    def is_rest_day(self, d: date) -> bool:
        """A weekend day that is not a make-up working day, or a holiday."""
        return not self.is_working_day(d)

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
