"""Debtor e-mail: over SMTP to the bank's relay, or to a recording outbox when no relay is set.

Settings are the staff alerts' own (tasks/notify/email.py SmtpSettings, DUECOURSE_SMTP_*: host,
port, security none | starttls | tls, user, password, sender, timeout, ca_file), so a bank
configures one relay. Without DUECOURSE_SMTP_HOST, debtor e-mail goes to its own outbox
`<home>/outbox/debtor-email.jsonl`, apart from the staff alerts' `outbox/email.jsonl`: the two
have different readers (the collection record versus operations), and a debtor's address and
the text of a demand must not end up in a file that ops read for failed runs.

Each message: From (the sender), To, Subject (UTF-8, RFC 2047-encoded by the email package),
Date (Asia/Shanghai), a Message-ID made from the key (`<first 32 hex of sha256(key)@domain of
the sender>`), the given X- headers, and a plain-text UTF-8 body. The Message-ID is the proof
reference: the same key always has the same one, so a copy found later in a mailbox or a
bounce can be matched to its contact record.

SMTP: one connection per batch, reopened once if the relay drops it. Each message is one
MAIL / RCPT / DATA transaction, with the outcome read from the replies:
- a recipient or message refused with 5xx -> FAILED, not retryable; with 4xx -> retryable;
- the relay unreachable, a timeout, the login refused, the connection lost before the message
  was handed over -> FAILED, retryable (nothing left);
- the connection lost after the whole message was handed over but before the relay's answer
  -> FAILED, NOT retryable: it may have been delivered, and the issue's rule is that a retry
  never sends twice. The reason says so, for a person to check.
SMTP cannot be asked whether a message left, so this sender is not `resend_safe` and
`already_sent` is {}.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.policy import Policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from rules.enums import Channel
from rules.masking import scrub_text
from tasks.channels.base import (
    OutMessage,
    SendResult,
    check_channel,
    failed,
    key_digest,
    one_line,
    sent,
)
from tasks.channels.outbox import JsonlOutbox
from tasks.clock import SHANGHAI
from tasks.notify.email import SmtpSettings, connect_smtp

EMAIL_OUTBOX_FILE = Path("outbox") / "debtor-email.jsonl"
DEFAULT_DOMAIN = "duecourse"
MAYBE_DELIVERED = (
    "connection lost after the relay received the whole message: it may have been "
    "delivered, so it is not sent again (check the relay's log)"
)
_LEADING_DOT = re.compile(rb"(?m)^\.")


def message_id_for(key: str, sender: str | None) -> str:
    """`<sha256(key)[:32]@domain>`: the Message-ID and proof reference of a contact key."""
    domain = (sender or "").rpartition("@")[2] or DEFAULT_DOMAIN
    return f"<{key_digest(key)[:32]}@{domain}>"


def check_headers(messages: Sequence[OutMessage]) -> None:
    """Only X- headers may be added; anything else is a programming error (the standard
    headers are this module's to set)."""
    for message in messages:
        for name in message.headers:
            if not name.lower().startswith("x-"):
                raise ValueError(f"message {message.key!r}: header {name!r} is not an X- header")


def build_email(message: OutMessage, *, sender: str, date: datetime) -> EmailMessage:
    """The message as sent: UTF-8 plain text, RFC 2047 subject, deterministic Message-ID."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    if message.subject is not None:
        email["Subject"] = message.subject
    email["Date"] = format_datetime(date)
    email["Message-ID"] = message_id_for(message.key, sender)
    for name, value in message.headers.items():
        email[name] = value
    email.set_content(message.body, charset="utf-8")
    return email


class SmtpEmailSender:
    """Debtor e-mail over the configured SMTP relay (one connection per batch)."""

    channel = Channel.EMAIL
    resend_safe = False  # SMTP cannot be asked whether a message left

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host or not settings.sender:
            raise ValueError("SmtpEmailSender needs DUECOURSE_SMTP_HOST and _SENDER")
        self.settings = settings
        self.sender: str = settings.sender

    def describe(self) -> str:
        s = self.settings
        return f"email smtp {s.host}:{s.effective_port} ({s.security.value})"

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        check_channel(self, messages)
        check_headers(messages)
        if not messages:
            return []
        batch = _Batch(self.settings, self.sender, datetime.now(SHANGHAI))
        try:
            return [batch.send(message) for message in messages]
        finally:
            batch.relay.close()

    def already_sent(self, keys: Sequence[str]) -> dict[str, SendResult]:
        """{}: a relay cannot be asked; see the module's notes."""
        return {}

    def close(self) -> None:
        """Nothing is held between batches (each opens and closes its own connection)."""


class _Relay:
    """A batch's connection: opened on first use, reopened once after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.opens_left = 2
        self.error = "connection to the relay lost"

    def get(self) -> smtplib.SMTP | None:
        if self.smtp is None and self.opens_left > 0:
            self.opens_left -= 1
            try:
                self.smtp = connect_smtp(self.settings)
                self.smtp.ehlo_or_helo_if_needed()
            except (smtplib.SMTPException, OSError) as exc:
                self.drop()
                self.opens_left = 0  # the rest of the batch fails fast with this reason
                self.error = f"relay unavailable: {_describe_error(exc)}"
        return self.smtp

    def drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.drop()


@dataclass
class _Attempt:
    handed: bool = False  # the whole message went to the relay; only its answer is missing


class _Batch:
    def __init__(self, settings: SmtpSettings, sender: str, date: datetime) -> None:
        self.relay = _Relay(settings)
        self.sender = sender
        self.date = date

    def send(self, message: OutMessage) -> SendResult:
        try:
            email = build_email(message, sender=self.sender, date=self.date)
        except ValueError as exc:  # e.g. a line break in a header value
            why = f"message not valid: {scrub_text(str(exc))}"
            return failed(message.key, why, retryable=False)
        for _ in range(2):
            smtp = self.relay.get()
            if smtp is None:
                return failed(message.key, self.relay.error, retryable=True)
            attempt = _Attempt()
            try:
                return self._transact(smtp, message, email, attempt)
            except (smtplib.SMTPException, OSError):  # the connection dropped or timed out
                self.relay.drop()
                if attempt.handed:
                    return failed(message.key, MAYBE_DELIVERED, retryable=False)
        return failed(message.key, self.relay.error, retryable=True)

    def _transact(
        self, smtp: smtplib.SMTP, message: OutMessage, email: EmailMessage, attempt: _Attempt
    ) -> SendResult:
        """MAIL, RCPT, DATA by hand (not sendmail) so a drop is known to come before or after
        the message was handed over."""
        chosen = self._options(smtp, message, email)
        if chosen is None:
            why = "address not ASCII and the relay lacks SMTPUTF8"
            return failed(message.key, why, retryable=False)
        options, flat_policy = chosen
        code, reply = smtp.mail(self.sender, options)
        if code != 250:
            return self._refused(smtp, message.key, "sender refused", code, reply)
        code, reply = smtp.rcpt(message.to)
        if code not in (250, 251):
            return self._refused(smtp, message.key, "recipient refused", code, reply)
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            return self._refused(smtp, message.key, "message refused", code, reply)
        data = _LEADING_DOT.sub(b"..", email.as_bytes(policy=flat_policy))
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(data + b".\r\n")
        attempt.handed = True
        code, reply = smtp.getreply()
        if code != 250:  # a definite answer: the relay did not take the message
            if code == 421:
                self.relay.drop()
            return _refusal(message.key, "message refused", code, reply)
        return sent(message.key, str(email["Message-ID"]))

    def _options(
        self, smtp: smtplib.SMTP, message: OutMessage, email: EmailMessage
    ) -> tuple[list[str], Policy] | None:
        """MAIL options and the policy to flatten with; None when the addresses need
        SMTPUTF8 and the relay lacks it."""
        if not (self.sender + message.to).isascii():
            if not smtp.has_extn("smtputf8"):
                return None
            return ["SMTPUTF8", "BODY=8BITMIME"], policy.SMTPUTF8
        if email["Content-Transfer-Encoding"] == "8bit":  # UTF-8 text as it is (RFC 6152)
            if smtp.has_extn("8bitmime"):
                return ["BODY=8BITMIME"], policy.SMTP
            email.set_content(message.body, charset="utf-8", cte="base64")  # a 7-bit relay
        return [], policy.SMTP

    def _refused(
        self, smtp: smtplib.SMTP, key: str, what: str, code: int, reply: bytes
    ) -> SendResult:
        """A refusal before DATA: reset the transaction so the next message starts clean.
        421 (the relay is closing the connection) is a drop: nothing was sent, so `send`
        reopens the connection once and tries again."""
        if code == 421:
            raise smtplib.SMTPServerDisconnected(f"{what}: 421")
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.relay.drop()
        return _refusal(key, what, code, reply)


def _refusal(key: str, what: str, code: int, reply: bytes) -> SendResult:
    """4xx is transient (retryable), 5xx final; the relay's words with addresses masked."""
    words = scrub_text(one_line(reply.decode("utf-8", "replace"), 120))
    return failed(key, f"{what}: {code} {words}".rstrip(), retryable=400 <= code < 500)


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"{exc.smtp_code} {scrub_text(one_line(text, 120))}"
    strerror = getattr(exc, "strerror", None)
    return type(exc).__name__ + (f" ({strerror})" if strerror else "")


class EmailOutbox(JsonlOutbox):
    """Debtor e-mail recorded to `<home>/outbox/debtor-email.jsonl` when no relay is set;
    the line's message_id is the Message-ID the relay would have carried."""

    def __init__(self, path: Path, sender: str | None = None) -> None:
        super().__init__(path, Channel.EMAIL)
        self.sender = sender or f"duecourse@{DEFAULT_DOMAIN}"

    def message_id(self, key: str) -> str:
        return message_id_for(key, self.sender)

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        check_headers(messages)
        return super().send_batch(messages)

    def record(self, message: OutMessage, message_id: str, at: str) -> dict[str, Any]:
        return {
            "key": message.key,
            "to": message.to,
            "from": self.sender,
            "subject": message.subject,
            "headers": dict(message.headers),
            "body": message.body,
            "at": at,
            "message_id": message_id,
        }


def email_outbox_path(home: Path) -> Path:
    return home / EMAIL_OUTBOX_FILE
