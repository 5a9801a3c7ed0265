"""What a run records when things go wrong: a process that dies after the messages left and
before their results were written (the run recorded failed, the next run finds the message in
the outbox and sends nothing twice), a text that cannot be rendered, a number the provider
rejects, and a provider that reports delivery."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Channel, ContactStatus, Stage
from tasks.channels.base import OutMessage, SendResult
from tasks.channels.sms_http import HttpSmsSender
from tasks.channels.sms_outbox import SmsOutbox
from tasks.dispatch.run import dispatch_day
from tests.factories import make_case
from tests.tasks.channels.sms_provider import Provider, sms_provider
from tests.tasks.dispatch.data import (
    DAY,
    PREDUE,
    contacts_of,
    context,
    line,
    lines_of,
    overdue_case,
)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())


@pytest.fixture
def provider() -> Iterator[Provider]:
    with sms_provider() as running:
        yield running


class DyingOutbox(SmsOutbox):
    """Writes the batch, then the process "dies" before the dispatcher hears back."""

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        super().send_batch(messages)
        raise KeyboardInterrupt("killed after sending")


def test_a_run_killed_after_sending_is_recorded_and_the_next_run_sends_nothing_twice(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "sms.jsonl"
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id)
        s.commit()

    with pytest.raises(KeyboardInterrupt):
        dispatch_day(context(engine, {Channel.SMS: DyingOutbox(path)}))

    (left,) = contacts_of(engine)
    assert left.status is ContactStatus.SENDING and lines_of(engine)[line_id][0] == "planned"
    with engine.connect() as conn:
        status, error = conn.execute(
            sa.text("SELECT status, error FROM cycle_run WHERE flow = 'contact_dispatch'")
        ).one()
    assert status == "failed" and error  # the run says it did not finish

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(path)}))

    written = path.read_text(encoding="utf-8").splitlines()
    assert len(written) == 1
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.SENT and contact.reason == "already in the outbox"
    assert contact.proof_ref == json.loads(written[0])["message_id"]
    assert lines_of(engine)[line_id][0] == "sent"
    assert report.outcome.statuses == {"sms:sent": 1}


def test_a_text_that_cannot_be_rendered_fails_its_line_alone(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        overdue_early = int(make_case(s, dpd=10, stage=Stage.EARLY_WARNING, as_of=DAY).id or 0)
        untrue = line(s, overdue_early, step=PREDUE, template="predue_sms")
        fine = line(s, overdue_case(s))
        s.commit()

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    status, reason, _ = lines_of(engine)[untrue]
    assert status == "failed"
    assert reason == (
        f"case {overdue_early} is 10 days past due: a pre-due reminder would be untrue "
        "(use reminder_sms or reminder_email)"
    )
    assert lines_of(engine)[fine][0] == "sent"
    assert [c.action_id for c in contacts_of(engine)] == [fine]
    assert report.outcome.statuses == {"sms:failed": 1, "sms:sent": 1}


def test_a_rejected_number_fails_for_good_without_showing_it(
    engine: Engine, provider: Provider
) -> None:
    provider.reject.add("13812345678")
    with Session(engine) as s:
        line_id = line(s, overdue_case(s))
        s.commit()
    sender = HttpSmsSender(provider.url, api_key="key-1", secret="shh-secret")
    try:
        report = dispatch_day(context(engine, {Channel.SMS: sender}))
    finally:
        sender.close()

    status, reason, _ = lines_of(engine)[line_id]
    assert status == "failed" and reason.startswith("provider rejected the message: number 138")
    assert "13812345678" not in reason and "gave up" not in reason
    assert len(provider.requests) == 1  # a refusal of the message is not retried
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.FAILED and contact.demand is False
    assert report.outcome.failures == {reason: 1}


def test_a_delivery_the_provider_reports_is_recorded_delivered(
    engine: Engine, provider: Provider
) -> None:
    one = provider._one

    def delivered(message: dict[str, object]) -> dict[str, object]:
        return {**one(message), "status": "delivered"}

    provider._one = delivered  # type: ignore[method-assign]
    with Session(engine) as s:
        line_id = line(s, overdue_case(s))
        s.commit()
    sender = HttpSmsSender(provider.url, api_key="key-1", secret="shh-secret")
    try:
        report = dispatch_day(context(engine, {Channel.SMS: sender}))
    finally:
        sender.close()

    assert lines_of(engine)[line_id][:2] == ("delivered", "prov-1")
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.DELIVERED and contact.demand is True
    assert report.outcome.statuses == {"sms:delivered": 1}
