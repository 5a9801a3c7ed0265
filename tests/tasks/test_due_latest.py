"""Milestones in a year whose bridges and make-up days are not declared: the due date is the
earliest the deadline can fall on, `due_latest` the latest; both equal in a declared year."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Stage
from rules.milestone_checks import DueDates
from tasks.calendar import load_calendar
from tasks.cycle.core import run_day
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle, policy, table

# 2027 (not in chinesecalendar 1.11.0): 除夕 Fri 5 Feb, 正月初一-初三 Sat 6 - Mon 8 Feb.
BEFORE_SPRING_FESTIVAL = date(2027, 2, 3)  # a Wednesday


def test_due_dates_give_the_earliest_and_the_latest_in_an_undeclared_year():
    stages = {s.stage: s for s in policy().stages}
    working = stages[Stage.SOFT_REMINDER].milestones[0]  # first_contact: 3 working days
    statutory = stages[Stage.LAWYER_LETTER].milestones[0]  # payment-order-served: 15 days
    calendar_days = stages[Stage.FORMAL_DEMAND].milestones[0]  # demand_sent: 2 calendar days
    dues = DueDates(load_calendar(None))
    # Could be working: Thu 4 Feb (a possible bridge), Tue 9, Wed 10 -> the earliest is 10 Feb;
    # certainly working: none until Mon 15 Feb (4 and 9-12 Feb may be bridged) -> Wed 17 Feb.
    assert dues.due(working, BEFORE_SPRING_FESTIVAL)[:2] == (date(2027, 2, 10), date(2027, 2, 17))
    # 23 Jan + 15 days = Sun 7 Feb (正月初二) -> Tue 9 Feb at the earliest, Mon 15 Feb at the
    # latest.
    due, latest, rule = dues.due(statutory, date(2027, 1, 23))
    assert (due, latest) == (date(2027, 2, 9), date(2027, 2, 15))
    assert rule is not None and "Art. 227" in rule
    assert dues.due(calendar_days, BEFORE_SPRING_FESTIVAL)[:2] == (date(2027, 2, 5),) * 2
    assert dues.warnings and "2027" in dues.warnings[0]
    # A declared year: one date.
    assert dues.due(working, MONDAY)[:2] == (date(2026, 11, 5),) * 2


def test_the_cycle_stores_the_earliest_as_due_and_the_latest_as_due_latest(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DUECOURSE_TODAY", BEFORE_SPRING_FESTIVAL.isoformat())  # no future day
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=BEFORE_SPRING_FESTIVAL)
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    run_day(engine, MONDAY, bundle())
    run_day(engine, BEFORE_SPRING_FESTIVAL, bundle())
    got = sorted((m.entry_on, m.due, m.due_latest) for m in table(engine, "milestone"))
    assert got == [
        (MONDAY, date(2026, 11, 5), date(2026, 11, 5)),
        (BEFORE_SPRING_FESTIVAL, date(2027, 2, 10), date(2027, 2, 17)),
    ]
