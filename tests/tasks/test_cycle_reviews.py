"""Reviews in the daily cycle: a rejection is final while the case stays in its stage (the next
cycles do not ask again), and the question is asked again once the case has moved and come back
(tasks/cycle/evaluate.py `request_review`). Decisions go through `decide_review`, dated today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Stage
from rules.errors import DuecourseError
from tasks.cycle.core import run_day
from tasks.reviews import decide_review
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, ROSTER, bundle, table

DAYS = [MONDAY + timedelta(days=i) for i in range(8)]
LEGAL = next(u for u in ROSTER if u.name == "lee")


def _day(engine: Engine, monkeypatch: pytest.MonkeyPatch, day: date, dpd: int | None = None):  # type: ignore[no-untyped-def]
    """The account's DPD as of `day` (when given), then that day's cycle."""
    monkeypatch.setenv("DUECOURSE_TODAY", day.isoformat())
    if dpd is not None:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE card_account SET days_past_due = :d"), {"d": dpd})
    return run_day(engine, day, bundle())


def _reject(engine: Engine, monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", day.isoformat())
    (pending,) = [r for r in table(engine, "review") if r.status == "pending"]
    with Session(engine) as s:
        decide_review(s, pending.id, user=LEGAL, approve=False, comment="证据不足")
        s.commit()


def _stage(engine: Engine) -> tuple[str, date]:
    (case,) = table(engine, "collection_case")
    return case.stage, case.stage_entered_on


def _reviews(engine: Engine) -> list[tuple[str, date]]:
    return [(r.status, r.opened_on) for r in table(engine, "review")]


def test_a_rejected_review_stays_rejected_until_the_case_moves_and_comes_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as s:
        make_case(s, dpd=120, stage=Stage.FORMAL_DEMAND, as_of=MONDAY)
        s.commit()
    first = _day(engine, monkeypatch, DAYS[0])
    assert first["actions"]["review_opened"] == 1
    _reject(engine, monkeypatch, DAYS[0])  # legal says no the same afternoon
    for day in DAYS[1:3]:  # DPD still 120: the ladder would ask again, the rejection holds
        result = _day(engine, monkeypatch, day, dpd=120 + (day - MONDAY).days)
        assert "review_opened" not in result["actions"]
        assert _stage(engine) == ("formal_demand", MONDAY)
    assert _reviews(engine) == [("rejected", DAYS[0])]
    _day(engine, monkeypatch, DAYS[3], dpd=20)  # a payment: the case moves down
    assert _stage(engine) == ("soft_reminder", DAYS[3])
    _day(engine, monkeypatch, DAYS[4], dpd=60)  # and comes back
    assert _stage(engine) == ("formal_demand", DAYS[4])
    assert _reviews(engine) == [("rejected", DAYS[0])]  # DPD 60: nothing to ask
    again = _day(engine, monkeypatch, DAYS[5], dpd=120)
    assert again["actions"]["review_opened"] == 1  # a new stay: the question is asked again
    assert _reviews(engine) == [("rejected", DAYS[0]), ("pending", DAYS[5])]
    assert _stage(engine) == ("formal_demand", DAYS[4])


def test_a_review_rejected_after_the_case_moved_is_not_asked_again_in_that_stay(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a review requested in an earlier stay stayed pending while the case moved
    and came back; rejected in this stay, it was asked again the very next day (its request
    predated the stay). Now the move withdraws it, and the question is asked afresh."""
    with Session(engine) as s:
        make_case(s, dpd=120, stage=Stage.FORMAL_DEMAND, as_of=MONDAY)
        s.commit()
    _day(engine, monkeypatch, DAYS[0])  # review requested, pending
    _day(engine, monkeypatch, DAYS[1], dpd=20)  # a payment: the case moves down
    assert _stage(engine) == ("soft_reminder", DAYS[1])
    assert _reviews(engine) == [("withdrawn", DAYS[0])]  # the move it asked about is moot
    (why,) = [t.detail for t in table(engine, "timeline_event") if t.event == "review_withdrawn"]
    assert why == "review 1 of the move to lawyer_letter withdrawn: the case moved to soft_reminder"
    with Session(engine) as s, pytest.raises(DuecourseError, match=r"withdrawn \(its case moved\)"):
        decide_review(s, 1, user=LEGAL, approve=False, comment="证据不足")
    _day(engine, monkeypatch, DAYS[2], dpd=120)  # up again: asked again, from this stay
    assert _reviews(engine) == [("withdrawn", DAYS[0]), ("pending", DAYS[2])]
    _reject(engine, monkeypatch, DAYS[2])
    for day in DAYS[3:5]:
        result = _day(engine, monkeypatch, day)
        assert "review_opened" not in result["actions"]
    assert _reviews(engine) == [("withdrawn", DAYS[0]), ("rejected", DAYS[2])]
    assert _stage(engine) == ("soft_reminder", DAYS[1])
