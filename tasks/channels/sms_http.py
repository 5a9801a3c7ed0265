"""SMS through an HTTP provider: the contract a bank's SMS gateway must offer (or a thin proxy
in front of it must translate to).

Request: up to DUECOURSE_SMS_BATCH messages per request (default 100)

    POST {DUECOURSE_SMS_URL}
    Content-Type: application/json
    X-Api-Key:    {DUECOURSE_SMS_KEY}
    X-Timestamp:  {unix seconds, e.g. 1796169600}
    X-Signature:  hex(HMAC-SHA256(DUECOURSE_SMS_SECRET, timestamp + "." + raw request body))

    {"messages": [{"client_ref": "<contact key>", "to": "<number>", "text": "<text>",
                   "sender": "<DUECOURSE_SMS_SENDER_ID, or null>"}, ...]}

The provider should refuse a timestamp more than a few minutes old (replay) and a wrong
signature (HTTP 401).

Response: HTTP 200 with one result per message, matched by client_ref (order does not matter)

    {"results": [{"client_ref": "...", "message_id": "<provider's id>",
                  "status": "accepted" | "delivered" | "rejected", "reason": "<why, if rejected>"}]}

Idempotency: the provider deduplicates by client_ref. A client_ref it has seen returns the first
message_id and its status, and sends nothing again. That is what makes a retry after a timeout
safe (the request may have been accepted before the client gave up), so this sender is
`resend_safe` and `already_sent` asks nothing: the dispatcher just sends the key again.

How answers map to results (one line of reason, never the number or the text):
- accepted -> SENT, delivered -> DELIVERED, with the provider's message_id as proof;
- rejected -> FAILED, not retryable (the provider's reason, personal data masked);
- HTTP 401/403 and other 4xx -> FAILED, not retryable (a bad key or a malformed request);
- HTTP 408/429/5xx, a timeout, a refused or dropped connection, an unreadable answer or a
  message missing from it -> FAILED, retryable (the same key can be sent again safely).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

import httpx

from rules.enums import Channel, ContactStatus
from rules.masking import hide_secrets, scrub_text
from tasks.channels.base import OutMessage, SendResult, check_channel, failed, one_line

RETRY_STATUSES = frozenset({408, 425, 429})  # besides every 5xx
PROVIDER_STATUSES = {"accepted": ContactStatus.SENT, "delivered": ContactStatus.DELIVERED}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """hex HMAC-SHA256(secret, timestamp + "." + body): the X-Signature header."""
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


class HttpSmsSender:
    """SMS through the provider contract above; one HTTP client (keep-alive) per sender."""

    channel = Channel.SMS
    resend_safe = True  # the provider deduplicates by client_ref

    def __init__(
        self,
        url: str,
        *,
        api_key: str,
        secret: str,
        sender_id: str | None = None,
        timeout: float = 10.0,
        batch_size: int = 100,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.url = url
        self.sender_id = sender_id
        self.timeout = timeout
        self.batch_size = batch_size
        self._secret = secret
        self._client = httpx.Client(
            timeout=timeout, headers={"X-Api-Key": api_key, "Content-Type": "application/json"}
        )

    def describe(self) -> str:
        return f"sms provider {hide_secrets(self.url)} (up to {self.batch_size} per request)"

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        check_channel(self, messages)
        results: list[SendResult] = []
        for start in range(0, len(messages), self.batch_size):
            results.extend(self._send_request(messages[start : start + self.batch_size]))
        return results

    def already_sent(self, keys: Sequence[str]) -> dict[str, SendResult]:
        """{}: the provider deduplicates by client_ref, so sending the key again is the lookup."""
        return {}

    def close(self) -> None:
        self._client.close()

    def _payload(self, messages: Sequence[OutMessage]) -> bytes:
        items = [
            {"client_ref": m.key, "to": m.to, "text": m.body, "sender": self.sender_id}
            for m in messages
        ]
        return json.dumps({"messages": items}, ensure_ascii=False).encode("utf-8")

    def _send_request(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        body = self._payload(messages)
        timestamp = str(int(time.time()))
        signed = signature(self._secret, timestamp, body)
        headers = {"X-Timestamp": timestamp, "X-Signature": signed}
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return _all_failed(messages, f"provider timed out after {self.timeout:g}s", True)
        except httpx.TransportError as exc:
            return _all_failed(messages, f"provider unreachable ({type(exc).__name__})", True)
        code = response.status_code
        if code != 200:
            retry = code >= 500 or code in RETRY_STATUSES
            return _all_failed(messages, f"provider answered HTTP {code}", retry)
        try:
            answers = _answers(response.json())
        except ValueError as exc:
            return _all_failed(messages, f"provider's answer unreadable: {exc}", True)
        return [_result(m.key, answers.get(m.key)) for m in messages]


def _all_failed(messages: Sequence[OutMessage], reason: str, retryable: bool) -> list[SendResult]:
    return [failed(m.key, reason, retryable=retryable) for m in messages]


def _answers(document: Any) -> dict[str, dict[str, Any]]:
    """The response's results by client_ref; ValueError when it is not the contract's shape."""
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise ValueError('no "results" list')
    answers: dict[str, dict[str, Any]] = {}
    for item in document["results"]:
        if not isinstance(item, dict) or not isinstance(item.get("client_ref"), str):
            raise ValueError("a result without client_ref")
        answers[item["client_ref"]] = item
    return answers


def _result(key: str, answer: dict[str, Any] | None) -> SendResult:
    if answer is None:
        return failed(key, "provider's answer has no result for this message", retryable=True)
    status = str(answer.get("status", ""))
    message_id = answer.get("message_id")
    if status in PROVIDER_STATUSES and message_id:
        return SendResult(key, PROVIDER_STATUSES[status], str(message_id))
    if status == "rejected":
        why = scrub_text(one_line(str(answer.get("reason") or "no reason given")))
        return failed(key, f"provider rejected the message: {why}", retryable=False)
    return failed(key, f"provider's answer unreadable: status {status!r:.40}", retryable=True)
