"""What every contact channel offers the dispatcher: messages in, one result per message out.

The dispatcher (tasks/dispatch/) hands a sender a batch of up to a few thousand messages and
records what comes back; it never knows whether the SMS left through the file outbox or an HTTP
provider, or the e-mail through SMTP or the recording outbox (the real/recording pair of
resources, chosen by configuration in `tasks/channels/settings.py`).

Rules every sender keeps, because the dispatcher relies on them:
- `send_batch` returns exactly one `SendResult` per message, in the same order. A message that
  could not go out is a FAILED result with a one-line reason, never an exception; only a
  programming error (a message of another channel, a non-X- header) raises.
- A reason never carries personal data (the number, the address, the text): the dispatcher
  stores it, shows it in the ops view and in Prefect artifacts (design.md principle 6).
- `retryable` says whether trying the same key again later may succeed (a timeout, a refused
  connection, an HTTP 5xx, an SMTP 4xx); a refusal of the message itself is final.
- `resend_safe` says whether sending the same key twice can deliver twice. When it is False
  (SMTP), a key whose outcome is unknown after a crash must not be sent again blindly: the
  issue's rule is that a retry never sends twice (design.md principle 4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rules.enums import Channel, ContactStatus


@dataclass(frozen=True)
class OutMessage:
    """One message to send. `key` is the contact's deterministic key (case, step, channel,
    as-of), e.g. "123|soft_reminder:reminder_sms|sms|2026-11-28": the provider's idempotency key
    and the seed of the e-mail's Message-ID. `to` is the real number or address: it is never
    logged and never put in a reason (mask it with rules.masking when it must be shown)."""

    key: str
    channel: Channel
    to: str
    body: str
    subject: str | None = None  # e-mail only
    headers: Mapping[str, str] = field(default_factory=dict)  # extra X- headers (e-mail only)

    def __repr__(self) -> str:  # a stray repr in a log or a traceback shows no personal data
        return f"OutMessage(key={self.key!r}, channel={self.channel.value})"


@dataclass(frozen=True)
class SendResult:
    """What became of one message. `proof_ref` is the evidence the legal track keeps (a
    provider's message id, the SMTP Message-ID, the outbox line's id): a demand sent to the
    contact details the cardholder gave interrupts the limitation period (SPC bank-card rules
    2021, Art. 3), and proving it years later needs this reference."""

    key: str
    status: ContactStatus  # SENT, DELIVERED or FAILED
    proof_ref: str | None
    reason: str = ""  # one line, no personal data
    retryable: bool = False  # transient: the same key may succeed later

    @property
    def ok(self) -> bool:
        return self.status in (ContactStatus.SENT, ContactStatus.DELIVERED)


def sent(key: str, proof_ref: str, reason: str = "") -> SendResult:
    """A message that left (or was already out under this key: `reason` says so)."""
    return SendResult(key, ContactStatus.SENT, proof_ref, reason)


def failed(key: str, reason: str, *, retryable: bool) -> SendResult:
    """A message that did not leave; `reason` is one line without personal data."""
    return SendResult(key, ContactStatus.FAILED, None, one_line(reason), retryable)


def one_line(text: str, limit: int = 200) -> str:
    """A reason as one short line (a provider's multi-line error text included)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def key_digest(key: str) -> str:
    """The hex SHA-256 of a contact key: the stable seed of every proof reference made here
    (the outbox's message id, the e-mail's Message-ID), so the same key always gets the same
    reference and a resend is recognisable."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Sender(Protocol):
    """A contact channel: the file outbox, an SMS provider, an SMTP relay, or a recording fake."""

    channel: Channel
    resend_safe: bool  # sending the same key twice cannot deliver twice

    def describe(self) -> str:
        """Where messages go, for people and artifacts: nothing secret or personal."""
        ...

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        """One result per message, same order; failures are FAILED results, not exceptions."""
        ...

    def already_sent(self, keys: Sequence[str]) -> dict[str, SendResult]:
        """Which of these keys already left (after a crash between sending and recording)."""
        ...

    def close(self) -> None:
        """Release the connection or file the sender holds."""
        ...


def check_channel(sender: Sender, messages: Sequence[OutMessage]) -> None:
    """A message of another channel handed to a sender is a programming error."""
    for message in messages:
        if message.channel is not sender.channel:
            raise ValueError(
                f"{message.channel.value} message {message.key!r} given to the "
                f"{sender.channel.value} sender"
            )
