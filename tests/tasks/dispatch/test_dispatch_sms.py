"""SMS through the file outbox, end to end through the dispatcher: the lines sent with their
proof, the contacts recorded (a demand for an overdue reminder, not for a pre-due text), the
outbox holding one line per message, and a second run of the day sending nothing again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Channel, ContactStatus
from tasks.channels.base import Sender
from tasks.channels.recording import RecordingSender
from tasks.channels.sms_outbox import SmsOutbox
from tasks.contacts.record import case_contacts
from tasks.dispatch.run import dispatch_day
from tests.tasks.dispatch.data import (
    DAY,
    PREDUE,
    REMINDER,
    contacts_of,
    context,
    line,
    lines_of,
    overdue_case,
    predue_case,
)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())


def _outbox_lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines()]


def test_sms_lines_go_through_the_outbox_with_proof_and_demand(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        overdue = overdue_case(s)
        early = predue_case(s)
        reminder = line(s, overdue)
        predue = line(s, early, step=PREDUE, template="predue_sms")
        s.commit()
    outbox = tmp_path / "outbox" / "sms.jsonl"
    senders: dict[Channel, Sender] = {
        Channel.SMS: SmsOutbox(outbox),
        Channel.EMAIL: RecordingSender(Channel.EMAIL),
    }

    report = dispatch_day(context(engine, senders))

    summary = report.as_dict()
    assert summary["lines"] == 2 and summary["by_channel"] == {"sms": {"sent": 2}}
    assert summary["failures"] == {} and summary["blocked"] == {} and summary["deferred"] == {}
    contacts = {c.action_id: c for c in contacts_of(engine)}
    assert set(contacts) == {reminder, predue}
    for c in contacts.values():
        assert c.status is ContactStatus.SENT and c.channel is Channel.SMS
        assert c.proof_ref is not None and c.proof_ref.startswith("outbox-")
        assert c.to_masked == "138****5678" and c.conduct.startswith("cn@v1")
        assert c.as_of == DAY
    # SPC bank-card rules Art. 3: an overdue reminder is a demand, a pre-due text is not
    assert contacts[reminder].demand is True and contacts[reminder].template == "reminder_sms"
    assert contacts[predue].demand is False and contacts[predue].template == "predue_sms"
    assert contacts[reminder].key == f"{overdue}|{REMINDER}|sms|{DAY.isoformat()}"
    states = lines_of(engine)
    assert states[reminder][0] == "sent" and states[reminder][1] == contacts[reminder].proof_ref
    assert states[predue][0] == "sent"
    written = _outbox_lines(outbox)
    assert [w["key"] for w in written] == [contacts[reminder].key, contacts[predue].key]
    assert [w["message_id"] for w in written] == [
        contacts[reminder].proof_ref,
        contacts[predue].proof_ref,
    ]
    assert written[0]["to"] == "13812345678" and "已逾期" in written[0]["body"]
    assert "逾期" not in written[1]["body"] and "2026年11月12日" in written[1]["body"]
    with Session(engine) as s:
        shown = case_contacts(s, overdue)
    assert [(c["channel"], c["status"], c["demand"]) for c in shown] == [
        (Channel.SMS, ContactStatus.SENT, True)
    ]
    assert shown[0]["proof"] == {"ref": contacts[reminder].proof_ref}


def test_a_second_run_of_the_day_sends_nothing_again(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s)
        line(s, case_id)
        s.commit()
    outbox = tmp_path / "sms.jsonl"
    first = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(outbox)}))
    assert first.outcome.statuses == {"sms:sent": 1}
    before = outbox.read_bytes()

    again = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(outbox)}))

    assert again.outcome.lines == 0 and again.batches == 0
    assert outbox.read_bytes() == before and len(_outbox_lines(outbox)) == 1
    assert len(contacts_of(engine)) == 1
