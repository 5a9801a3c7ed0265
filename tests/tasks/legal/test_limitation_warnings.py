"""The limitation clock in the store: the case file's `limitation`, and the deadline check's
warnings (owner 90 days before the end, legal 30 days before), set-based, once per period."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import CardAccount, Case, TimelineEvent
from rules import events as ev
from rules.enums import CaseStatus, Stage
from tasks.calendar import load_calendar
from tasks.case_file import build_case_file
from tasks.cycle.core import PolicyBundle
from tasks.cycle.intraday import check_deadlines
from tasks.limitation import limitation_warnings
from tests.factories import deliver_demand, make_case

CAL = load_calendar(None)
BUNDLE = PolicyBundle.load(None)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-01-02")


def case_due(s: Session, due: date, owner: str = "col.li") -> int:
    case = make_case(s, dpd=900, stage=Stage.LITIGATION, owner=owner)
    account = s.get(CardAccount, case.account_id)
    assert account is not None
    account.due_date = due
    s.add(account)
    s.flush()
    return int(case.id or 0)


def add(s: Session, case_id: int, event: str, on: date) -> None:
    s.add(TimelineEvent(case_id=case_id, as_of=on, event=event, detail="test", actor="test"))


def warn(engine: Engine, day: date) -> tuple[dict[int, str], dict[int, str]]:
    with engine.begin() as conn:
        out = limitation_warnings(conn, day, CAL, BUNDLE.users)
    return ({w["case_id"]: w["to"] for w in out.warned},
            {w["case_id"]: w["to"] for w in out.escalated})  # fmt: skip


def test_owner_warned_90_days_before_and_legal_30_days_before(engine: Engine) -> None:
    with Session(engine) as s:
        near = case_due(s, date(2023, 3, 10))  # ends 2026-03-10: 67 days after 2026-01-02
        close = case_due(s, date(2023, 2, 1))  # ends 2026-02-02 (02-01 a Sunday): 31 days
        closer = case_due(s, date(2023, 1, 20))  # ends 2026-01-20: 18 days
        restarted = case_due(s, date(2023, 1, 20))
        deliver_demand(s, restarted, date(2024, 5, 6))  # a delivered demand restarts it
        paid = case_due(s, date(2023, 1, 20))
        add(s, paid, ev.PAYMENT_RECEIVED, date(2025, 12, 1))  # so does a part payment
        sued = case_due(s, date(2023, 1, 20))
        add(s, sued, ev.LAWSUIT_FILED, date(2025, 1, 6))  # interrupted while the suit runs
        far = case_due(s, date(2023, 6, 1))
        closed = case_due(s, date(2023, 1, 20))
        c = s.get(Case, closed)
        assert c is not None
        c.status, c.closed_on = CaseStatus.CLOSED, date(2025, 1, 1)
        s.add(c)
        s.commit()
    warned, escalated = warn(engine, date(2026, 1, 2))
    assert warned == {near: "col.li", close: "col.li"}
    assert set(escalated) == {closer} and escalated[closer].startswith("legal (")
    assert not {restarted, paid, sued, far, closed} & (set(warned) | set(escalated))
    assert warn(engine, date(2026, 1, 2)) == ({}, {})  # once per period
    warned, escalated = warn(engine, date(2026, 1, 5))  # 2026-02-02 is now 28 days away
    assert (warned, set(escalated)) == ({}, {close})
    assert warn(engine, date(2026, 1, 6)) == ({}, {})
    with Session(engine) as s:
        lines = s.exec(select(TimelineEvent).where(TimelineEvent.case_id == near,
                       TimelineEvent.event == ev.LIMITATION_WARNED)).all()  # fmt: skip
    assert len(lines) == 1 and "ends 2026-03-10" in lines[0].detail
    assert "Art. 188" in lines[0].detail


def test_a_restart_after_a_warning_warns_again_when_the_new_end_comes_near(
    engine: Engine,
) -> None:
    with Session(engine) as s:
        cid = case_due(s, date(2023, 3, 10))
        s.commit()
    assert set(warn(engine, date(2026, 1, 2))[0]) == {cid}
    with Session(engine) as s:
        deliver_demand(s, cid, date(2026, 1, 5))
        s.commit()
    assert warn(engine, date(2026, 1, 6)) == ({}, {})
    assert set(warn(engine, date(2028, 11, 1))[0]) == {cid}  # 3 years after the demand


def test_the_deadline_check_runs_the_warnings_and_the_case_file_shows_the_clock(
    engine: Engine,
) -> None:
    with Session(engine) as s:
        cid = case_due(s, date(2023, 3, 10))
        deliver_demand(s, cid, date(2023, 4, 3))
        deliver_demand(s, cid, date(2023, 5, 8))
        s.commit()
    summary = check_deadlines(engine, date(2026, 4, 1), BUNDLE)
    assert summary["actions"].get("limitation_warned") == 1
    with Session(engine) as s:
        data = build_case_file(s, str(cid), calendar=CAL)
        legal = build_case_file(s, str(cid), calendar=CAL, legal_view=True)
    clock = data["limitation"]
    assert (clock["last_event"], clock["at"], clock["expires"]) == (
        "demand_delivered", "2023-05-08", "2026-05-08"
    )  # fmt: skip
    assert clock["outer_limit"] == "2043-03-10" and clock["status"] == "running"
    assert "demand_readiness" not in data  # the legal role only
    ready = legal["demand_readiness"]
    assert (ready["ready"], ready["first"], ready["second"]) == (True, "2023-04-03", "2023-05-08")
