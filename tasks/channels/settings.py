"""Which real part stands behind each channel, read from the environment only (so a served
process and every worker agree, and keys never travel in a flow parameter or a log line).

SMS, DUECOURSE_SMS_* (an unset or empty variable is the default):

    DUECOURSE_SMS_PROVIDER    outbox | http (default outbox: `<home>/outbox/sms.jsonl`)
    DUECOURSE_SMS_URL         the provider's endpoint, http:// or https:// (required with http)
    DUECOURSE_SMS_KEY         API key, sent as X-Api-Key (required with http)
    DUECOURSE_SMS_SECRET      HMAC secret that signs each request (required with http)
    DUECOURSE_SMS_SENDER_ID   the sender name or number the provider shows (optional)
    DUECOURSE_SMS_TIMEOUT     seconds to wait for one request (default 10)
    DUECOURSE_SMS_BATCH       messages per request, 1-1000 (default 100: a request of 100
                              texts is ~30 KB and answers within a typical gateway's timeout;
                              raise it if the provider takes more)

The provider's contract is in tasks/channels/sms_http.py.

E-mail, DUECOURSE_SMTP_* (tasks/notify/email.py, shared with the staff alerts): with a host,
debtor e-mail goes over SMTP; without, to `<home>/outbox/debtor-email.jsonl`
(tasks/channels/email_smtp.py).

A bad value is one line naming the variable (DuecourseError), never a validation traceback.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.db import settings_from_env
from rules.enums import Channel
from tasks.channels.base import Sender
from tasks.channels.email_smtp import EmailOutbox, SmtpEmailSender, email_outbox_path
from tasks.channels.sms_http import HttpSmsSender
from tasks.channels.sms_outbox import SmsOutbox, sms_outbox_path
from tasks.notify.email import SmtpSettings, smtp_settings


class SmsProvider(StrEnum):
    OUTBOX = "outbox"  # the JSON Lines file under the home (the default)
    HTTP = "http"  # a provider speaking the contract of sms_http.py


class SmsSettings(BaseSettings):
    """DUECOURSE_SMS_* (see the module's notes)."""

    model_config = SettingsConfigDict(
        env_prefix="DUECOURSE_SMS_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    provider: SmsProvider = SmsProvider.OUTBOX
    url: str | None = None
    key: SecretStr | None = None
    secret: SecretStr | None = None
    sender_id: str | None = Field(default=None, max_length=40)
    timeout: float = Field(default=10.0, gt=0, le=300)
    batch: int = Field(default=100, ge=1, le=1000)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _complete_for_http(self) -> SmsSettings:
        if self.provider is SmsProvider.HTTP:
            for name in ("url", "key", "secret"):
                if getattr(self, name) is None:
                    raise ValueError(f"DUECOURSE_SMS_{name.upper()} is required with provider http")
        return self


def sms_settings() -> SmsSettings:
    """The environment's SMS settings; a bad value is one line naming the variable."""
    return settings_from_env(SmsSettings, "DUECOURSE_SMS_", "sms settings")


def sms_sender(settings: SmsSettings, home: Path) -> Sender:
    """The file outbox under the home, or the HTTP provider."""
    if settings.provider is SmsProvider.OUTBOX:
        return SmsOutbox(sms_outbox_path(home))
    assert settings.url and settings.key and settings.secret  # checked by SmsSettings
    return HttpSmsSender(
        settings.url,
        api_key=settings.key.get_secret_value(),
        secret=settings.secret.get_secret_value(),
        sender_id=settings.sender_id,
        timeout=settings.timeout,
        batch_size=settings.batch,
    )


def email_sender(settings: SmtpSettings, home: Path) -> Sender:
    """SMTP when a relay is configured, else the debtor e-mail outbox under the home."""
    if settings.host:
        return SmtpEmailSender(settings)
    return EmailOutbox(email_outbox_path(home), settings.sender)


def senders_from_env(home: Path) -> dict[Channel, Sender]:
    """{SMS: outbox or http, EMAIL: smtp or outbox}, as the environment says. Both settings
    are read before anything is built, so a bad variable fails before any sender is opened."""
    sms, smtp = sms_settings(), smtp_settings()
    return {Channel.SMS: sms_sender(sms, home), Channel.EMAIL: email_sender(smtp, home)}
