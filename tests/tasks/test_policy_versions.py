"""Regression (issue 12 item 14): the policy version covers what moves deadlines (the calendar
file and the holiday libraries), and every version used is stored with its content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rules.errors import NotFoundError
from tasks.policy import check_policy, load_policy
from tasks.policy_versions import record_version, stored_version

SHIPPED = Path(__file__).resolve().parents[2] / "policy"
YEAR_2027 = """
years:
  2027:
    source: "a test notice"
    holidays: [2027-02-05..2027-02-11]
    workdays: [2027-02-14]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(SHIPPED, target)
    return target


def _with_calendar(folder: Path, body: str) -> None:
    text = (folder / "calendar.yaml").read_text(encoding="utf-8")
    (folder / "calendar.yaml").write_text(text.replace("years: {}", body), encoding="utf-8")


def test_a_declared_year_is_a_new_version(folder: Path) -> None:
    before = load_policy(folder)
    _with_calendar(folder, YEAR_2027)
    after = load_policy(folder)
    assert after.version != before.version
    assert after.calendar["years"]["2027"]["workdays"] == ["2027-02-14"]
    assert after.calendar["library"].startswith("chinesecalendar 1.11.0")
    assert after.calendar["lunar"].startswith("lunardate ")


def test_comments_in_the_calendar_do_not_change_the_version(folder: Path) -> None:
    before = load_policy(folder)
    path = folder / "calendar.yaml"
    path.write_text("# a new comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_policy(folder).version == before.version


def test_a_broken_calendar_is_a_policy_problem_with_its_line(folder: Path) -> None:
    _with_calendar(folder, "years:\n  2027:\n    holidays: [2027-02-30]\n    workdays: []\n")
    problems = check_policy(folder).problems
    assert problems, "a malformed calendar.yaml must fail policy check"
    assert problems[0].file.endswith("calendar.yaml") and problems[0].line > 1
    assert "2027-02-30" in problems[0].message


def test_versions_are_stored_once_with_their_content(engine: Engine, folder: Path) -> None:
    policy = load_policy(folder)
    with engine.begin() as conn:
        record_version(conn, policy)
        record_version(conn, policy)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM policy_version")).scalar()
    assert count == 1
    full, content = stored_version(engine, policy.version[:8])
    assert full == policy.version
    assert content == policy.content()
    with pytest.raises(NotFoundError, match="no policy version"):
        stored_version(engine, "abcdef0123")
    with pytest.raises(NotFoundError, match="at least 6 hex"):
        stored_version(engine, "zz")
