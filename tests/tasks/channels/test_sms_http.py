"""The HTTP SMS adapter against a provider over real HTTP: signed requests in batches, per-message
results, failures as results (retryable or not), and a retry after a timeout that does not
send twice."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from rules.enums import Channel, ContactStatus
from tasks.channels.base import OutMessage
from tasks.channels.sms_http import HttpSmsSender
from tests.tasks.channels.sms_provider import Provider, sms_provider
from tests.tasks.smtp_server import free_port

KEY = "123|soft_reminder:reminder_sms|sms|2026-11-28"


def sms(key: str, to: str = "13812345678") -> OutMessage:
    return OutMessage(key, Channel.SMS, to, "【某银行】您的信用卡已逾期，请尽快还款。")


@pytest.fixture
def provider() -> Iterator[Provider]:
    with sms_provider() as running:
        yield running


def sender_for(provider: Provider, **kwargs: object) -> HttpSmsSender:
    options: dict[str, object] = {"api_key": "key-1", "secret": "shh-secret", "timeout": 5.0}
    options.update(kwargs)
    return HttpSmsSender(provider.url, **options)  # type: ignore[arg-type]


def test_messages_go_in_signed_batches_and_come_back_one_result_each(provider: Provider) -> None:
    sender = sender_for(provider, batch_size=2, sender_id="95588")
    messages = [sms(f"k{n}", to=f"1381234567{n}") for n in range(5)]
    try:
        results = sender.send_batch(messages)
    finally:
        sender.close()
    assert [r.key for r in results] == [m.key for m in messages]
    assert all(r.status is ContactStatus.SENT for r in results)
    assert [r.proof_ref for r in results] == [provider.message_ids[m.key] for m in messages]
    assert provider.refused_signatures == 0
    assert [len(r["messages"]) for r in provider.requests] == [2, 2, 1]
    first = provider.requests[0]["messages"][0]
    assert first == {
        "client_ref": "k0", "to": "13812345670",
        "text": "【某银行】您的信用卡已逾期，请尽快还款。", "sender": "95588",
    }  # fmt: skip


def test_a_rejected_number_fails_alone_without_showing_it(provider: Provider) -> None:
    provider.reject.add("13900001111")
    sender = sender_for(provider)
    results = sender.send_batch([sms("k1"), sms("k2", to="13900001111"), sms("k3")])
    assert [r.status for r in results] == [
        ContactStatus.SENT, ContactStatus.FAILED, ContactStatus.SENT,
    ]  # fmt: skip
    rejected = results[1]
    assert not rejected.retryable and rejected.proof_ref is None
    assert rejected.reason.startswith("provider rejected the message: number 139****1111")
    assert "13900001111" not in rejected.reason


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False)]
)
def test_http_errors_fail_the_request_retryable_or_not(
    provider: Provider, status: int, retryable: bool
) -> None:
    provider.fail_with = status
    results = sender_for(provider).send_batch([sms("k1"), sms("k2")])
    assert [r.status for r in results] == [ContactStatus.FAILED] * 2
    assert all(r.retryable is retryable for r in results)
    assert results[0].reason == f"provider answered HTTP {status}"


def test_a_wrong_secret_is_refused_by_the_provider_for_good(provider: Provider) -> None:
    result = sender_for(provider, secret="not-the-secret").send_batch([sms("k1")])[0]
    assert provider.refused_signatures == 1 and provider.sent_count["k1"] == 0
    assert result.status is ContactStatus.FAILED and not result.retryable
    assert result.reason == "provider answered HTTP 401"


def test_an_unreadable_answer_is_retryable(provider: Provider) -> None:
    provider.garbage = True
    result = sender_for(provider).send_batch([sms("k1")])[0]
    assert result.retryable and result.reason.startswith("provider's answer unreadable")


def test_no_provider_listening_is_retryable() -> None:
    sender = HttpSmsSender(
        f"http://127.0.0.1:{free_port()}/sms", api_key="k", secret="s", timeout=2.0
    )
    result = sender.send_batch([sms("k1")])[0]
    assert result.status is ContactStatus.FAILED and result.retryable
    assert result.reason == "provider unreachable (ConnectError)"


def test_a_retry_after_a_timeout_that_was_accepted_does_not_send_twice(
    provider: Provider,
) -> None:
    provider.sleep_after_accept = 1.5
    sender = sender_for(provider, timeout=0.3)
    first = sender.send_batch([sms(KEY)])[0]
    assert first.status is ContactStatus.FAILED and first.retryable
    assert first.reason == "provider timed out after 0.3s"
    assert provider.sent_count[KEY] == 1  # the provider took it before the client gave up
    provider.sleep_after_accept = 0.0
    assert sender.already_sent([KEY]) == {}  # nothing to ask: the resend is the lookup
    again = sender.send_batch([sms(KEY)])[0]
    assert again.status is ContactStatus.SENT
    assert again.proof_ref == provider.message_ids[KEY]
    assert provider.sent_count[KEY] == 1 and sender.resend_safe
    sender.close()


def test_describe_shows_no_secret() -> None:
    sender = HttpSmsSender(
        "https://svc:pa55word@sms.example.com/v1/send", api_key="key-abc", secret="sec-xyz"
    )
    text = sender.describe()
    assert "sms.example.com" in text and "100 per request" in text
    assert "pa55word" not in text and "key-abc" not in text and "sec-xyz" not in text
    sender.close()
    with pytest.raises(ValueError, match="batch_size"):
        HttpSmsSender("https://x", api_key="k", secret="s", batch_size=0)


@pytest.mark.parametrize(
    ("document", "status", "retryable", "reason"),
    [
        ({"results": [{"client_ref": "k1", "message_id": "m1", "status": "delivered"}]},
         ContactStatus.DELIVERED, False, ""),
        ({"results": []}, ContactStatus.FAILED, True,
         "provider's answer has no result for this message"),
        ({"results": [{"client_ref": "k1", "status": "queued"}]}, ContactStatus.FAILED, True,
         "provider's answer unreadable: status 'queued'"),
        ({"results": [{"client_ref": "k1", "status": "rejected"}]}, ContactStatus.FAILED, False,
         "provider rejected the message: no reason given"),
        ({"results": [{"status": "accepted"}]}, ContactStatus.FAILED, True,
         "provider's answer unreadable: a result without client_ref"),
        ([1, 2], ContactStatus.FAILED, True, "provider's answer unreadable: no \"results\" list"),
    ],
)  # fmt: skip
def test_answers_of_other_shapes(
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
    document: object,
    status: ContactStatus,
    retryable: bool,
    reason: str,
) -> None:
    monkeypatch.setattr(
        provider, "answer", lambda headers, body: (200, json.dumps(document).encode())
    )
    result = sender_for(provider).send_batch([sms("k1")])[0]
    assert (result.status, result.retryable, result.reason) == (status, retryable, reason)
