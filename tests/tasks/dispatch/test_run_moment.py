"""When a dispatch run acts. For real it sends now, whatever day's lines it takes, and a time of
day cannot be pretended: the gate would judge one time while the messages leave at another, and
the contact would carry a false time (a demand's proof). Simulated days (the demo, tests) run at
09:00 or at the time given."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from rules.errors import InputError
from tasks.clock import SHANGHAI
from tasks.dispatch.run import run_moment


def test_a_real_run_acts_now_even_for_a_past_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUECOURSE_TODAY", raising=False)
    before = datetime.now(SHANGHAI).replace(microsecond=0)
    moment = run_moment(before.date() - timedelta(days=2))
    assert before <= moment <= datetime.now(SHANGHAI) and moment.tzinfo is not None


def test_a_real_run_refuses_a_pretended_time_of_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUECOURSE_TODAY", raising=False)
    with pytest.raises(InputError, match="only with DUECOURSE_TODAY set"):
        run_moment(date(2026, 11, 2), time(10, 0))


def test_a_simulated_day_runs_at_nine_or_at_the_time_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-02")
    day = date(2026, 11, 2)
    assert run_moment(day) == datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    assert run_moment(day, time(6, 30)) == datetime(2026, 11, 2, 6, 30, tzinfo=SHANGHAI)
