"""Loading the calendar: chinesecalendar plus policy/calendar.yaml, errors with file and line."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

from rules.errors import InputError
from tasks.calendar import (
    CALENDAR_FILE,
    load_calendar,
    load_calendar_data,
    read_calendar_file,
)
from tasks.policy import check_policy, load_policy
from tasks.yaml_file import YamlFileError

SHIPPED = Path(__file__).resolve().parents[2] / "policy" / CALENDAR_FILE


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / CALENDAR_FILE
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_the_shipped_file_loads_and_adds_no_invented_year():
    parsed = read_calendar_file(SHIPPED)
    assert parsed.years == {}
    cal = load_calendar(SHIPPED.parent)
    assert not cal.year_known(2027)
    assert cal.year_known(2026) and cal.year_known(2004)
    assert "chinesecalendar" in cal.source


def test_the_documented_example_is_exactly_the_library_2026(tmp_path: Path):
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    start = lines.index("# years:")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line[2:] if line.startswith("# ") else line[1:])
    parsed = read_calendar_file(write(tmp_path, "\n".join(block) + "\n"))
    assert set(parsed.years) == {2026}
    days = parsed.years[2026]
    library_holidays = {d for d in chinese_calendar.holidays if d.year == 2026}
    library_workdays = {d for d in chinese_calendar.workdays if d.year == 2026}
    assert days.holidays == library_holidays
    assert days.workdays == library_workdays


def test_a_yaml_year_extends_the_library(tmp_path: Path):
    # Test data only, not the State Council's 2027 arrangement.
    path = write(
        tmp_path,
        """
        version: 1
        years:
          2027:
            source: test data
            holidays: [2027-10-01..2027-10-07, 2027-01-01]
            workdays: [2027-10-09]
        """,
    )
    data = load_calendar_data(path)
    assert 2027 in data.known_years and 2026 in data.known_years
    assert date(2027, 10, 4) in data.holidays and date(2027, 1, 1) in data.holidays
    assert date(2027, 10, 9) in data.workdays
    assert data.source.endswith("calendar.yaml (2027)")
    cal = load_calendar(tmp_path)
    assert cal.is_working_day(date(2027, 10, 9))  # Saturday make-up day
    assert not cal.is_working_day(date(2027, 10, 6))
    assert cal.warning_for(date(2027, 10, 6)) is None


def test_a_yaml_year_replaces_the_library_year(tmp_path: Path):
    path = write(
        tmp_path,
        """
        years:
          2026:
            holidays: [2026-03-02]
            workdays: []
        """,
    )
    data = load_calendar_data(path)
    assert date(2026, 3, 2) in data.holidays
    assert date(2026, 10, 5) not in data.holidays  # the library's 2026 is gone
    assert date(2026, 10, 10) not in data.workdays
    assert date(2025, 10, 1) in data.holidays  # other years untouched


def test_without_the_library_only_yaml_years_are_known(tmp_path: Path):
    path = write(tmp_path, "years:\n  2030:\n    holidays: []\n    workdays: []\n")
    data = load_calendar_data(path, use_library=False)
    assert data.known_years == frozenset({2030})


def test_missing_file_means_library_only(tmp_path: Path):
    cal = load_calendar(tmp_path)
    assert cal.year_known(2026) and not cal.year_known(2027)


def test_custom_fallback_days(tmp_path: Path):
    path = write(tmp_path, 'fallback_fixed_holidays: ["01-01", "02-29"]\n')
    data = load_calendar_data(path)
    assert data.fallback_fixed == frozenset({(1, 1), (2, 29)})
    cal = load_calendar(tmp_path)
    assert not cal.is_working_day(date(2028, 2, 29))  # a Tuesday, the bank's fixed day
    assert cal.is_working_day(date(2027, 10, 1))  # a Friday: 10-01 is not in this list
    # The lunar-calendar statutory days stay: 正月初三 2027 (Monday) and 清明 (Monday).
    assert not cal.is_working_day(date(2027, 2, 8)) and not cal.is_working_day(date(2027, 4, 5))
    warning = cal.warning_for(date(2027, 2, 8))
    assert warning is not None and "01-01, 02-29" in warning and "Qingming" in warning


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("years:\n  2027:\n    holidays: [2027-02-30]\n    workdays: []\n", 3, "not a date"),
        ("years:\n  2027:\n    holidays: [2026-12-31]\n    workdays: []\n", 3, "not in 2027"),
        ("years:\n  2027:\n    holidays: []\n    workdays:\n      - 2027-03-03\n", 5, "weekday"),
        (
            "years:\n  2027:\n    holidays: [2027-03-06]\n    workdays: [2027-03-06]\n",
            4,
            "both a holiday",
        ),
        ("years:\n  2027:\n    holidays: []\n", 2, "must list workdays"),
        ("years:\n  2027:\n    holidays: []\n    workday: []\n", 4, "unknown key 'workday'"),
        ("years:\n  twenty:\n    holidays: []\n    workdays: []\n", 2, "not a year"),
        ("holidays: []\n", 1, "unknown key 'holidays'"),
        ("version: 2\n", 1, "version: must be 1"),
        ("years:\n  2027: [1, 2]\n", 2, "years.2027: expected a mapping"),
        (
            "years:\n  2027:\n    holidays: 2027-01-01\n    workdays: []\n",
            3,
            "years.2027.holidays: expected a list",
        ),
        (
            "years:\n  2027:\n    holidays: [2027-05-05..2027-05-01]\n    workdays: []\n",
            3,
            "ends before it starts",
        ),
        (
            "years:\n  2027:\n    holidays: [2027-01-01, 2027-01-01]\n    workdays: []\n",
            3,
            "listed twice",
        ),
        ("fallback_fixed_holidays: [13-01]\n", 1, "not MM-DD"),
        ("years:\n  2027:\n    holidays: [\n", 4, "not valid YAML"),
        (
            "years:\n  2027:\n    holidays: []\n    workdays: []\n  2027:\n"
            "    holidays: []\n    workdays: []\n",
            5,
            "duplicate key '2027'",
        ),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, fragment: str):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_calendar_data(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message
    assert err.value.exit_code == 2
    assert "\n" not in message


def test_unreadable_file(tmp_path: Path):
    path = tmp_path / CALENDAR_FILE
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="cannot read"):
        load_calendar_data(path)


def test_every_problem_is_listed_at_its_line_and_policy_check_shows_them_all(tmp_path: Path):
    """The calendar is a pydantic model read by the one YAML loader: all its problems come out
    located (before, the first stopped the reading and `policy check` parsed its text back)."""
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED.parent, folder)
    path = write(
        folder,
        """
        years:
          2027:
            holidays:
              - 2027-10-01..2027-10-07
              - 2027-13-01
            workdays:
              - 2027-03-03
        """,
    )
    with pytest.raises(YamlFileError) as err:
        read_calendar_file(path)
    assert [(p.line, p.message) for p in err.value.problems] == [
        (5, "years.2027.holidays[1]: '2027-13-01' is not a date YYYY-MM-DD or a range A..B")
    ]
    assert str(err.value).endswith("or a range A..B")
    path.write_text(path.read_text("utf-8").replace("2027-13-01", "2027-10-07"), "utf-8")
    found = [(Path(p.file).name, p.line, p.message) for p in check_policy(folder).problems]
    assert found == [
        (CALENDAR_FILE, 5, "2027-10-07 is listed twice in holidays"),
        (CALENDAR_FILE, 7, "2027-03-03 is a weekday: make-up working days (调休) are weekend days"),
    ]
    with pytest.raises(YamlFileError, match=r"calendar.yaml:5: .* \(and 1 more\)$"):
        load_calendar_data(path)


def test_no_folder_is_the_folder_the_policy_loader_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Regression: a flow run without `policy_dir` versioned the policy with the calendar.yaml of
    $DUECOURSE_POLICY_DIR but counted deadlines without it (`load_calendar(None)` read none)."""
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED.parent, folder)
    write(folder, "years:\n  2030:\n    holidays: [2030-03-04]\n    workdays: []\n")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(folder))
    cal = load_calendar(None)
    assert cal.year_known(2030) and not cal.is_working_day(date(2030, 3, 4))
    assert "2030" in load_policy().calendar["years"]
