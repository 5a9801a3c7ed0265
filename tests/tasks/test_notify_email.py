"""The e-mail channel: SMTP against a real server in this process (plain, STARTTLS with the
relay's CA, AUTH with the password from the environment), the recording outbox when no host
is configured, and settings that fail in one line naming the variable."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from rules.errors import DuecourseError
from tasks.notify.alerts import RunFailure, alert_message
from tasks.notify.email import RecordingMailer, SmtpMailer, mailer_from_env, smtp_settings
from tests.tasks.smtp_server import self_signed, smtp_server

RUN_ID = "0b4f2b1e-6c1e-4f55-9a3e-6d2f1c0e9a01"
FAILURE = RunFailure(
    flow_run_id=RUN_ID,
    run_name="daily-cycle-2026-11-29",
    flow_name="daily-cycle",
    state="Failed",
    cause="daily cycle 2026-11-29 refused: policy folder /srv/政策 not found",
    as_of=date(2026, 11, 29),
    link=f"http://127.0.0.1:4200/runs/flow-run/{RUN_ID}",
)


@pytest.fixture(autouse=True)
def _no_smtp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "SENDER", "TIMEOUT", "CA_FILE"):
        monkeypatch.delenv(f"DUECOURSE_SMTP_{var}", raising=False)


def test_an_alert_reaches_a_plain_smtp_server_in_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server() as inbox:
        monkeypatch.setenv("DUECOURSE_SMTP_HOST", inbox.host)
        monkeypatch.setenv("DUECOURSE_SMTP_PORT", str(inbox.port))
        monkeypatch.setenv("DUECOURSE_SMTP_SECURITY", "none")
        monkeypatch.setenv("DUECOURSE_SMTP_SENDER", "duecourse@bank.example.com")
        mailer = mailer_from_env()
        assert isinstance(mailer, SmtpMailer)
        to = ["ops.one@example.com", "ops.two@example.com"]
        mailer.send(alert_message(FAILURE, to, "duecourse@bank.example.com"))
    (got,) = inbox.received
    assert got.mail_from == "duecourse@bank.example.com"
    assert got.rcpt_tos == to
    msg = got.message
    assert msg["Subject"] == (
        "[Duecourse] daily-cycle-2026-11-29 failed: daily cycle 2026-11-29 refused: "
        "policy folder /srv/政策 not found"
    )
    assert msg["Message-ID"] == f"<run-failed.{RUN_ID}@duecourse>"
    assert msg["X-Duecourse-Flow-Run"] == RUN_ID and msg["X-Duecourse-As-Of"] == "2026-11-29"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert b"\xe6\x94\xbf" not in got.data.split(b"\r\n\r\n", 1)[0]  # headers: RFC 2047 words
    body = msg.get_content()
    assert "As of:    2026-11-29" in body and "/srv/政策" in body
    assert f"Link:     http://127.0.0.1:4200/runs/flow-run/{RUN_ID}" in body
    assert "duecourse run-day --as-of 2026-11-29" in body


def test_starttls_with_the_relays_ca_and_a_login(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("cryptography")
    cert, key = self_signed(tmp_path)
    with smtp_server(tls_files=(cert, key), credentials=("alerts", "s3cret-pw")) as inbox:
        for var, value in {
            "HOST": inbox.host, "PORT": str(inbox.port), "SECURITY": "starttls",
            "USER": "alerts", "PASSWORD": "s3cret-pw", "SENDER": "duecourse@bank.example.com",
            "CA_FILE": str(cert),
        }.items():  # fmt: skip
            monkeypatch.setenv(f"DUECOURSE_SMTP_{var}", value)
        mailer = mailer_from_env()
        assert "s3cret" not in mailer.describe() and "s3cret" not in repr(smtp_settings())
        mailer.send(alert_message(FAILURE, ["ops@example.com"], "duecourse@bank.example.com"))
    assert inbox.logins == [("alerts", "s3cret-pw")]
    assert [r.rcpt_tos for r in inbox.received] == [["ops@example.com"]]


def test_starttls_refuses_a_relay_whose_certificate_is_not_trusted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("cryptography")
    import ssl

    with smtp_server(tls_files=self_signed(tmp_path)) as inbox:
        monkeypatch.setenv("DUECOURSE_SMTP_HOST", inbox.host)
        monkeypatch.setenv("DUECOURSE_SMTP_PORT", str(inbox.port))
        monkeypatch.setenv("DUECOURSE_SMTP_SENDER", "duecourse@bank.example.com")
        with pytest.raises(ssl.SSLError):
            mailer_from_env().send(alert_message(FAILURE, ["ops@example.com"], "d@example.com"))
    assert inbox.received == []


def test_without_a_host_messages_are_recorded_in_the_homes_outbox(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "home"))
    mailer = mailer_from_env()
    assert isinstance(mailer, RecordingMailer)
    mailer.send(alert_message(FAILURE, ["ops@example.com"], "duecourse@localhost"))
    mailer.send(alert_message(FAILURE, ["ops@example.com"], "duecourse@localhost"))
    lines = (tmp_path / "home" / "outbox" / "email.jsonl").read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    assert len(lines) == 2
    assert first["to"] == ["ops@example.com"] and first["from"] == "duecourse@localhost"
    assert first["subject"].startswith("[Duecourse] daily-cycle-2026-11-29 failed")
    assert "/srv/政策" in lines[0]  # UTF-8 as written, not escaped
    assert first["headers"]["X-Duecourse-Flow-Run"] == RUN_ID


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HOST": "smtp.bank"}, "DUECOURSE_SMTP_SENDER is required with DUECOURSE_SMTP_HOST"),
        ({"PORT": "70000"}, "DUECOURSE_SMTP_PORT: "),
        ({"SECURITY": "ssl"}, "DUECOURSE_SMTP_SECURITY: "),
        ({"SENDER": "not an address"}, "DUECOURSE_SMTP_SENDER: must be one e-mail address"),
        ({"PASSWORD": "pw-9"}, "DUECOURSE_SMTP_PASSWORD is set without DUECOURSE_SMTP_USER"),
    ],
)
def test_bad_settings_are_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for var, value in env.items():
        monkeypatch.setenv(f"DUECOURSE_SMTP_{var}", value)
    with pytest.raises(DuecourseError) as err:
        mailer_from_env()
    text = str(err.value)
    assert message in text and "\n" not in text and "pw-9" not in text
