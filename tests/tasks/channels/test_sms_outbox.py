"""The SMS file outbox: one JSON line per message, 0600, never the same key twice (across
instances, threads and a crash that cut a line short), and failures as results."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from rules.enums import Channel, ContactStatus
from tasks.channels.base import OutMessage
from tasks.channels.outbox import ALREADY_THERE
from tasks.channels.sms_outbox import SmsOutbox, sms_outbox_path


def sms(
    key: str, to: str = "13812345678", body: str = "【某银行】您的信用卡已逾期，请尽快还款。"
) -> OutMessage:
    return OutMessage(key=key, channel=Channel.SMS, to=to, body=body)


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def outbox(tmp_path: Path) -> SmsOutbox:
    return SmsOutbox(sms_outbox_path(tmp_path))


def test_a_batch_is_one_line_per_message_in_a_private_file(
    outbox: SmsOutbox, tmp_path: Path
) -> None:
    keys = [f"{n}|soft_reminder:reminder_sms|sms|2026-11-28" for n in (1, 2, 3)]
    results = outbox.send_batch([sms(k, to=f"1381234567{n}") for n, k in enumerate(keys)])
    assert [r.key for r in results] == keys
    assert all(r.status is ContactStatus.SENT and not r.reason for r in results)
    expected_id = "outbox-" + hashlib.sha256(keys[0].encode()).hexdigest()[:16]
    assert results[0].proof_ref == expected_id
    path = tmp_path / "outbox" / "sms.jsonl"
    written = lines(path)
    assert [w["key"] for w in written] == keys
    assert written[1]["to"] == "13812345671" and "逾期" in str(written[1]["body"])
    assert written[0]["message_id"] == expected_id
    assert str(written[0]["at"]).endswith("+00:00")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "13812345671" not in outbox.describe() and str(path) in outbox.describe()


def test_a_key_already_in_the_file_is_not_written_again(outbox: SmsOutbox) -> None:
    first = outbox.send_batch([sms("k1"), sms("k2")])
    again = SmsOutbox(outbox.path).send_batch([sms("k2"), sms("k3"), sms("k3")])
    assert [r.status for r in again] == [ContactStatus.SENT] * 3
    assert again[0].proof_ref == first[1].proof_ref and again[0].reason == ALREADY_THERE
    assert again[2].reason == ALREADY_THERE  # the same key twice in one batch: one line
    assert [w["key"] for w in lines(outbox.path)] == ["k1", "k2", "k3"]
    # this instance sees what the other one appended since its own last batch
    assert outbox.send_batch([sms("k3")])[0].reason == ALREADY_THERE
    assert len(lines(outbox.path)) == 3


def test_already_sent_scans_the_file(outbox: SmsOutbox) -> None:
    assert outbox.already_sent(["k1"]) == {}  # no file yet
    odd = 'case "7"|step\\x|sms|2026-11-28|短信'  # escaped in JSON: read back the slow way
    SmsOutbox(outbox.path).send_batch([sms("k1"), sms(odd)])
    found = SmsOutbox(outbox.path).already_sent(["k1", odd, "k9"])
    assert set(found) == {"k1", odd}
    assert found[odd].proof_ref == outbox.send_batch([sms(odd)])[0].proof_ref


def test_a_line_cut_short_by_a_crash_is_not_a_sent_message(outbox: SmsOutbox) -> None:
    outbox.send_batch([sms("k1")])
    with outbox.path.open("a", encoding="utf-8") as fh:
        fh.write('{"key": "k2", "to": "1381')  # the process died mid-line
    fresh = SmsOutbox(outbox.path)
    assert set(fresh.already_sent(["k1", "k2"])) == {"k1"}
    result = fresh.send_batch([sms("k2")])[0]
    assert result.status is ContactStatus.SENT and result.reason == ""
    text = outbox.path.read_text(encoding="utf-8").splitlines()
    assert text[1] == '{"key": "k2", "to": "1381'  # ended, not extended
    assert json.loads(text[2])["key"] == "k2"
    assert set(SmsOutbox(outbox.path).already_sent(["k2"])) == {"k2"}


def test_a_replaced_file_is_read_again(outbox: SmsOutbox) -> None:
    outbox.send_batch([sms("k1"), sms("k2")])
    outbox.path.unlink()
    SmsOutbox(outbox.path).send_batch([sms("k3")])
    assert set(outbox.already_sent(["k1", "k2", "k3"])) == {"k3"}
    assert outbox.send_batch([sms("k1")])[0].reason == ""


def test_writers_at_once_never_write_a_key_twice(outbox: SmsOutbox) -> None:
    keys = [f"k{n}" for n in range(300)]
    batches = [[sms(k) for k in keys[start:]] for start in (0, 50, 100, 150)]

    def write(batch: list[OutMessage]) -> None:
        SmsOutbox(outbox.path).send_batch(batch)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = [str(w["key"]) for w in lines(outbox.path)]
    assert sorted(written) == sorted(keys)


def test_unsendable_messages_fail_one_by_one(outbox: SmsOutbox) -> None:
    results = outbox.send_batch([sms("k1", to=" "), sms("k2", body=""), sms("k3")])
    assert [r.status for r in results] == [
        ContactStatus.FAILED, ContactStatus.FAILED, ContactStatus.SENT,
    ]  # fmt: skip
    assert results[0].reason == "no recipient" and not results[0].retryable
    assert results[1].reason == "empty message text" and results[1].proof_ref is None
    assert outbox.send_batch([]) == []
    with pytest.raises(ValueError, match="email message 'e1' given to the sms sender"):
        outbox.send_batch([OutMessage("e1", Channel.EMAIL, "a@b.cn", "x")])


def test_an_unwritable_outbox_fails_the_batch_as_retryable(tmp_path: Path) -> None:
    path = tmp_path / "outbox" / "sms.jsonl"
    path.mkdir(parents=True)  # a folder where the file should be
    results = SmsOutbox(path).send_batch([sms("k1"), sms("k2")])
    assert [r.status for r in results] == [ContactStatus.FAILED] * 2
    assert all(r.retryable and "not writable" in r.reason for r in results)
    assert "13812345678" not in results[0].reason


def test_repr_of_a_message_shows_no_personal_data() -> None:
    text = repr(sms("k1"))
    assert "k1" in text and "1381234" not in text and "逾期" not in text


def test_the_index_reads_in_chunks_and_skips_foreign_and_broken_lines(
    outbox: SmsOutbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tasks.channels.outbox._CHUNK", 64)  # lines span chunk boundaries
    outbox.send_batch([sms(f"key-{n}") for n in range(20)])
    with outbox.path.open("a", encoding="utf-8") as fh:
        fh.write('{"to": "x", "key": "foreign-order"}\n')  # key not first: read the slow way
        fh.write('{"note": "' + "x" * 300 + '", "key": "long-line"}\n')  # longer than a chunk
        fh.write("not json at all\n")
        fh.write('["a list"]\n')
    outbox.send_batch([sms("key-20")])
    fresh = SmsOutbox(outbox.path)
    wanted = [f"key-{n}" for n in range(21)] + ["foreign-order", "long-line", "absent"]
    assert set(fresh.already_sent(wanted)) == set(wanted) - {"absent"}


def test_a_failed_write_leaves_the_file_as_it_was(
    outbox: SmsOutbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox.send_batch([sms("k1")])
    before = outbox.path.read_bytes()
    real_write = os.write

    def disk_full(fd: int, data: bytes | memoryview) -> int:
        real_write(fd, bytes(data)[:10])  # part of the batch reaches the file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("tasks.channels.outbox.os.write", disk_full)
    results = outbox.send_batch([sms("k2"), sms("k3")])
    assert all(r.retryable and "No space left on device" in r.reason for r in results)
    monkeypatch.undo()
    assert outbox.path.read_bytes() == before  # cut back: no half line, no phantom key
    assert [r.reason for r in outbox.send_batch([sms("k2")])] == [""]
    assert [w["key"] for w in lines(outbox.path)] == ["k1", "k2"]
