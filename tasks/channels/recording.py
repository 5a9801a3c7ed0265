"""A sender that only remembers: the test double for the dispatcher and the flows.

It keeps every message it accepted and every batch it was given, and can be told to refuse a
key, to fail it as a transient error, or to time out on it - optionally AFTER accepting it, the
case a retry must survive without sending twice (the provider took the message, the client
gave up waiting). It behaves like a provider that deduplicates by key when `resend_safe` (the
default: a repeated key returns its first proof and is not accepted again), and like SMTP when
not (a repeated key is accepted again: `count(key)` shows the double send).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rules.enums import Channel
from tasks.channels.base import (
    OutMessage,
    SendResult,
    check_channel,
    failed,
    key_digest,
    sent,
)


@dataclass
class _Trouble:
    reason: str
    retryable: bool
    accept: bool  # the message counts as sent although the caller is told it failed
    times: int | None  # how many more sends it applies to (None: every one)


class RecordingSender:
    """Records what it was given; `fail`, `fail_transiently` and `time_out` script trouble."""

    def __init__(self, channel: Channel, *, resend_safe: bool = True) -> None:
        self.channel = channel
        self.resend_safe = resend_safe
        self.accepted: list[OutMessage] = []  # every message that "left", in order
        self.batches: list[list[str]] = []  # the keys of each send_batch call
        self.closed = False
        self._proofs: dict[str, str] = {}
        self._trouble: dict[str, _Trouble] = {}

    def describe(self) -> str:
        return f"{self.channel.value} recording sender"

    def proof(self, key: str) -> str:
        return "rec-" + key_digest(key)[:16]

    def fail(self, key: str, reason: str = "refused by the recording sender") -> None:
        """Every send of `key` is refused for good (FAILED, not retryable)."""
        self._trouble[key] = _Trouble(reason, retryable=False, accept=False, times=None)

    def fail_transiently(self, key: str, *, times: int = 1, reason: str = "provider error") -> None:
        """The next `times` sends of `key` fail as retryable; then it goes through."""
        self._trouble[key] = _Trouble(reason, retryable=True, accept=False, times=times)

    def time_out(self, key: str, *, accepted: bool = True, times: int = 1) -> None:
        """The next `times` sends of `key` time out (FAILED, retryable); with `accepted` the
        message left all the same, as with a provider that accepted before the client gave up."""
        self._trouble[key] = _Trouble("timed out", retryable=True, accept=accepted, times=times)

    def count(self, key: str) -> int:
        """How many times `key` actually left (more than 1 is a double send)."""
        return Counter(m.key for m in self.accepted)[key]

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.accepted]

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        check_channel(self, messages)
        self.batches.append([m.key for m in messages])
        return [self._send(m) for m in messages]

    def already_sent(self, keys: Sequence[str]) -> dict[str, SendResult]:
        """The keys that left, when this sender plays a provider that can be asked; {} as SMTP."""
        if not self.resend_safe:
            return {}
        return {k: sent(k, self._proofs[k]) for k in keys if k in self._proofs}

    def close(self) -> None:
        self.closed = True

    def _send(self, message: OutMessage) -> SendResult:
        key = message.key
        trouble = self._trouble.get(key)
        if trouble is not None:
            if trouble.times is not None:
                trouble.times -= 1
                if trouble.times <= 0:
                    del self._trouble[key]
            if trouble.accept:
                self._accept(message)
            return failed(key, trouble.reason, retryable=trouble.retryable)
        if self.resend_safe and key in self._proofs:
            return sent(key, self._proofs[key], "already accepted")
        return sent(key, self._accept(message))

    def _accept(self, message: OutMessage) -> str:
        if not (self.resend_safe and message.key in self._proofs):
            self.accepted.append(message)
            self._proofs[message.key] = self.proof(message.key)
        return self._proofs[message.key]
