"""Logging a call or visit: the contact row, the events it writes (a conversation meets
first_contact after the next run-day), breaches recorded with their rule, duplicates once,
times in the future or malformed refused, and who may log on whose case."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Case, Contact, ContactPoint, CycleAction, Milestone, TimelineEvent
from rules.enums import (
    ActionStatus,
    CallOutcome,
    Channel,
    ContactKind,
    ContactRelation,
    ContactStatus,
    Party,
    Stage,
)
from rules.errors import DuecourseError, InputError
from rules.events import CONTACT_MADE
from rules.roster import User
from tasks.contacts.log import LogRequest, LogResult, PromiseTerms, log_contact, parse_at
from tasks.contacts.state import conduct_states
from tasks.cycle.core import run_day
from tests.factories import make_case
from tests.tasks.contacts.data import ANN, SUE, TUESDAY, cn, local, waiting_line
from tests.tasks.cycle_data import MONDAY, bundle


def _case(engine: Engine, owner: str | None = "ann") -> int:
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, owner=owner).id or 0)
        s.commit()
    return case_id


def _log(
    engine: Engine,
    case_id: int,
    outcome: CallOutcome,
    at: datetime,
    *,
    channel: Channel = Channel.CALL,
    user: User = ANN,
    party: Party = Party.DEBTOR,
    note: str = "",
) -> LogResult:
    request = LogRequest(str(case_id), channel, outcome, at, party=party, note=note)
    with Session(engine, expire_on_commit=False) as s:
        return log_contact(s, request, user, cn())


def _events(engine: Engine, case_id: int) -> list[TimelineEvent]:
    with Session(engine) as s:
        return list(s.exec(select(TimelineEvent).where(TimelineEvent.case_id == case_id)).all())


def _contacts(engine: Engine, case_id: int) -> list[Contact]:
    with Session(engine) as s:
        return list(s.exec(select(Contact).where(Contact.case_id == case_id)).all())


def test_an_answered_call_is_recorded_writes_contact_made_and_closes_the_queue_line(
    engine: Engine,
) -> None:
    case_id = _case(engine)
    with Session(engine) as s:
        old = int(waiting_line(s, case_id, TUESDAY - timedelta(days=2), step="a#0").id or 0)
        line = int(waiting_line(s, case_id, TUESDAY).id or 0)
        later = int(waiting_line(s, case_id, TUESDAY + timedelta(days=1), step="a#2").id or 0)
        s.commit()
    result = _log(
        engine, case_id, CallOutcome.ANSWERED, local(TUESDAY, 10, 15),
        channel=Channel.CALL, note="called 13812345678, will pay Friday",
    )  # fmt: skip
    assert result.breach is None and not result.duplicate
    assert result.events == (CONTACT_MADE,) and result.lines_done == 2
    c = result.contact
    assert (c["channel"], c["status"], c["outcome"]) == (
        Channel.CALL, ContactStatus.LOGGED, CallOutcome.ANSWERED,
    )  # fmt: skip
    assert c["at"].isoformat() == "2026-11-03T10:15:00+08:00" and c["as_of"] == TUESDAY
    assert c["to"] == "138****5678" and c["actor"] == "ann" and c["party"] == Party.DEBTOR
    assert c["proof"]["ref"] == f"CALL-{case_id}-202611031015"
    assert "13812345678" not in c["note"] and "will pay Friday" in c["note"]
    assert c["conduct"].startswith("cn@v")
    (event,) = _events(engine, case_id)
    assert (event.event, event.as_of, event.actor) == (CONTACT_MADE, TUESDAY, "ann")
    with Session(engine) as s:
        status = {a.id: (a.status, a.reason) for a in s.exec(select(CycleAction)).all()}
        (row,) = s.exec(select(Contact)).all()
    assert status[old][0] == status[line][0] == ActionStatus.DONE
    assert status[line][1] == "answered (logged by ann, 2026-11-03 10:15)"
    assert status[later][0] == ActionStatus.QUEUED  # tomorrow's line stays
    assert row.action_id == line


def test_a_logged_conversation_meets_first_contact_at_the_next_run_day(engine: Engine) -> None:
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    run_day(engine, MONDAY, bundle())  # opens first_contact, gives the case an owner
    _log(
        engine, case_id, CallOutcome.ANSWERED, local(MONDAY + timedelta(days=1), 11),
        channel=Channel.CALL, user=SUE,
    )  # fmt: skip
    run_day(engine, MONDAY + timedelta(days=1), bundle())
    with Session(engine) as s:
        (m,) = s.exec(select(Milestone).where(Milestone.case_id == case_id)).all()
    assert (m.kind, m.status) == ("first_contact", "met")
    assert "contact_made on 2026-11-03" in (m.reason or "")


def test_no_answer_and_a_third_party_write_no_event(sqlite_engine: Engine) -> None:
    case_id = _case(sqlite_engine)
    quiet = _log(
        sqlite_engine, case_id, CallOutcome.NO_ANSWER, local(TUESDAY, 9), channel=Channel.CALL
    )
    other = _log(
        sqlite_engine, case_id, CallOutcome.THIRD_PARTY, local(TUESDAY, 10), channel=Channel.CALL
    )
    assert quiet.events == other.events == ()
    assert _events(sqlite_engine, case_id) == []
    assert len(_contacts(sqlite_engine, case_id)) == 2


def test_a_wrong_number_makes_the_debtor_unreachable(sqlite_engine: Engine) -> None:
    case_id = _case(sqlite_engine)
    _log(sqlite_engine, case_id, CallOutcome.WRONG_NUMBER, local(TUESDAY, 9))
    with Session(sqlite_engine) as s:
        state = conduct_states(s, [case_id], local(TUESDAY, 12), cn().pack)[case_id]
    assert state.debtor_unreachable is True and _events(sqlite_engine, case_id) == []


def test_a_call_at_seven_thirty_is_recorded_as_a_breach_of_the_hours_rule(
    sqlite_engine: Engine,
) -> None:
    case_id = _case(sqlite_engine)
    result = _log(
        sqlite_engine, case_id, CallOutcome.ANSWERED, local(TUESDAY, 7, 30), channel=Channel.CALL
    )
    assert result.breach is not None and result.breach["rule"] == "hours"
    assert "08:00" in result.breach["reason"]
    (row,) = _contacts(sqlite_engine, case_id)
    assert row.reason.startswith("conduct breach: hours: ")
    assert row.status == ContactStatus.LOGGED  # the fact is kept
    assert [e.event for e in _events(sqlite_engine, case_id)] == [CONTACT_MADE]


def _emergency_number(engine: Engine, case_id: int, *, valid: bool = True) -> None:
    with Session(engine) as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.add(
            ContactPoint(
                customer_id=case.customer_id, relation=ContactRelation.EMERGENCY,
                kind=ContactKind.PHONE, value="13900001111", valid=valid,
            )
        )  # fmt: skip
        s.commit()


def test_an_emergency_contact_while_the_debtor_is_reachable_is_a_breach(
    sqlite_engine: Engine,
) -> None:
    case_id = _case(sqlite_engine)
    _emergency_number(sqlite_engine, case_id)
    with Session(sqlite_engine) as s:
        waiting_line(s, case_id, TUESDAY)
        s.commit()
    result = _log(
        sqlite_engine, case_id, CallOutcome.ANSWERED, local(TUESDAY, 10),
        channel=Channel.CALL, party=Party.EMERGENCY,
    )  # fmt: skip
    assert result.breach is not None and result.breach["rule"] == "emergency_reachable"
    assert result.events == ()  # not the debtor: no contact_made
    assert result.contact["to"] == "139****1111"
    assert result.lines_done == 0  # the debtor's call is still to be made: it stays queued


def test_an_emergency_call_needs_a_valid_emergency_number_on_file(sqlite_engine: Engine) -> None:
    case_id = _case(sqlite_engine)
    _emergency_number(sqlite_engine, case_id, valid=False)
    with pytest.raises(DuecourseError, match="no valid emergency contact number on file"):
        _log(
            sqlite_engine, case_id, CallOutcome.ANSWERED, local(TUESDAY, 10),
            party=Party.EMERGENCY,
        )  # fmt: skip


def test_a_contact_before_the_case_was_opened_is_refused(sqlite_engine: Engine) -> None:
    case_id = _case(sqlite_engine)
    with pytest.raises(DuecourseError, match=r"before case \d+ was opened"):
        _log(sqlite_engine, case_id, CallOutcome.ANSWERED, local(TUESDAY - timedelta(days=400), 10))


def test_the_same_call_logged_twice_is_recorded_once(engine: Engine) -> None:
    case_id = _case(engine)
    first = _log(
        engine, case_id, CallOutcome.NO_ANSWER, local(TUESDAY, 10, 5), channel=Channel.CALL
    )
    again = _log(
        engine, case_id, CallOutcome.NO_ANSWER, local(TUESDAY, 10, 5).replace(second=40)
    )  # fmt: skip
    assert not first.duplicate and again.duplicate
    assert again.contact["id"] == first.contact["id"]
    assert len(_contacts(engine, case_id)) == 1


def test_a_collector_may_not_log_on_another_collectors_case(sqlite_engine: Engine) -> None:
    case_id = _case(sqlite_engine, owner="bob")
    with pytest.raises(DuecourseError, match="belongs to bob"):
        _log(sqlite_engine, case_id, CallOutcome.ANSWERED, local(TUESDAY, 10))
    assert _contacts(sqlite_engine, case_id) == []
    by_supervisor = _log(
        sqlite_engine, case_id, CallOutcome.ANSWERED, local(TUESDAY, 10),
        channel=Channel.VISIT, user=SUE,
    )  # fmt: skip
    assert by_supervisor.contact["to"] == "浙江省杭州市****"


def test_parse_at_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-03")
    assert parse_at("09:30") == local(TUESDAY, 9, 30)
    assert parse_at("2026-11-03T10:00") == local(TUESDAY, 10)
    assert parse_at("2026-11-03T02:00+00:00") == local(TUESDAY, 10)
    assert parse_at("23:59") == local(TUESDAY, 23, 59)  # "today" is pinned: the whole day


@pytest.mark.parametrize("bad", ["25:00", "yesterday", "2026-11-03", "2026-13-01T10:00", ""])
def test_a_malformed_time_is_refused_in_one_line(bad: str) -> None:
    with pytest.raises(InputError) as info:
        parse_at(bad)
    assert info.value.exit_code == 2 and "\n" not in str(info.value)
    assert str(info.value).startswith("--at: ")


def test_a_time_in_the_future_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-03")
    with pytest.raises(DuecourseError, match="is in the future") as info:
        parse_at("2026-11-04T09:00+08:00")
    assert info.value.exit_code == 1
    now = local(TUESDAY, 14)  # today is the real day: the clock decides
    assert parse_at("14:00", now=now) == local(TUESDAY, 14)
    with pytest.raises(DuecourseError, match="2026-11-03 14:05"):
        parse_at("14:05", now=now)


def test_a_promise_needs_its_terms_and_is_the_debtors(sqlite_engine: Engine) -> None:
    case_id = _case(sqlite_engine)
    with pytest.raises(InputError, match="--outcome promise needs --amount and --by"):
        _log(sqlite_engine, case_id, CallOutcome.PROMISE, local(TUESDAY, 10))
    terms = PromiseTerms(amount=Decimal("300"), by=TUESDAY + timedelta(days=2))
    emergency = LogRequest(str(case_id), Channel.CALL, CallOutcome.PROMISE, local(TUESDAY, 10),
                           party=Party.EMERGENCY, promise=terms)  # fmt: skip
    with Session(sqlite_engine) as s, pytest.raises(InputError, match="the debtor's"):
        log_contact(s, emergency, ANN, cn())
    assert _contacts(sqlite_engine, case_id) == []
