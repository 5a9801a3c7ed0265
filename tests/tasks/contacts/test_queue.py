"""The call/visit work queue: whose lines, in which order, and the lawful window the conduct
gate gives each (a normal day, a holiday, the daily cap reached, a stop flag)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Case, TimelineEvent
from rules.enums import ActionStatus, CallOutcome, CaseStatus, Channel, RiskTier, Stage
from rules.errors import NotFoundError
from rules.events import DISPUTE_OPEN
from tasks.contacts.queue import roster_user, work_queue
from tests.factories import make_case
from tests.tasks.contacts.data import (
    ANN,
    BOB,
    TUESDAY,
    cn,
    local,
    made_call,
    open_milestone,
    waiting_line,
)


def _case(s: Session, owner: str, risk: RiskTier | None, **kw: object) -> int:
    case = make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, owner=owner, **kw)  # type: ignore[arg-type]
    case.risk_tier = risk
    s.add(case)
    s.flush()
    return int(case.id or 0)


def test_highest_risk_then_nearest_deadline_and_only_the_users_open_cases(
    engine: Engine,
) -> None:
    with Session(engine) as s:
        low_near = _case(s, "ann", RiskTier.LOW)
        high_far = _case(s, "ann", RiskTier.HIGH)
        high_near = _case(s, "ann", RiskTier.HIGH)
        unscored = _case(s, "ann", None)
        bobs = _case(s, "bob", RiskTier.HIGH)
        closed = _case(s, "ann", RiskTier.HIGH)
        for case_id, due in ((low_near, 3), (high_far, 20), (high_near, 5), (bobs, 1)):
            open_milestone(s, case_id, "first_contact", TUESDAY + timedelta(days=due))
        for case_id in (low_near, high_far, high_near, unscored, bobs, closed):
            waiting_line(s, case_id, TUESDAY)
        waiting_line(s, high_near, TUESDAY - timedelta(days=2), step="x:call#0")  # not worked
        waiting_line(s, high_near, TUESDAY, channel=Channel.VISIT, step="x:visit#1")
        waiting_line(s, unscored, TUESDAY + timedelta(days=1), step="x:call#2")  # tomorrow's
        waiting_line(s, low_near, TUESDAY, status=ActionStatus.SENT, step="x:call#3")  # done
        shut = s.get(Case, closed)
        assert shut is not None
        shut.status = CaseStatus.CLOSED
        s.add(shut)
        s.commit()
        data = work_queue(s, ANN, TUESDAY, cn())
        bob = work_queue(s, BOB, TUESDAY, cn())
    got = [(i["case_id"], i["channel"]) for i in data["items"]]
    assert got == [
        (high_near, Channel.CALL),
        (high_near, Channel.VISIT),
        (high_far, Channel.CALL),
        (low_near, Channel.CALL),
        (unscored, Channel.CALL),
    ]
    assert data["total"] == 5 and data["user"] == "ann" and data["as_of"] == TUESDAY
    assert [i["case_id"] for i in bob["items"]] == [bobs]  # a collector sees their own only
    first = data["items"][0]
    assert first["carried"] == 1 and first["milestone"]["kind"] == "first_contact"
    assert first["milestone"]["due"] == TUESDAY + timedelta(days=5)
    assert first["to"] == "138****5678" and first["card"].endswith("6789")
    assert "6225880123456789" not in str(data) and "13812345678" not in str(data)
    visit = data["items"][1]
    assert visit["to"].endswith("****") and "文三路" not in visit["to"]
    assert data["items"][-1]["milestone"] is None and data["items"][-1]["carried"] == 0


def test_limit_keeps_the_total(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        for _ in range(3):
            waiting_line(s, _case(s, "ann", RiskTier.MEDIUM), TUESDAY)
        s.commit()
        data = work_queue(s, ANN, TUESDAY, cn(), limit=2)
    assert (len(data["items"]), data["total"]) == (2, 3)


def _window(s: Session, case_id: int, day: date) -> dict[str, Any]:
    items: list[dict[str, Any]] = work_queue(s, ANN, day, cn())["items"]
    assert [i["case_id"] for i in items] == [case_id]
    return items[0]


def test_the_window_on_a_normal_working_day(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        case_id = _case(s, "ann", RiskTier.HIGH)
        waiting_line(s, case_id, TUESDAY)
        s.commit()
        item = _window(s, case_id, TUESDAY)
    assert item["window"] == "08:00-21:00 +08:00"
    assert item["allowed"] is True and item["rule"] is None
    assert (item["attempts_today"], item["cap"]) == (0, 6)


def test_the_window_on_new_years_eve_names_the_holiday_and_the_next_working_day(
    sqlite_engine: Engine,
) -> None:
    eve = date(2026, 2, 16)  # 除夕 2026
    with Session(sqlite_engine) as s:
        case_id = _case(s, "ann", RiskTier.HIGH)
        waiting_line(s, case_id, eve)
        s.commit()
        item = _window(s, case_id, eve)
    window = str(item["window"])
    assert window.startswith("no calls today (") and "除夕" in window
    assert window.endswith("; next 2026-02-24 08:00")
    assert item["allowed"] is False and item["rule"] == "holiday"


def test_the_window_when_the_days_cap_is_reached(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        case_id = _case(s, "ann", RiskTier.HIGH)
        waiting_line(s, case_id, TUESDAY)
        for n in range(6):
            made_call(s, case_id, local(TUESDAY, 9, n), CallOutcome.NO_ANSWER, n)
        s.commit()
        item = _window(s, case_id, TUESDAY)
    assert item["window"] == "cap reached; next 2026-11-04 08:00"
    assert (item["attempts_today"], item["cap"]) == (6, 6)
    assert item["last_outcome"]["outcome"] == CallOutcome.NO_ANSWER  # type: ignore[index]


def test_the_window_while_a_dispute_is_open(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        case_id = _case(s, "ann", RiskTier.HIGH)
        waiting_line(s, case_id, TUESDAY)
        s.add(TimelineEvent(case_id=case_id, as_of=TUESDAY, event=DISPUTE_OPEN, detail="t"))
        s.commit()
        item = _window(s, case_id, TUESDAY)
    assert item["window"] == "stopped: dispute open"
    assert item["rule"] == "dispute_open" and item["not_before"] is None


def test_a_deferred_line_shows_from_its_day(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        case_id = _case(s, "ann", RiskTier.HIGH)
        nb = local(TUESDAY + timedelta(days=1), 8)
        waiting_line(s, case_id, TUESDAY, status=ActionStatus.DEFERRED, not_before=nb)
        s.commit()
        assert work_queue(s, ANN, TUESDAY, cn())["items"] == []
        (item,) = work_queue(s, ANN, TUESDAY + timedelta(days=1), cn())["items"]
    assert item["status"] == ActionStatus.DEFERRED and item["planned_on"] == TUESDAY


def test_an_unknown_user_is_refused() -> None:
    with pytest.raises(NotFoundError, match="'nobody' is not in the roster"):
        roster_user([ANN, BOB], "nobody")


def test_late_today_the_window_is_closed_and_a_holiday_visit_says_so(
    sqlite_engine: Engine,
) -> None:
    eve = date(2026, 2, 16)  # 除夕 2026
    with Session(sqlite_engine) as s:
        case_id = _case(s, "ann", RiskTier.HIGH)
        waiting_line(s, case_id, TUESDAY)
        s.commit()
        (late,) = work_queue(s, ANN, TUESDAY, cn(), now=local(TUESDAY, 21, 30))["items"]
        (soon,) = work_queue(s, ANN, TUESDAY, cn(), now=local(TUESDAY, 7))["items"]
        waiting_line(s, case_id, eve, channel=Channel.VISIT, step="x:visit#1")
        s.commit()
        (visit,) = work_queue(s, ANN, eve, cn())["items"]
    assert late["window"] == "outside 08:00-21:00; next 2026-11-04 08:00"
    assert late["rule"] == "hours" and late["allowed"] is False
    assert soon["window"] == "08:00-21:00 +08:00"  # before the window: its start is asked
    assert visit["channel"] == Channel.VISIT
    assert str(visit["window"]).startswith("no visits today (")
