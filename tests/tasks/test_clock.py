"""`today()`: DUECOURSE_TODAY when set, else the date in Asia/Shanghai; a bad value is one line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rules.errors import InputError
from tasks.clock import SHANGHAI, shanghai_time, today


def test_today_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-12-03")
    assert today() == date(2026, 12, 3)


def test_today_defaults_to_shanghai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUECOURSE_TODAY", raising=False)
    assert today() == datetime.now(SHANGHAI).date()


def test_bad_today_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-13-01")
    with pytest.raises(InputError, match=r"DUECOURSE_TODAY='2026-13-01' is not a date"):
        today()


def test_shanghai_time_is_eight_hours_ahead_of_utc() -> None:
    shown = shanghai_time(datetime(2026, 11, 28, 17, 30, tzinfo=UTC))
    assert (shown.day, shown.hour) == (29, 1)
