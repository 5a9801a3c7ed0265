"""A text for the debtor's emergency contact through the dispatcher: blocked while the debtor can
be reached, sent to the emergency contact's number (never the debtor's) once three calls in a
row went unanswered, recorded as a contact with that party and never as a demand (2011 rules
Art. 68; CBA guideline 2026-01-30)."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Case, Contact, ContactPoint
from rules.enums import (
    CallOutcome,
    Channel,
    ContactKind,
    ContactRelation,
    ContactStatus,
    Party,
)
from tasks.channels.sms_outbox import SmsOutbox
from tasks.dispatch.run import dispatch_day
from tests.tasks.dispatch.data import DAY, context, line, lines_of, local, overdue_case

STEP = "soft_reminder:contact_request#1"


def _emergency_case(s: Session) -> int:
    case_id = overdue_case(s)
    case = s.get(Case, case_id)
    assert case is not None
    s.add(
        ContactPoint(
            customer_id=case.customer_id, relation=ContactRelation.EMERGENCY,
            kind=ContactKind.PHONE, value="13900001111", contact_name="李四",
        )
    )  # fmt: skip
    return case_id


def _no_answer(s: Session, case_id: int, times: int) -> None:
    for i in range(times):
        at = local(DAY, 9, 10 * i).astimezone(UTC)
        s.add(
            Contact(
                key=f"{case_id}|log|call|{i}", case_id=case_id, as_of=DAY, at=at,
                channel=Channel.CALL, status=ContactStatus.LOGGED,
                outcome=CallOutcome.NO_ANSWER, actor="ann",
            )
        )  # fmt: skip


def test_an_emergency_contact_text_waits_until_the_debtor_is_unreachable(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    with Session(engine) as s:
        reachable = _emergency_case(s)
        unreachable = _emergency_case(s)
        _no_answer(s, reachable, 2)
        _no_answer(s, unreachable, 3)
        held = line(s, reachable, step=STEP, template="contact_request_sms")
        sent = line(s, unreachable, step=STEP, template="contact_request_sms")
        s.commit()

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    status, reason, _ = lines_of(engine)[held]
    assert status == "blocked" and reason.startswith("emergency_reachable:")
    assert report.outcome.blocked == {"emergency_reachable": 1}
    assert lines_of(engine)[sent][0] == "sent"
    (message,) = [json.loads(x) for x in (tmp_path / "sms.jsonl").read_text("utf-8").splitlines()]
    assert message["to"] == "13900001111"  # the emergency contact's number, not the debtor's
    assert "欠" not in message["body"] and "逾期" not in message["body"]
    with Session(engine) as s:
        contact = s.get(Contact, _contact_id(s, unreachable))
        assert contact is not None
        assert contact.party is Party.EMERGENCY and contact.to_masked == "139****1111"
        assert contact.demand is False  # a message to a third party is no demand


def _contact_id(s: Session, case_id: int) -> int:
    from sqlmodel import select

    found = s.exec(
        select(Contact.id).where(Contact.case_id == case_id, Contact.channel == Channel.SMS)
    ).one()
    return int(found or 0)
