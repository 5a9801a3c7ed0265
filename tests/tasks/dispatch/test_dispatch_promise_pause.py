"""The promise pause through the dispatcher: with a promise to pay recorded (`duecourse ptp`'s
record_promise), the case's call and reminder text wait until the day after the promised date
plus the policy's grace (3 days), at the window's start; the same lines go once it is over."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Channel
from tasks.channels.sms_outbox import SmsOutbox
from tasks.dispatch.run import dispatch_day
from tasks.negotiation.promises import record_promise
from tests.tasks.dispatch.data import DAY, context, line, lines_of, local, overdue_case

CALL = "soft_reminder:first_call#1"
PROMISED = DAY + timedelta(days=3)  # Thursday 2026-11-05; grace to Sunday 11-08
RESUMES = date(2026, 11, 9)


def test_a_promise_defers_the_call_and_the_text_until_after_date_and_grace(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    with Session(engine) as s:
        case_id = overdue_case(s)
        record_promise(s, str(case_id), Decimal("500"), PROMISED, channel=Channel.CALL)
        sms = line(s, case_id)
        call = line(s, case_id, channel=Channel.CALL, step=CALL, template=None)
        s.commit()
    outbox = tmp_path / "sms.jsonl"
    run = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(outbox)}, at=time(10, 0)))
    for line_id in (sms, call):
        status, reason, not_before = lines_of(engine)[line_id]
        assert (status, not_before) == ("deferred", local(RESUMES, 8))
        assert reason.startswith("promise_pause: ") and "until after 2026-11-08" in reason
    assert run.outcome.deferred == {"promise_pause": 2}
    assert not outbox.exists()

    monkeypatch.setenv("DUECOURSE_TODAY", RESUMES.isoformat())
    later = dispatch_day(
        context(engine, {Channel.SMS: SmsOutbox(outbox)}, day=RESUMES, at=time(8, 0))
    )
    assert lines_of(engine)[sms][0] == "sent" and lines_of(engine)[call][0] == "queued"
    assert later.outcome.deferred == {}
    keys = [json.loads(raw)["key"] for raw in outbox.read_text(encoding="utf-8").splitlines()]
    assert len(keys) == 1
