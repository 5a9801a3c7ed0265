"""Load the business calendar: `chinesecalendar` for the years it knows, then the bank's
`policy/calendar.yaml`, whose years replace or extend the library's.

`calendar.yaml` is read by the one YAML loader (tasks/yaml_file.py) into `CalendarModel`; its
errors name the file and line (YamlFileError, an InputError: exit 2). The format is documented
in the shipped `policy/calendar.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator

from rules.calendar import BusinessCalendar, CalendarData
from rules.holidays import FALLBACK_FIXED_HOLIDAYS
from tasks.policy_dir import resolve_policy_dir
from tasks.yaml_file import YPath, read_yaml

CALENDAR_FILE = "calendar.yaml"
_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class YearDays:
    holidays: frozenset[date]
    workdays: frozenset[date]


@lru_cache(maxsize=1)
def library_years() -> tuple[str, dict[int, YearDays]]:
    """(label, days per year) from `chinesecalendar`; years span its first to last holiday."""
    import chinese_calendar

    holidays: dict[int, set[date]] = {}
    workdays: dict[int, set[date]] = {}
    for d in chinese_calendar.holidays:
        holidays.setdefault(d.year, set()).add(d)
    for d in chinese_calendar.workdays:
        workdays.setdefault(d.year, set()).add(d)
    first, last = min(holidays), max(holidays)
    years = {
        y: YearDays(frozenset(holidays.get(y, ())), frozenset(workdays.get(y, ())))
        for y in range(first, last + 1)
    }
    version = getattr(chinese_calendar, "__version__", "?")
    return f"chinesecalendar {version} ({first}-{last})", years


def _span(value: Any) -> tuple[date, date]:
    """A date `YYYY-MM-DD` or a range `A..B` (both included) as (first, last)."""
    if not isinstance(value, str | date) or isinstance(value, datetime):
        raise ValueError("each entry is a date YYYY-MM-DD or a range A..B")
    text = str(value).strip()
    m = _RANGE.match(text)
    try:
        lo = date.fromisoformat(m.group(1) if m else text)
        hi = date.fromisoformat(m.group(2)) if m else lo
    except ValueError:
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD or a range A..B") from None
    if hi < lo:
        raise ValueError(f"range {text} ends before it starts")
    return lo, hi


def _year(value: Any) -> int:
    try:
        year = int(value) if not isinstance(value, bool | float) else None
    except (TypeError, ValueError):
        year = None
    if year is None:
        raise ValueError(f"year {value!r} is not a year number")
    if not 1900 <= year <= 2100:
        raise ValueError(f"year {year} is out of range 1900-2100")
    return year


def _month_day(value: Any) -> tuple[int, int]:
    m = _MONTH_DAY.match(value.strip()) if isinstance(value, str) else None
    try:
        if m is not None:
            date(2000, int(m.group(1)), int(m.group(2)))  # a leap year admits 02-29
            return int(m.group(1)), int(m.group(2))
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not MM-DD")


def _version(value: Any) -> int:
    if value not in (1, "1") or isinstance(value, bool):
        raise ValueError("must be 1")
    return 1


def _empty_if_null(empty: Any) -> Any:
    return BeforeValidator(lambda v: empty if v is None else v)


Span = Annotated[tuple[date, date], PlainValidator(_span)]
Days = Annotated[tuple[Span, ...] | None, _empty_if_null(())]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class YearEntry(_Frozen):
    """One declared year: the State Council notice it comes from, its days off and its make-up
    working days. Both lists are required (`[]` when there are none); missing is None here
    and a problem of `year_problems`, so the message can say what to write."""

    source: str | None = None
    holidays: Days = None
    workdays: Days = None


class CalendarModel(_Frozen):
    """policy/calendar.yaml (the format is documented in the shipped file)."""

    version: Annotated[int, PlainValidator(_version)] = 1
    fallback_fixed_holidays: Annotated[
        tuple[Annotated[tuple[int, int], PlainValidator(_month_day)], ...] | None,
        _empty_if_null(()),
    ] = None
    years: Annotated[
        dict[Annotated[int, PlainValidator(_year)], YearEntry], _empty_if_null({})
    ] = {}


def _expand(
    year: int, name: str, spans: tuple[Span, ...], problems: list[tuple[YPath, str]]
) -> dict[date, int]:
    """Every day of `spans` (date -> index of its entry); days outside the year or listed
    twice are problems."""
    days: dict[date, int] = {}
    for i, (lo, hi) in enumerate(spans):
        for n in range((hi - lo).days + 1):
            d = lo + timedelta(days=n)
            if d.year != year or d in days:
                why = f"is not in {year}" if d.year != year else f"is listed twice in {name}"
                problems.append((("years", year, name, i), f"{d.isoformat()} {why}"))
                break
            days[d] = i
    return days


def year_problems(year: int, entry: YearEntry) -> tuple[YearDays, list[tuple[YPath, str]]]:
    """The year's days, and (path, message) for every day that cannot be as declared."""
    problems: list[tuple[YPath, str]] = [
        (("years", year), f"year {year} must list {name} (an empty list [] when there are none)")
        for name in ("holidays", "workdays")
        if getattr(entry, name) is None
    ]
    holidays = _expand(year, "holidays", entry.holidays or (), problems)
    workdays = _expand(year, "workdays", entry.workdays or (), problems)
    for d, i in workdays.items():
        where = ("years", year, "workdays", i)
        if d in holidays:
            problems.append((where, f"{d.isoformat()} is both a holiday and a make-up working day"))
        elif d.weekday() < 5:
            msg = f"{d.isoformat()} is a weekday: make-up working days (调休) are weekend days"
            problems.append((where, msg))
    return YearDays(frozenset(holidays), frozenset(workdays)), problems


@dataclass(frozen=True)
class CalendarFile:
    years: dict[int, YearDays]
    fallback_fixed: frozenset[tuple[int, int]] | None


def read_calendar_file(path: Path) -> CalendarFile:
    """Parse and validate a calendar YAML; YamlFileError (an InputError, exit 2) with every
    problem at its file and line when it is wrong."""
    doc = read_yaml(path)
    model = doc.validate(CalendarModel, {} if doc.data is None else doc.data)
    years: dict[int, YearDays] = {}
    problems: list[tuple[YPath, str]] = []
    for year, entry in model.years.items():
        years[year], found = year_problems(year, entry)
        problems += found
    doc.check(problems)
    fixed = model.fallback_fixed_holidays
    return CalendarFile(years, frozenset(fixed) if fixed is not None else None)


def load_calendar_data(path: Path | None = None, use_library: bool = True) -> CalendarData:
    """The library's years (unless `use_library` is False), then the years of the YAML at `path`
    (each replaces the library's version of that year entirely)."""
    labels: list[str] = []
    years: dict[int, YearDays] = {}
    if use_library:
        label, lib = library_years()
        years.update(lib)
        labels.append(label)
    fixed: frozenset[tuple[int, int]] | None = None
    if path is not None and path.exists():
        parsed = read_calendar_file(path)
        years.update(parsed.years)
        fixed = parsed.fallback_fixed
        if parsed.years:
            listed = ", ".join(str(y) for y in sorted(parsed.years))
            labels.append(f"{path.name} ({listed})")
    holidays = frozenset(d for y in years.values() for d in y.holidays)
    workdays = frozenset(d for y in years.values() for d in y.workdays)
    return CalendarData(
        holidays=holidays,
        workdays=workdays,
        known_years=frozenset(years),
        source=" + ".join(labels) or "no calendar data",
        fallback_fixed=fixed if fixed is not None else FALLBACK_FIXED_HOLIDAYS,
    )


def load_calendar(policy_dir: Path | None) -> BusinessCalendar:
    """The business calendar for a policy folder (its `calendar.yaml` when it has one); None is
    the folder `load_policy(None)` reads too (`resolve_policy_dir`)."""
    folder = policy_dir if policy_dir is not None else resolve_policy_dir()
    return BusinessCalendar(load_calendar_data(folder / CALENDAR_FILE))
