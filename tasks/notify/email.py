"""Outgoing e-mail: a real SMTP sender, or a recording outbox when no SMTP host is configured.

Configured by the environment only (so a served process and every worker read the same thing,
and the password never travels in a flow parameter or a log line):

    DUECOURSE_SMTP_HOST       the relay; unset: messages are recorded, not sent
    DUECOURSE_SMTP_PORT       default by security: 25 (none), 587 (starttls), 465 (tls)
    DUECOURSE_SMTP_SECURITY   none | starttls | tls (default starttls)
    DUECOURSE_SMTP_USER       login, when the relay wants one
    DUECOURSE_SMTP_PASSWORD   its password (read from the environment only)
    DUECOURSE_SMTP_SENDER     the From address (required with a host)
    DUECOURSE_SMTP_TIMEOUT    seconds (default 30)
    DUECOURSE_SMTP_CA_FILE    PEM file of the CA that signed the relay's certificate (a bank's
                              own CA); default: the system's trusted CAs

The recording mailer appends each message as one JSON line to `<home>/outbox/email.jsonl`
(the real/recording pair of resources, chosen by configuration).
"""

from __future__ import annotations

import fcntl
import json
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.db import home_dir, settings_from_env
from rules.errors import DuecourseError
from rules.roster import Email

OUTBOX_FILE = Path("outbox") / "email.jsonl"


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP (a relay on a trusted network)
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (submission, port 587)
    TLS = "tls"  # TLS from the first byte (port 465)


DEFAULT_PORTS = {SmtpSecurity.NONE: 25, SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465}


class SmtpSettings(BaseSettings):
    """DUECOURSE_SMTP_* (an unset or empty variable is the default)."""

    model_config = SettingsConfigDict(
        env_prefix="DUECOURSE_SMTP_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    user: str | None = None
    password: SecretStr | None = None
    sender: Email | None = None
    timeout: float = Field(default=30.0, gt=0)
    ca_file: Path | None = None

    @model_validator(mode="after")
    def _sender_with_host(self) -> SmtpSettings:
        if self.host and not self.sender:
            raise ValueError("DUECOURSE_SMTP_SENDER is required with DUECOURSE_SMTP_HOST")
        if self.password is not None and not self.user:
            raise ValueError("DUECOURSE_SMTP_PASSWORD is set without DUECOURSE_SMTP_USER")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]


def smtp_settings() -> SmtpSettings:
    """The environment's SMTP settings; a bad value is one line naming the variable."""
    return settings_from_env(SmtpSettings, "DUECOURSE_SMTP_", "e-mail settings")


class Mailer(Protocol):
    """Sends one message to the recipients in its To header."""

    def send(self, message: EmailMessage) -> None: ...

    def describe(self) -> str: ...


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host:
            raise DuecourseError("e-mail settings: no DUECOURSE_SMTP_HOST")
        self.settings = settings
        self.host = settings.host

    def describe(self) -> str:
        s = self.settings
        return f"smtp {self.host}:{s.effective_port} ({s.security.value})"

    def send(self, message: EmailMessage) -> None:
        with connect_smtp(self.settings) as smtp:
            smtp.send_message(message)


def connect_smtp(settings: SmtpSettings) -> smtplib.SMTP:
    """A connection to the relay, secured and logged in as the settings say; shared by the
    staff alerts and the debtor e-mail channel (tasks/channels/email_smtp.py). Raises the
    smtplib / OSError error of the step that failed, after closing the connection."""
    if not settings.host:
        raise DuecourseError("e-mail settings: no DUECOURSE_SMTP_HOST")
    port, timeout = settings.effective_port, settings.timeout
    smtp: smtplib.SMTP
    if settings.security is SmtpSecurity.TLS:
        context = _tls_context(settings)
        smtp = smtplib.SMTP_SSL(settings.host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, port, timeout=timeout)
    try:
        if settings.security is SmtpSecurity.STARTTLS:
            smtp.starttls(context=_tls_context(settings))
        if settings.user:
            password = settings.password.get_secret_value() if settings.password else ""
            smtp.login(settings.user, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    ca = settings.ca_file
    return ssl.create_default_context(cafile=str(ca) if ca else None)


class RecordingMailer:
    """Appends each message to a JSON Lines outbox instead of sending it (no SMTP host)."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    def describe(self) -> str:
        return f"outbox {self.outbox}"

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        record = {
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "from": message["From"],
            "to": [a.strip() for a in str(message["To"] or "").split(",") if a.strip()],
            "subject": str(message["Subject"]),
            "message_id": message["Message-ID"],
            "headers": {k: str(v) for k, v in message.items() if k.startswith("X-")},
            "body": body.get_content() if body is not None else "",
        }
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox.open("a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # one whole line per writer
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def outbox_path(home: str | Path | None = None) -> Path:
    return home_dir(home) / OUTBOX_FILE


def mailer_from_env(home: str | Path | None = None) -> Mailer:
    """SMTP when DUECOURSE_SMTP_HOST is set, else the recording outbox under the home."""
    settings = smtp_settings()
    if settings.host:
        return SmtpMailer(settings)
    return RecordingMailer(outbox_path(home))


def sender_address() -> str:
    """The From address: DUECOURSE_SMTP_SENDER, else a local one (the outbox only)."""
    return smtp_settings().sender or "duecourse@localhost"
