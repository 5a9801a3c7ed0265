"""Load the business calendar: `chinesecalendar` for the years it knows, then the bank's
`policy/calendar.yaml`, whose years replace or extend the library's.

Errors in the YAML name the file and line (InputError, exit 2). The format is documented in the
shipped `policy/calendar.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rules.calendar import FALLBACK_FIXED_HOLIDAYS, BusinessCalendar, CalendarData
from rules.errors import InputError

CALENDAR_FILE = "calendar.yaml"
_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_TOP_KEYS = {"version", "fallback_fixed_holidays", "years"}
_YEAR_KEYS = {"source", "holidays", "workdays"}


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


class _Reader:
    """Walks the composed YAML nodes so every error can name its line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Node | None, message: str) -> InputError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return InputError(f"{self.path}{line}: {message}")

    def mapping(self, node: Node, what: str) -> list[tuple[ScalarNode, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        out: list[tuple[ScalarNode, Node]] = []
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                raise self.fail(key, f"{what}: keys must be plain values")
            out.append((key, value))
        return out

    def scalars(self, node: Node, what: str) -> list[ScalarNode]:
        if isinstance(node, ScalarNode) and node.value in ("", "~", "null"):
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        out: list[ScalarNode] = []
        for item in node.value:
            if not isinstance(item, ScalarNode):
                raise self.fail(item, f"{what}: each entry is a date or a range A..B")
            out.append(item)
        return out

    def dates(self, node: ScalarNode, year: int, what: str) -> list[date]:
        text = node.value.strip()
        m = _RANGE.match(text)
        try:
            if m:
                lo, hi = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
                if hi < lo:
                    raise self.fail(node, f"{what}: range {text} ends before it starts")
                days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
            else:
                days = [date.fromisoformat(text)]
        except ValueError:
            raise self.fail(
                node, f"{what}: {text!r} is not a date YYYY-MM-DD or a range A..B"
            ) from None
        for d in days:
            if d.year != year:
                raise self.fail(node, f"{what}: {d.isoformat()} is not in {year}")
        return days


def _parse_year(reader: _Reader, key: ScalarNode, value: Node) -> tuple[int, YearDays, str | None]:
    try:
        year = int(key.value)
    except ValueError:
        raise reader.fail(key, f"year {key.value!r} is not a year number") from None
    if not 1900 <= year <= 2100:
        raise reader.fail(key, f"year {year} is out of range 1900-2100")
    holidays: dict[date, ScalarNode] = {}
    workdays: dict[date, ScalarNode] = {}
    source: str | None = None
    seen: set[str] = set()
    for k, v in reader.mapping(value, f"year {year}"):
        if k.value not in _YEAR_KEYS:
            raise reader.fail(
                k,
                f"year {year}: unknown key {k.value!r} (expected {', '.join(sorted(_YEAR_KEYS))})",
            )
        seen.add(k.value)
        if k.value == "source":
            if not isinstance(v, ScalarNode):
                raise reader.fail(v, f"year {year}: source must be text")
            source = v.value
            continue
        target = holidays if k.value == "holidays" else workdays
        for item in reader.scalars(v, f"year {year} {k.value}"):
            for d in reader.dates(item, year, f"year {year} {k.value}"):
                if d in target:
                    raise reader.fail(item, f"{d.isoformat()} is listed twice in {k.value}")
                target[d] = item
    for missing in ("holidays", "workdays"):
        if missing not in seen:
            raise reader.fail(
                key, f"year {year} must list {missing} (an empty list [] when there are none)"
            )
    for d, node in workdays.items():
        if d in holidays:
            raise reader.fail(node, f"{d.isoformat()} is both a holiday and a make-up working day")
        if d.weekday() < 5:
            raise reader.fail(
                node,
                f"{d.isoformat()} is a weekday: make-up working days (调休) are weekend days",
            )
    return year, YearDays(frozenset(holidays), frozenset(workdays)), source


def _parse_fixed(reader: _Reader, node: Node) -> frozenset[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for item in reader.scalars(node, "fallback_fixed_holidays"):
        m = _MONTH_DAY.match(item.value.strip())
        ok = False
        if m:
            try:
                date(2000, int(m.group(1)), int(m.group(2)))  # a leap year admits 02-29
                ok = True
            except ValueError:
                ok = False
        if not ok or m is None:
            raise reader.fail(item, f"fallback_fixed_holidays: {item.value!r} is not MM-DD")
        out.add((int(m.group(1)), int(m.group(2))))
    return frozenset(out)


@dataclass(frozen=True)
class CalendarFile:
    years: dict[int, YearDays]
    fallback_fixed: frozenset[tuple[int, int]] | None


def read_calendar_file(path: Path) -> CalendarFile:
    """Parse and validate a calendar YAML; InputError with file and line when it is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the calendar: {exc}") from None
    reader = _Reader(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{path}{line}: not valid YAML: {problem}") from None
    if root is None:
        return CalendarFile({}, None)
    years: dict[int, YearDays] = {}
    fixed: frozenset[tuple[int, int]] | None = None
    for key, value in reader.mapping(root, "the calendar file"):
        if key.value not in _TOP_KEYS:
            expected = ", ".join(sorted(_TOP_KEYS))
            raise reader.fail(key, f"unknown key {key.value!r} (expected {expected})")
        if key.value == "version":
            if not (isinstance(value, ScalarNode) and value.value == "1"):
                raise reader.fail(value, "version must be 1")
        elif key.value == "fallback_fixed_holidays":
            fixed = _parse_fixed(reader, value)
        elif isinstance(value, ScalarNode) and value.value in ("", "~", "null"):
            continue
        else:
            for ykey, yvalue in reader.mapping(value, "years"):
                year, days, _source = _parse_year(reader, ykey, yvalue)
                if year in years:
                    raise reader.fail(ykey, f"year {year} is declared twice")
                years[year] = days
    return CalendarFile(years, fixed)


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
    """The business calendar for a policy folder (its `calendar.yaml` when it has one)."""
    path = policy_dir / CALENDAR_FILE if policy_dir is not None else None
    return BusinessCalendar(load_calendar_data(path))
