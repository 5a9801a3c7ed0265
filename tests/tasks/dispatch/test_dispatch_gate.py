"""The conduct gate through the dispatcher: a text before 08:00 deferred to 08:00 and sent by
the run after it, calls on 除夕 2026 deferred to the next working day, a case with an open
dispute blocked, the daily cap across several lines of one case, and calls before the window
kept in the queue with their lawful time."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import TimelineEvent
from rules.enums import Channel, ContactStatus
from rules.events import DISPUTE_OPEN, cleared
from tasks.channels.sms_outbox import SmsOutbox
from tasks.dispatch.run import dispatch_day
from tests.tasks.dispatch.data import (
    DAY,
    contacts_of,
    context,
    line,
    lines_of,
    local,
    overdue_case,
)

EVE = date(2026, 2, 16)  # 除夕 2026, inside the Spring Festival break (2026-02-15..23)
AFTER_BREAK = date(2026, 2, 24)
CALL = "soft_reminder:first_call#1"


def _today(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", day.isoformat())


def _outbox(tmp_path: Path) -> SmsOutbox:
    return SmsOutbox(tmp_path / "sms.jsonl")


def _written(tmp_path: Path) -> list[str]:
    path = tmp_path / "sms.jsonl"
    if not path.exists():
        return []
    return [json.loads(raw)["key"] for raw in path.read_text(encoding="utf-8").splitlines()]


def test_a_text_before_eight_waits_for_eight_and_the_next_run_sends_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _today(monkeypatch, DAY)
    with Session(engine) as s:
        case_id = overdue_case(s)
        sms = line(s, case_id)
        call = line(s, case_id, channel=Channel.CALL, step=CALL, template=None)
        letter = line(s, case_id, channel=Channel.MAIL, step="soft_reminder:collection_letter#1",
                      template="collection_letter")  # fmt: skip
        s.commit()

    early = dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}, at=time(6, 30)))

    status, reason, not_before = lines_of(engine)[sms]
    assert status == "deferred" and not_before == local(DAY, 8)
    assert reason.startswith("hours:") and "[pack cn@v1" in reason
    assert early.outcome.deferred == {"hours": 1}
    # a call moved to later the same day stays in its owner's queue, with its lawful time
    status, reason, not_before = lines_of(engine)[call]
    assert status == "queued" and not_before == local(DAY, 8) and reason.startswith("hours:")
    # a letter is posted, not timed
    assert lines_of(engine)[letter][:2] == ("queued", "awaiting the day's mail batch")
    assert _written(tmp_path) == [] and contacts_of(engine) == []

    at_seven = dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}, at=time(7, 59)))
    assert at_seven.outcome.lines == 0 and _written(tmp_path) == []

    at_eight = dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}, at=time(8, 0)))

    assert at_eight.outcome.statuses == {"sms:sent": 1}
    status, reason, not_before = lines_of(engine)[sms]
    assert status == "sent" and not_before is None
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.SENT and contact.at == local(DAY, 8)
    assert _written(tmp_path) == [contact.key]


def test_calls_on_new_years_eve_wait_for_the_next_working_day(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _today(monkeypatch, EVE)
    with Session(engine) as s:
        case_id = overdue_case(s, day=EVE)
        call = line(s, case_id, channel=Channel.CALL, step=CALL, template=None, day=EVE)
        sms = line(s, case_id, day=EVE)
        s.commit()

    eve = dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}, day=EVE))

    for line_id in (call, sms):
        status, reason, not_before = lines_of(engine)[line_id]
        assert status == "deferred" and not_before == local(AFTER_BREAK, 8)
        assert reason.startswith("holiday: 2026-02-16 is Spring Festival eve (除夕)")
    assert eve.outcome.deferred == {"holiday": 2} and _written(tmp_path) == []

    _today(monkeypatch, AFTER_BREAK - date.resolution)  # the 23rd: still in the break
    on_23rd = dispatch_day(
        context(engine, {Channel.SMS: _outbox(tmp_path)}, day=AFTER_BREAK - date.resolution)
    )
    assert on_23rd.outcome.lines == 0 and lines_of(engine)[call][0] == "deferred"

    _today(monkeypatch, AFTER_BREAK)
    back = dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}, day=AFTER_BREAK))

    assert back.outcome.statuses == {"call:queued": 1, "sms:sent": 1}
    assert lines_of(engine)[call] == ("queued", "in ann's work queue", None)
    assert lines_of(engine)[sms][0] == "sent" and len(_written(tmp_path)) == 1
    (contact,) = contacts_of(engine)
    assert contact.as_of == AFTER_BREAK and contact.at == local(AFTER_BREAK, 10)


def test_an_open_dispute_blocks_the_case_and_its_clearing_frees_the_next_day(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _today(monkeypatch, DAY)
    with Session(engine) as s:
        disputed = overdue_case(s)
        cleared_case = overdue_case(s)
        blocked = line(s, disputed)
        sent = line(s, cleared_case)
        for case_id in (disputed, cleared_case):
            s.add(TimelineEvent(case_id=case_id, as_of=DAY, event=DISPUTE_OPEN))
        s.add(TimelineEvent(case_id=cleared_case, as_of=DAY, event=cleared(DISPUTE_OPEN)))
        s.commit()

    report = dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}))

    status, reason, not_before = lines_of(engine)[blocked]
    assert status == "blocked" and not_before is None
    assert reason.startswith("dispute_open:") and "[pack cn@v1" in reason
    assert lines_of(engine)[sent][0] == "sent"
    assert report.outcome.blocked == {"dispute_open": 1}
    assert [c.case_id for c in contacts_of(engine)] == [cleared_case]


def test_the_daily_cap_counts_the_days_earlier_texts_and_the_runs_own(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _today(monkeypatch, DAY)
    cap = 6  # cn.yaml attempts_per_method_per_day
    with Session(engine) as s:
        case_id = overdue_case(s)
        other = overdue_case(s)
        first = [line(s, case_id, step=f"soft_reminder:reminder_sms#{n}") for n in range(4)]
        other_line = line(s, other)
        s.commit()
    dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}, at=time(9, 0)))
    assert all(lines_of(engine)[i][0] == "sent" for i in first)
    with Session(engine) as s:
        later = [line(s, case_id, step=f"soft_reminder:reminder_sms#{n}") for n in range(4, 8)]
        s.commit()

    report = dispatch_day(context(engine, {Channel.SMS: _outbox(tmp_path)}, at=time(11, 0)))

    states = lines_of(engine)
    assert [states[i][0] for i in later] == ["sent", "sent", "deferred", "deferred"]
    _, reason, not_before = states[later[2]]
    assert reason.startswith("daily_cap:") and not_before == local(DAY + date.resolution, 8)
    assert report.outcome.deferred == {"daily_cap": 2}
    assert lines_of(engine)[other_line][0] == "sent"  # another case's texts are its own
    assert len([c for c in contacts_of(engine) if c.case_id == case_id]) == cap
