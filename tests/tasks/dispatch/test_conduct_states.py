"""The conduct-state reader the dispatcher asks for a batch of cases: flags in force (the latest
set/clear on or before the day), today's attempts per method (a refused message is not one),
the US pack's rolling call window, the last conversation, and unreachability."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Contact, TimelineEvent
from rules.enums import CallOutcome, Channel, ContactStatus
from rules.events import DISPUTE_OPEN, HARDSHIP_REVIEW, PLAN_CURRENT, cleared
from tasks.conduct import load_conduct_pack
from tasks.contacts.state import conduct_states
from tests.tasks.dispatch.data import DAY, POLICY, local, overdue_case


def _contact(
    s: Session,
    case_id: int,
    at_hour: int,
    *,
    channel: Channel = Channel.SMS,
    status: ContactStatus = ContactStatus.SENT,
    outcome: CallOutcome | None = None,
    days_ago: int = 0,
) -> None:
    at = local(DAY - timedelta(days=days_ago), at_hour)
    s.add(
        Contact(
            key=f"{case_id}|{channel.value}|{at.isoformat()}|{status.value}",
            case_id=case_id,
            as_of=at.date(),
            at=at.astimezone(UTC),
            channel=channel,
            status=status,
            outcome=outcome,
        )
    )


def test_flags_attempts_and_reachability_per_case(engine: Engine) -> None:
    cn = load_conduct_pack(POLICY, "cn")
    with Session(engine) as s:
        busy, quiet, unreachable = overdue_case(s), overdue_case(s), overdue_case(s)
        for event, as_of in (
            (DISPUTE_OPEN, DAY - timedelta(days=5)),
            (cleared(DISPUTE_OPEN), DAY - timedelta(days=1)),
            (HARDSHIP_REVIEW, DAY),
            (PLAN_CURRENT, DAY + timedelta(days=1)),  # tomorrow's: not yet
        ):
            s.add(TimelineEvent(case_id=busy, as_of=as_of, event=event))
        _contact(s, busy, 9)
        _contact(s, busy, 10, status=ContactStatus.SENDING)  # in flight: an attempt
        _contact(s, busy, 11, status=ContactStatus.FAILED)  # refused: not an attempt
        _contact(s, busy, 9, days_ago=1)  # yesterday's
        _contact(s, busy, 12, channel=Channel.CALL, status=ContactStatus.LOGGED,
                 outcome=CallOutcome.ANSWERED, days_ago=2)  # fmt: skip
        for n in range(3):
            _contact(s, unreachable, 9 + n, channel=Channel.CALL, status=ContactStatus.LOGGED,
                     outcome=CallOutcome.NO_ANSWER, days_ago=n)  # fmt: skip
        s.commit()
        states = conduct_states(s, [busy, quiet, unreachable], local(DAY, 13), cn)

    b = states[busy]
    assert b.flags == frozenset({HARDSHIP_REVIEW})
    assert dict(b.attempts_today) == {Channel.SMS: 2}
    assert b.last_conversation == local(DAY - timedelta(days=2), 12)
    assert b.debtor_unreachable is False
    q = states[quiet]
    assert q.flags == frozenset() and dict(q.attempts_today) == {}
    assert q.last_conversation is None and q.debtor_unreachable is False
    u = states[unreachable]
    assert dict(u.attempts_today) == {Channel.CALL: 1} and u.debtor_unreachable is True


def test_the_us_pack_counts_calls_in_its_seven_day_window(engine: Engine) -> None:
    us = load_conduct_pack(POLICY, "us-regf")
    assert us.rolling_cap is not None and us.rolling_cap.days == 7
    with Session(engine) as s:
        case_id = overdue_case(s)
        for days_ago in (0, 3, 6, 7, 10):
            # 23:00 in Shanghai is the same day's morning in New York (the pack's zone)
            _contact(s, case_id, 23, channel=Channel.CALL, status=ContactStatus.LOGGED,
                     outcome=CallOutcome.NO_ANSWER, days_ago=days_ago)  # fmt: skip
        s.commit()
        (state,) = conduct_states(s, [case_id], local(DAY, 23, 30), us).values()

    assert state.attempts_rolling == 3  # today and the six days before it, debtor-local
    assert state.rolling_oldest == local(DAY - timedelta(days=6), 23)


def test_todays_attempts_are_counted_on_the_debtors_own_day(engine: Engine) -> None:
    """Regression: attempts were counted by the contact's Shanghai business day (`as_of`), not
    by the debtor-local day of `at` that the gate's cap is about: with the US pack a call made
    the evening before (New York time) counted as today's, and calls made after midnight in
    Shanghai (their as_of the next day) were missed."""
    us = load_conduct_pack(POLICY, "us-regf")
    with Session(engine) as s:
        case_id = overdue_case(s)
        # Shanghai DAY 10:00 = New York DAY-1 21:00: yesterday there
        _contact(s, case_id, 10, channel=Channel.CALL, status=ContactStatus.LOGGED,
                 outcome=CallOutcome.NO_ANSWER)  # fmt: skip
        # Shanghai DAY+1 00:00 and 00:10 (their as_of the next day) = New York DAY 11:00, 11:10
        for minute in (0, 10):
            moment = local(DAY + timedelta(days=1), 0, minute)
            s.add(
                Contact(
                    key=f"{case_id}|after-midnight|{minute}",
                    case_id=case_id,
                    as_of=DAY + timedelta(days=1),
                    at=moment.astimezone(UTC),
                    channel=Channel.CALL,
                    status=ContactStatus.LOGGED,
                    outcome=CallOutcome.NO_ANSWER,
                )
            )
        s.commit()
        at = local(DAY + timedelta(days=1), 0, 30)  # New York DAY 11:30
        (state,) = conduct_states(s, [case_id], at, us).values()

    assert dict(state.attempts_today) == {Channel.CALL: 2}
