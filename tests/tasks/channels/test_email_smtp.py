"""Debtor e-mail over a real SMTP server in this process (aiosmtpd): messages read back
(subject decoded, body, headers, UTF-8, Message-ID = proof), refusals, a relay that drops the
connection before or after the message was handed over, and the outbox without a relay."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from rules.enums import Channel, ContactStatus
from tasks.channels.base import OutMessage
from tasks.channels.email_smtp import (
    MAYBE_DELIVERED,
    EmailOutbox,
    SmtpEmailSender,
    message_id_for,
)
from tasks.notify.email import SmtpSecurity, SmtpSettings
from tests.tasks.smtp_server import Received, free_port, self_signed, smtp_server

SENDER = "collections@bank.example.com"


@dataclass
class Relay:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply
    drop_at_mail: int = 0  # close the connection at the next N MAIL commands
    drop_after_data: bool = False  # take the message, then close without answering
    refuse_sender: str | None = None  # the reply to MAIL FROM
    data_reply: str = "250 Message accepted for delivery"
    connections: int = 0


class _Handler:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.relay.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.relay.drop_at_mail > 0:
            self.relay.drop_at_mail -= 1
            server.transport.close()
            return "421 gone"
        if self.relay.refuse_sender:
            return self.relay.refuse_sender
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.relay.refuse:
            return self.relay.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.relay.data_reply.startswith("250"):
            return self.relay.data_reply
        self.relay.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        if self.relay.drop_after_data:
            server.transport.close()
        return self.relay.data_reply


@contextmanager
def running_relay(**options: Any) -> Iterator[Relay]:
    """An SMTP server with `options` for aiosmtpd's SMTP (decode_data, enable_SMTPUTF8)."""
    running = Relay("127.0.0.1", free_port())
    controller = Controller(_Handler(running), hostname=running.host, port=running.port, **options)
    controller.start()
    try:
        yield running
    finally:
        controller.stop()


@pytest.fixture
def relay() -> Iterator[Relay]:
    with running_relay() as running:
        yield running


def sender_for(relay: Relay) -> SmtpEmailSender:
    settings = SmtpSettings(
        host=relay.host, port=relay.port, security=SmtpSecurity.NONE, sender=SENDER, timeout=5
    )
    return SmtpEmailSender(settings)


def mail(key: str, to: str = "zhang.san@example.com", **kwargs: Any) -> OutMessage:
    fields: dict[str, Any] = {"subject": "Payment reminder", "body": "Please pay by 12-05.\n"}
    fields.update(kwargs)
    return OutMessage(key=key, channel=Channel.EMAIL, to=to, **fields)


def test_three_messages_are_read_back_with_subject_body_headers_and_message_id(
    relay: Relay,
) -> None:
    chinese = mail(
        "42|formal_demand:demand_email|email|2026-11-28",
        to="li.si@example.cn",
        subject="【某银行】信用卡逾期还款通知",
        body="尊敬的李四：\n您尾号6789的信用卡已逾期45天，欠款人民币12,345.67元。\n.单独一行的点\n",
        headers={"X-Duecourse-Case": "42", "X-Duecourse-Template": "demand_email@3"},
    )
    messages = [mail("k1"), chinese, mail("k3", to="wang.wu@example.com")]
    results = sender_for(relay).send_batch(messages)
    assert [r.status for r in results] == [ContactStatus.SENT] * 3
    assert relay.connections == 1  # one connection for the batch
    got = {r.rcpt_tos[0]: r for r in relay.received}
    assert set(got) == {"zhang.san@example.com", "li.si@example.cn", "wang.wu@example.com"}
    received = got["li.si@example.cn"]
    assert received.mail_from == SENDER
    message = received.message
    assert message["Subject"] == "【某银行】信用卡逾期还款通知"
    assert b"\xe4" not in received.data.split(b"\r\n\r\n", 1)[0]  # headers: RFC 2047 words
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    # the leading dot survived the transfer; lines end in CRLF on the wire (RFC 5322)
    assert message.get_content().replace("\r\n", "\n") == chinese.body
    assert message["From"] == SENDER and message["To"] == "li.si@example.cn"
    assert message["X-Duecourse-Case"] == "42"
    assert message["X-Duecourse-Template"] == "demand_email@3"
    assert message["Date"].endswith("+0800")
    digest = hashlib.sha256(chinese.key.encode()).hexdigest()[:32]
    assert message["Message-ID"] == f"<{digest}@bank.example.com>" == results[1].proof_ref


def test_a_refused_recipient_fails_alone(relay: Relay) -> None:
    relay.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: user unknown"
    relay.refuse["full@example.com"] = "452 4.2.2 mailbox full"
    messages = [mail("k1"), mail("k2", to="gone@example.com"), mail("k3", to="full@example.com")]
    messages.append(mail("k4"))
    results = sender_for(relay).send_batch(messages)
    statuses = [r.status for r in results]
    assert statuses == [ContactStatus.SENT, ContactStatus.FAILED, ContactStatus.FAILED,
                        ContactStatus.SENT]  # fmt: skip
    refused, full = results[1], results[2]
    assert not refused.retryable and refused.reason.startswith("recipient refused: 550 5.1.1")
    assert "gone@example.com" not in refused.reason and "g***@example.com" in refused.reason
    assert full.retryable and full.reason.startswith("recipient refused: 452")
    assert [r.rcpt_tos for r in relay.received] == [["zhang.san@example.com"]] * 2


def test_a_connection_dropped_before_the_message_is_reopened_once(relay: Relay) -> None:
    relay.drop_at_mail = 1
    results = sender_for(relay).send_batch([mail("k1"), mail("k2")])
    assert [r.status for r in results] == [ContactStatus.SENT] * 2
    assert len(relay.received) == 2 and relay.connections == 2


def test_dropped_twice_the_rest_of_the_batch_fails_retryable(relay: Relay) -> None:
    relay.drop_at_mail = 2
    results = sender_for(relay).send_batch([mail("k1"), mail("k2")])
    assert [r.status for r in results] == [ContactStatus.FAILED] * 2
    assert all(r.retryable and r.reason == "connection to the relay lost" for r in results)
    assert relay.received == []


def test_a_drop_after_the_message_was_handed_over_is_not_retried(relay: Relay) -> None:
    relay.drop_after_data = True
    results = sender_for(relay).send_batch([mail("k1"), mail("k2")])
    first = results[0]
    assert first.status is ContactStatus.FAILED and not first.retryable
    assert first.reason == MAYBE_DELIVERED
    assert len(relay.received) == 2  # each arrived once, none was sent again
    assert not sender_for(relay).resend_safe
    assert sender_for(relay).already_sent(["k1"]) == {}


def test_no_relay_listening_fails_the_batch_fast_and_retryable() -> None:
    settings = SmtpSettings(
        host="127.0.0.1", port=free_port(), security=SmtpSecurity.NONE, sender=SENDER, timeout=2
    )
    results = SmtpEmailSender(settings).send_batch([mail("k1"), mail("k2")])
    assert all(r.retryable for r in results)
    assert results[1].reason.startswith("relay unavailable: ConnectionRefusedError")


def test_programming_errors_raise_and_bad_values_fail(relay: Relay) -> None:
    sender = sender_for(relay)
    with pytest.raises(ValueError, match="not an X- header"):
        sender.send_batch([mail("k1", headers={"Bcc": "boss@example.com"})])
    with pytest.raises(ValueError, match="sms message"):
        sender.send_batch([OutMessage("s", Channel.SMS, "13812345678", "x")])
    bad = sender.send_batch([mail("k1", headers={"X-Note": "a\r\nBcc: boss@example.com"})])[0]
    assert bad.status is ContactStatus.FAILED and not bad.retryable
    assert bad.reason.startswith("message not valid")
    assert relay.received == []
    assert sender.describe() == f"email smtp 127.0.0.1:{relay.port} (none)"


def test_without_a_relay_debtor_mail_goes_to_its_own_outbox(tmp_path: Path) -> None:
    path = tmp_path / "outbox" / "debtor-email.jsonl"
    outbox = EmailOutbox(path, SENDER)
    message = mail("k1", subject="逾期通知", headers={"X-Duecourse-Case": "7"})
    (result,) = outbox.send_batch([message])
    assert result.proof_ref == message_id_for("k1", SENDER)
    (line,) = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert next(iter(line)) == "key" and line["subject"] == "逾期通知"
    assert line["from"] == SENDER and line["to"] == "zhang.san@example.com"
    assert line["headers"] == {"X-Duecourse-Case": "7"}
    assert line["message_id"] == result.proof_ref
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert outbox.send_batch([message])[0].reason == "already in the outbox"
    assert message_id_for("k1", None).endswith("@duecourse>")


def test_starttls_and_login_with_the_relays_ca(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    cert, key = self_signed(tmp_path)
    with smtp_server(tls_files=(cert, key), credentials=("collect", "pw-1")) as inbox:
        settings = SmtpSettings(
            host=inbox.host, port=inbox.port, security=SmtpSecurity.STARTTLS, user="collect",
            password=SecretStr("pw-1"), sender=SENDER, ca_file=cert,
        )  # fmt: skip
        results = SmtpEmailSender(settings).send_batch([mail("k1"), mail("k2")])
    assert [r.status for r in results] == [ContactStatus.SENT] * 2
    assert inbox.logins == [("collect", "pw-1")]  # one login for the batch
    assert [r.message["Message-ID"] for r in inbox.received] == [r.proof_ref for r in results]


def test_a_7bit_relay_gets_the_utf8_text_in_base64() -> None:
    with running_relay(decode_data=True) as relay:  # no 8BITMIME offered
        message = mail("k1", subject="通知", body="请于12月5日前还款。\n")
        (result,) = sender_for(relay).send_batch([message])
    assert result.ok
    (received,) = relay.received
    assert received.message["Content-Transfer-Encoding"] == "base64"
    assert received.data.isascii()
    assert received.message.get_content().replace("\r\n", "\n") == message.body


def test_a_non_ascii_address_needs_smtputf8() -> None:
    message = mail("k1", to="李四@例子.中国")
    with running_relay(enable_SMTPUTF8=False) as relay:
        (refused,) = sender_for(relay).send_batch([message])
    assert not refused.ok and not refused.retryable
    assert refused.reason == "address not ASCII and the relay lacks SMTPUTF8"
    with running_relay(enable_SMTPUTF8=True) as relay:
        (result,) = sender_for(relay).send_batch([message])
    assert result.ok and relay.received[0].rcpt_tos == ["李四@例子.中国"]
    assert relay.received[0].message["To"] == "李四@例子.中国"


def test_refusals_of_the_sender_and_of_the_message_are_final(relay: Relay) -> None:
    relay.refuse_sender = "550 5.7.1 sender not allowed"
    (sender_refused,) = sender_for(relay).send_batch([mail("k1")])
    assert not sender_refused.retryable
    assert sender_refused.reason == "sender refused: 550 5.7.1 sender not allowed"
    relay.refuse_sender = None
    relay.data_reply = "554 5.7.1 looks like spam"
    (message_refused,) = sender_for(relay).send_batch([mail("k2")])
    assert not message_refused.retryable
    assert message_refused.reason == "message refused: 554 5.7.1 looks like spam"
    assert relay.received == []


def test_a_relay_that_keeps_answering_421_fails_the_batch_retryable(relay: Relay) -> None:
    relay.refuse["zhang.san@example.com"] = "421 4.3.2 shutting down"
    results = sender_for(relay).send_batch([mail("k1"), mail("k2")])
    assert all(not r.ok and r.retryable for r in results)
    assert relay.connections == 2  # reopened once, then the batch gave up
