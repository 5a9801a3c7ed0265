"""Failure alerts outside Prefect: the cause as one masked line, the ops role's addresses (the
run's roster, else the default folder's), one alert per flow run id, a hook that never raises."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from tasks.notify.alerts import (
    AlertLedger,
    RunFailure,
    alert_failed_run,
    failure_of,
    one_line,
    ops_recipients,
    send_alert,
)
from tasks.notify.email import RecordingMailer
from tests.tasks.smtp_server import smtp_server

RUN_ID = "5d6a9c57-2a8e-4c1c-8f0e-3b8f5a1d2e11"


def failure(run_id: str = RUN_ID) -> RunFailure:
    return RunFailure(
        run_id,
        "deadline-check-2026-11-29-1400",
        "deadline-check",
        "Crashed",
        "boom",
        date(2026, 11, 29),
        None,
    )


def test_the_cause_is_one_masked_line() -> None:
    text = "Traceback (most recent call last):\n  call 13812345678 id 330106199001011234\n"
    assert one_line(text) == "Traceback (most recent call last):"
    assert one_line("debtor 13812345678, id 330106199001011234 failed") == (
        "debtor 138****5678, id 3301**********1234 failed"
    )
    assert one_line("x" * 500).endswith("…") and len(one_line("x" * 500)) == 300
    assert one_line(None) == "(no message)"


def test_ops_recipients_from_the_runs_roster_else_the_default_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "home"))
    own = tmp_path / "policy"
    own.mkdir()
    (own / "roster.yaml").write_text(
        "users:\n"
        "  - {name: a.ops, display_name: A, role: ops, email: a.ops@bank.example.com}\n"
        "  - {name: b.ops, display_name: B, role: ops}\n"
        "  - {name: c.col, display_name: C, role: collector, capacity: 9, email: c@example.com}\n",
        encoding="utf-8",
    )
    assert ops_recipients(str(own)) == ["a.ops@bank.example.com"]
    # the shipped demo roster: its ops user's example.com address
    assert ops_recipients(str(tmp_path / "missing")) == ["demo.maops@example.com"]
    assert ops_recipients(None) == ["demo.maops@example.com"]


def test_one_alert_per_flow_run_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUECOURSE_SMTP_SENDER", raising=False)
    outbox = tmp_path / "outbox" / "email.jsonl"
    ledger = AlertLedger(tmp_path / "outbox" / "alerts.jsonl")
    mailer = RecordingMailer(outbox)
    to = ["ops@example.com"]
    assert send_alert(failure(), to, mailer=mailer, ledger=ledger) is True
    assert send_alert(failure(), to, mailer=mailer, ledger=ledger) is False
    assert send_alert(failure("another-run"), to, mailer=mailer, ledger=ledger) is True
    assert send_alert(failure("nobody"), [], mailer=mailer, ledger=ledger) is False
    sent = [json.loads(line) for line in outbox.read_text("utf-8").splitlines()]
    assert [m["headers"]["X-Duecourse-Flow-Run"] for m in sent] == [RUN_ID, "another-run"]
    assert sent[0]["subject"] == "[Duecourse] deadline-check-2026-11-29-1400 crashed: boom"
    keys = [json.loads(x)["key"] for x in ledger.path.read_text("utf-8").splitlines()]
    assert keys == [RUN_ID, "another-run"]


def test_a_send_that_fails_is_not_recorded_and_can_be_sent_again(tmp_path: Path) -> None:
    class Down:
        def send(self, message: object) -> None:
            raise ConnectionRefusedError("relay down")

        def describe(self) -> str:
            return "down"

    ledger = AlertLedger(tmp_path / "alerts.jsonl")
    with pytest.raises(ConnectionRefusedError):
        send_alert(failure(), ["ops@example.com"], mailer=Down(), ledger=ledger)
    assert (
        send_alert(
            failure(), ["ops@example.com"], mailer=RecordingMailer(tmp_path / "o"), ledger=ledger
        )
        is True
    )


def test_the_as_of_comes_from_the_parameters_else_the_run_name() -> None:
    state = SimpleNamespace(name="Failed", message="refused\nmore", type=None)
    named = SimpleNamespace(id=RUN_ID, name="daily-cycle-2026-11-28", parameters={})
    given = SimpleNamespace(id=RUN_ID, name="x", parameters={"as_of": "2026-11-27"})
    assert failure_of("daily-cycle", named, state).as_of == date(2026, 11, 28)
    assert failure_of("daily-cycle", given, state).as_of == date(2026, 11, 27)
    assert failure_of("daily-cycle", given, state).cause == "refused"


def test_the_hook_never_raises(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "home"))
    with smtp_server() as inbox:
        port = inbox.port
    # the relay is gone: connection refused, logged, not raised
    monkeypatch.setenv("DUECOURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DUECOURSE_SMTP_PORT", str(port))
    monkeypatch.setenv("DUECOURSE_SMTP_SECURITY", "none")
    monkeypatch.setenv("DUECOURSE_SMTP_SENDER", "duecourse@bank.example.com")
    flow = SimpleNamespace(name="daily-cycle")
    run = SimpleNamespace(id=RUN_ID, name="daily-cycle-2026-11-28", parameters={})
    state = SimpleNamespace(name="Failed", message="boom", type=None)
    alert_failed_run(flow, run, state)  # no exception
    alert_failed_run(flow, None, None)  # not even for nonsense
    assert "failure alert not sent" in caplog.text
    assert not (tmp_path / "home" / "outbox" / "alerts.jsonl").exists() or (
        RUN_ID not in (tmp_path / "home" / "outbox" / "alerts.jsonl").read_text()
    )
