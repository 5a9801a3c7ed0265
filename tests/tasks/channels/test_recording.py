"""The recording sender other tests stand in for a provider: it keeps what it was given and
plays refusals, transient errors and timeouts (also after accepting) on cue."""

from __future__ import annotations

import pytest

from rules.enums import Channel, ContactStatus
from tasks.channels import OutMessage, RecordingSender


def sms(key: str) -> OutMessage:
    return OutMessage(key, Channel.SMS, "13812345678", "text")


def test_it_records_batches_and_answers_one_result_per_message() -> None:
    sender = RecordingSender(Channel.SMS)
    results = sender.send_batch([sms("a"), sms("b")])
    assert [r.status for r in results] == [ContactStatus.SENT] * 2
    assert sender.batches == [["a", "b"]] and sender.keys == ["a", "b"]
    assert results[0].proof_ref == sender.proof("a")
    assert sender.send_batch([sms("a")])[0].reason == "already accepted"
    assert sender.count("a") == 1
    assert set(sender.already_sent(["a", "z"])) == {"a"}
    sender.close()
    assert sender.closed and "recording" in sender.describe()
    with pytest.raises(ValueError):
        sender.send_batch([OutMessage("e", Channel.EMAIL, "a@b.cn", "x")])


def test_refusals_and_transient_errors_on_cue() -> None:
    sender = RecordingSender(Channel.SMS)
    sender.fail("a", "number not in service")
    sender.fail_transiently("b", times=2)
    first = sender.send_batch([sms("a"), sms("b"), sms("c")])
    assert [(r.status, r.retryable) for r in first[:2]] == [
        (ContactStatus.FAILED, False), (ContactStatus.FAILED, True),
    ]  # fmt: skip
    assert first[0].reason == "number not in service" and first[2].ok
    assert not sender.send_batch([sms("b")])[0].ok
    assert sender.send_batch([sms("b")])[0].ok  # the third try goes through
    assert not sender.send_batch([sms("a")])[0].ok  # a refusal is for good
    assert sender.keys == ["c", "b"]


def test_a_timeout_after_accepting_is_sent_once_when_resend_safe() -> None:
    sender = RecordingSender(Channel.SMS)
    sender.time_out("a")
    timed_out = sender.send_batch([sms("a")])[0]
    assert timed_out.status is ContactStatus.FAILED and timed_out.retryable
    assert sender.count("a") == 1 and set(sender.already_sent(["a"])) == {"a"}
    again = sender.send_batch([sms("a")])[0]
    assert again.ok and sender.count("a") == 1


def test_like_smtp_a_resend_after_a_timeout_is_a_double_send() -> None:
    sender = RecordingSender(Channel.EMAIL, resend_safe=False)
    sender.time_out("a")
    message = OutMessage("a", Channel.EMAIL, "a@b.cn", "x")
    assert not sender.send_batch([message])[0].ok
    assert sender.already_sent(["a"]) == {}
    assert sender.send_batch([message])[0].ok
    assert sender.count("a") == 2  # what a dispatcher must never let happen


def test_a_timeout_before_accepting_leaves_nothing() -> None:
    sender = RecordingSender(Channel.SMS)
    sender.time_out("a", accepted=False)
    assert not sender.send_batch([sms("a")])[0].ok
    assert sender.count("a") == 0 and sender.already_sent(["a"]) == {}
