"""Choosing the real part behind each channel from the environment: the file outboxes by
default, the HTTP provider and the SMTP relay when configured, and one line naming the
variable when a value is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.enums import Channel
from rules.errors import DuecourseError
from tasks.channels import RecordingSender, Sender, senders_from_env
from tasks.channels.email_smtp import EmailOutbox, SmtpEmailSender
from tasks.channels.settings import SmsProvider, sms_settings
from tasks.channels.sms_http import HttpSmsSender
from tasks.channels.sms_outbox import SmsOutbox

SMS_VARS = ("PROVIDER", "URL", "KEY", "SECRET", "SENDER_ID", "TIMEOUT", "BATCH")
SMTP_VARS = ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "SENDER", "TIMEOUT", "CA_FILE")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in SMS_VARS:
        monkeypatch.delenv(f"DUECOURSE_SMS_{var}", raising=False)
    for var in SMTP_VARS:
        monkeypatch.delenv(f"DUECOURSE_SMTP_{var}", raising=False)


def http_env(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    values = {"PROVIDER": "http", "URL": "https://sms.example.com/v1/send",
              "KEY": "api-key-123", "SECRET": "hmac-secret-456"}  # fmt: skip
    values.update(extra)
    for var, value in values.items():
        monkeypatch.setenv(f"DUECOURSE_SMS_{var}", value)


def test_by_default_both_channels_write_outboxes_under_the_home(tmp_path: Path) -> None:
    senders = senders_from_env(tmp_path)
    sms, email = senders[Channel.SMS], senders[Channel.EMAIL]
    assert isinstance(sms, SmsOutbox) and isinstance(email, EmailOutbox)
    assert sms.path == tmp_path / "outbox" / "sms.jsonl"
    assert email.path == tmp_path / "outbox" / "debtor-email.jsonl"  # not the alerts' file
    assert sms.describe() == f"sms outbox {tmp_path / 'outbox' / 'sms.jsonl'}"
    assert sms.resend_safe and email.resend_safe
    assert set(senders) == {Channel.SMS, Channel.EMAIL}


def test_the_http_provider_with_its_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    http_env(monkeypatch, SENDER_ID="95588", TIMEOUT="3.5", BATCH="50")
    sender = senders_from_env(tmp_path)[Channel.SMS]
    assert isinstance(sender, HttpSmsSender)
    assert (sender.url, sender.sender_id, sender.timeout, sender.batch_size) == (
        "https://sms.example.com/v1/send", "95588", 3.5, 50,
    )  # fmt: skip
    settings = sms_settings()
    assert settings.provider is SmsProvider.HTTP
    for secret in ("api-key-123", "hmac-secret-456"):
        assert secret not in sender.describe() and secret not in repr(settings)
    sender.close()


def test_the_smtp_relay_when_a_host_is_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUECOURSE_SMTP_HOST", "relay.bank.example.com")
    monkeypatch.setenv("DUECOURSE_SMTP_SENDER", "collections@bank.example.com")
    monkeypatch.setenv("DUECOURSE_SMTP_PASSWORD", "pw-789")
    monkeypatch.setenv("DUECOURSE_SMTP_USER", "collect")
    sender = senders_from_env(tmp_path)[Channel.EMAIL]
    assert isinstance(sender, SmtpEmailSender) and not sender.resend_safe
    assert sender.describe() == "email smtp relay.bank.example.com:587 (starttls)"
    assert "pw-789" not in sender.describe()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PROVIDER": "pigeon"}, "sms settings: DUECOURSE_SMS_PROVIDER: Input should be"),
        ({"PROVIDER": "http", "URL": "https://x", "KEY": "k"},
         "sms settings: DUECOURSE_SMS_SECRET is required with provider http"),
        ({"PROVIDER": "http"}, "sms settings: DUECOURSE_SMS_URL is required with provider http"),
        ({"URL": "ftp://sms.example.com"},
         "sms settings: DUECOURSE_SMS_URL: must be an http:// or https:// URL"),
        ({"BATCH": "0"}, "sms settings: DUECOURSE_SMS_BATCH: Input should be greater"),
        ({"TIMEOUT": "soon"}, "sms settings: DUECOURSE_SMS_TIMEOUT: Input should be a valid"),
        ({"SENDER_ID": "x" * 41}, "sms settings: DUECOURSE_SMS_SENDER_ID: String should have"),
    ],
)  # fmt: skip
def test_a_bad_sms_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    for var, value in env.items():
        monkeypatch.setenv(f"DUECOURSE_SMS_{var}", value)
    with pytest.raises(DuecourseError) as caught:
        senders_from_env(tmp_path)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_bad_smtp_value_fails_before_any_sender_is_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUECOURSE_SMTP_HOST", "relay.bank.example.com")
    with pytest.raises(DuecourseError, match="DUECOURSE_SMTP_SENDER is required"):
        senders_from_env(tmp_path)
    assert not (tmp_path / "outbox").exists()


def test_every_sender_meets_the_interface(tmp_path: Path) -> None:
    senders: list[Sender] = [*senders_from_env(tmp_path).values(), RecordingSender(Channel.SMS)]
    for sender in senders:
        assert sender.send_batch([]) == []
        assert sender.already_sent([]) == {}
        sender.close()
