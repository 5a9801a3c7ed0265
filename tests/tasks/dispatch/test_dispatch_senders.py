"""The dispatcher with real channels: debtor e-mail delivered to an SMTP server in this process,
the HTTP SMS provider timing out after it accepted (the retry gets the same message id and
nothing is sent twice) or failing on every attempt (the line ends failed, the run does not
crash), and a run that died while sending (an outbox is asked what left; SMTP is not resent)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Channel, ContactStatus
from tasks.channels.base import OutMessage, SendResult
from tasks.channels.recording import RecordingSender
from tasks.channels.settings import senders_from_env
from tasks.channels.sms_http import HttpSmsSender
from tasks.channels.sms_outbox import SmsOutbox
from tasks.contacts.record import contact_key
from tasks.dispatch import run as dispatch_run
from tasks.dispatch.attempts import RETRY_MARK, UNKNOWN
from tasks.dispatch.batch import BatchOutcome, DispatchContext, dispatch_batch
from tasks.dispatch.run import dispatch_day
from tests.tasks.channels.sms_provider import Provider, sms_provider
from tests.tasks.dispatch.data import (
    DAY,
    accept_then_time_out_once,
    contacts_of,
    context,
    left_sending,
    line,
    lines_of,
    overdue_case,
)
from tests.tasks.smtp_server import Inbox, smtp_server

SENDER = "collections@bank.example.com"
EMAIL_STEP = "soft_reminder:reminder_email#1"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    monkeypatch.setattr(dispatch_run, "RETRY_DELAYS", (0.0, 0.0))


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """An SMTP server, and the environment that points debtor e-mail at it."""
    with smtp_server() as server:
        monkeypatch.setenv("DUECOURSE_SMTP_HOST", server.host)
        monkeypatch.setenv("DUECOURSE_SMTP_PORT", str(server.port))
        monkeypatch.setenv("DUECOURSE_SMTP_SECURITY", "none")
        monkeypatch.setenv("DUECOURSE_SMTP_SENDER", SENDER)
        yield server


@pytest.fixture
def provider() -> Iterator[Provider]:
    with sms_provider() as running:
        yield running


def _http(provider: Provider, timeout: float = 5.0) -> HttpSmsSender:
    return HttpSmsSender(provider.url, api_key="key-1", secret="shh-secret", timeout=timeout)


def _attempts(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> list[tuple[BatchOutcome, Any]]:
    """Each batch attempt of local_batches, with the lines and contacts just after it."""
    seen: list[tuple[BatchOutcome, Any]] = []
    real = dispatch_batch

    def spy(ctx: DispatchContext, **kwargs: Any) -> BatchOutcome:
        outcome = real(ctx, **kwargs)
        if outcome.lines:  # not the run's look for a next batch
            seen.append((outcome, (lines_of(engine), contacts_of(engine))))
        return outcome

    monkeypatch.setattr(dispatch_run, "dispatch_batch", spy)
    return seen


def test_email_reaches_the_smtp_server_with_its_proof(
    engine: Engine, inbox: Inbox, tmp_path: Path
) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id, channel=Channel.EMAIL, step=EMAIL_STEP,
                       template="reminder_email")  # fmt: skip
        s.commit()
    senders = senders_from_env(tmp_path / "home")
    try:
        report = dispatch_day(context(engine, senders))
    finally:
        for sender in senders.values():
            sender.close()

    assert report.senders["email"].startswith("email smtp 127.0.0.1:")
    assert report.outcome.statuses == {"email:sent": 1}
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.SENT and contact.demand is True
    assert contact.to_masked != "" and "@example.com" in contact.to_masked
    assert len(inbox.received) == 1
    got = inbox.received[0]
    message = got.message
    assert got.mail_from == SENDER and got.rcpt_tos[0].endswith("@example.com")
    assert message["Message-ID"] == contact.proof_ref
    assert "信用卡还款提醒" in str(message["Subject"]) and "尾号6789" in str(message["Subject"])
    body = message.get_content()
    assert "尊敬的张三" in body and "已逾期 10 天" in body
    assert message["X-Duecourse-Case"] == str(case_id)
    assert lines_of(engine)[line_id][0] == "sent"


def test_a_timeout_after_acceptance_is_retried_without_sending_twice(
    engine: Engine, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id)
        s.commit()
    accept_then_time_out_once(provider, delay=1.5)
    attempts = _attempts(monkeypatch, engine)
    sender = _http(provider, timeout=0.5)
    try:
        report = dispatch_day(context(engine, {Channel.SMS: sender}))
    finally:
        sender.close()

    assert len(attempts) == 2
    first, (first_lines, first_contacts) = attempts[0]
    assert first.retry_pending == 1 and first.statuses == {}
    assert first_lines[line_id][0] == "planned"
    assert [c.status for c in first_contacts] == [ContactStatus.SENDING]
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.SENT
    assert contact.proof_ref == provider.message_ids[contact.key] == "prov-1"
    assert provider.sent_count[contact.key] == 1 and len(provider.requests) == 2
    assert lines_of(engine)[line_id] == ("sent", "prov-1", None)
    assert report.outcome.lines == 1 and report.outcome.statuses == {"sms:sent": 1}
    assert report.outcome.retry_pending == 0


def test_a_provider_failing_every_attempt_ends_failed_and_the_run_succeeds(
    engine: Engine, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id)
        s.commit()
    provider.fail_with = 500
    attempts = _attempts(monkeypatch, engine)
    sender = _http(provider)
    try:
        report = dispatch_day(context(engine, {Channel.SMS: sender}))
    finally:
        sender.close()

    assert len(attempts) == 1 + dispatch_run.RETRIES
    status, reason, _ = lines_of(engine)[line_id]
    assert status == "failed"
    assert reason == "gave up after retries: provider answered HTTP 500"
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.FAILED and contact.reason == reason
    assert contact.demand is False and contact.proof_ref is None
    assert report.outcome.lines == 1 and report.outcome.statuses == {"sms:failed": 1}
    assert report.outcome.failures == {reason: 1}
    with engine.connect() as conn:
        run = conn.execute(
            sa.text("SELECT status, error FROM cycle_run WHERE id = :id"), {"id": report.run_id}
        ).one()
    assert run[0] == "succeeded" and run[1] is None


def test_a_message_that_left_before_a_crash_is_found_in_the_outbox(
    engine: Engine, tmp_path: Path
) -> None:
    outbox = SmsOutbox(tmp_path / "sms.jsonl")
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id)
        key = left_sending(s, case_id, line_id)
        s.commit()
    (earlier,) = outbox.send_batch([OutMessage(key, Channel.SMS, "13812345678", "sent before")])

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    written = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(written) == 1 and json.loads(written[0])["body"] == "sent before"
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.SENT and contact.proof_ref == earlier.proof_ref
    assert contact.reason == "already in the outbox" and contact.demand is True
    assert lines_of(engine)[line_id][0] == "sent"
    assert report.outcome.statuses == {"sms:sent": 1}


def test_a_message_cut_off_before_it_left_goes_from_the_outbox_once(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id)
        key = left_sending(s, case_id, line_id)
        s.commit()

    dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    written = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(w)["key"] for w in written] == [key]
    assert lines_of(engine)[line_id][0] == "sent"


def test_an_email_whose_outcome_is_unknown_is_not_sent_again(
    engine: Engine, inbox: Inbox, tmp_path: Path
) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id, channel=Channel.EMAIL, step=EMAIL_STEP,
                       template="reminder_email")  # fmt: skip
        left_sending(s, case_id, line_id, channel=Channel.EMAIL, step=EMAIL_STEP,
                     template="reminder_email")  # fmt: skip
        s.commit()
    senders = senders_from_env(tmp_path / "home")
    try:
        report = dispatch_day(context(engine, senders))
    finally:
        for sender in senders.values():
            sender.close()

    assert inbox.received == []
    status, reason, _ = lines_of(engine)[line_id]
    assert status == "failed" and reason.startswith("outcome unknown")
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.FAILED and contact.reason == reason
    assert report.outcome.statuses == {"email:failed": 1}


def test_a_retried_message_is_not_counted_against_its_own_daily_cap(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the retry counted the message's own `sending` row as a seventh attempt, so
    the gate deferred to tomorrow a text the provider had already accepted (the line `deferred`
    by daily_cap, the contact left `sending`)."""
    with Session(engine) as s:
        case_id = overdue_case(s)
        steps = [f"soft_reminder:reminder_sms#{n}" for n in range(6)]  # the cap: 6 a day
        ids = [line(s, case_id, step=step) for step in steps]
        s.commit()
    sender = RecordingSender(Channel.SMS)
    slow = contact_key(case_id, steps[-1], Channel.SMS, DAY)
    sender.time_out(slow, accepted=True)
    attempts = _attempts(monkeypatch, engine)

    report = dispatch_day(context(engine, {Channel.SMS: sender}))

    assert len(attempts) == 2 and attempts[0][0].retry_pending == 1
    assert [lines_of(engine)[i][0] for i in ids] == ["sent"] * 6
    assert report.outcome.deferred == {} and report.outcome.statuses == {"sms:sent": 6}
    assert {c.status for c in contacts_of(engine)} == {ContactStatus.SENT}
    assert sender.count(slow) == 1 and len(sender.accepted) == 6


def test_an_email_the_relay_refused_for_now_is_sent_by_the_retry_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the retry took the batch's own `sending` row for a crash leftover, and a
    sender that cannot be asked (SMTP) failed the e-mail "outcome unknown: the run stopped while
    sending" although the relay had refused it with a 4xx and nothing had left."""
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id, channel=Channel.EMAIL, step=EMAIL_STEP,
                       template="reminder_email")  # fmt: skip
        s.commit()
    key = contact_key(case_id, EMAIL_STEP, Channel.EMAIL, DAY)
    relay = RecordingSender(Channel.EMAIL, resend_safe=False)  # plays SMTP
    relay.fail_transiently(key, reason="relay answered 451 4.3.2 try again later")
    attempts = _attempts(monkeypatch, engine)

    report = dispatch_day(context(engine, {Channel.EMAIL: relay}))

    assert len(attempts) == 2
    (first_contact,) = attempts[0][1][1]
    assert first_contact.status is ContactStatus.SENDING
    assert first_contact.reason == RETRY_MARK + "relay answered 451 4.3.2 try again later"
    assert relay.count(key) == 1 and relay.batches == [[key], [key]]
    assert lines_of(engine)[line_id][0] == "sent"
    (contact,) = contacts_of(engine)
    assert contact.status is ContactStatus.SENT and contact.reason == ""
    assert report.outcome.statuses == {"email:sent": 1}


class _DyingRelay(RecordingSender):
    """Takes the messages, then the process dies before the dispatcher hears back."""

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        super().send_batch(messages)
        raise KeyboardInterrupt("killed while sending")


def test_a_retry_that_dies_while_sending_is_not_sent_a_third_time(engine: Engine) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s)
        line_id = line(s, case_id, channel=Channel.EMAIL, step=EMAIL_STEP,
                       template="reminder_email")  # fmt: skip
        s.commit()
    key = contact_key(case_id, EMAIL_STEP, Channel.EMAIL, DAY)
    refusing = RecordingSender(Channel.EMAIL, resend_safe=False)
    refusing.fail_transiently(key)
    first = dispatch_batch(
        context(engine, {Channel.EMAIL: refusing}), after=0, upto=None, limit=10, final=False
    )
    assert first.retry_pending == 1 and refusing.count(key) == 0
    dying = _DyingRelay(Channel.EMAIL, resend_safe=False)
    with pytest.raises(KeyboardInterrupt):
        dispatch_batch(
            context(engine, {Channel.EMAIL: dying}), after=0, upto=None, limit=10, final=False
        )
    assert dying.count(key) == 1
    (left,) = contacts_of(engine)
    assert left.status is ContactStatus.SENDING and left.reason == ""  # the mark was cleared

    relay = RecordingSender(Channel.EMAIL, resend_safe=False)
    dispatch_day(context(engine, {Channel.EMAIL: relay}))

    assert relay.accepted == []  # it may have left: never sent blindly again
    status, reason, _ = lines_of(engine)[line_id]
    assert status == "failed" and reason == UNKNOWN
