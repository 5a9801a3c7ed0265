"""The web console's session: a signed cookie (itsdangerous), HttpOnly, SameSite=Strict, Secure
when served over HTTPS, expiring 8 hours after sign-in.

The cookie holds only the roster name, the session's CSRF token and the sign-in time; it is
signed, not encrypted, so nothing else goes in it. Expiry is checked on the server from the
signed sign-in time, whatever the browser keeps. The signing key is DUECOURSE_WEB_SECRET, else
the file <home>/web-secret (0600, made on first use and shared by every worker of that home).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from duecourse.settings import Settings
from models.db import env_settings
from rules.errors import DuecourseError

COOKIE = "duecourse_session"
MAX_AGE = 8 * 3600  # seconds: a working day; then sign in again
SCOPE_KEY = "duecourse.session"
_SALT = "duecourse.web.session"


def web_secret(settings: Settings) -> str:
    """DUECOURSE_WEB_SECRET, else <home>/web-secret, created (0600) with 32 random bytes when
    missing. Two workers starting at once agree: the file is made exclusively, the loser reads."""
    configured = env_settings().web_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    settings.make_home()
    path = settings.home / "web-secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(32))
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    try:
        value = path.read_text().strip()
    except OSError as exc:
        raise DuecourseError(f"{path}: cannot read the web secret ({exc.strerror})") from None
    if len(value) < 16:
        raise DuecourseError(f"{path}: the web secret is shorter than 16 characters")
    return value


def new_session() -> dict[str, Any]:
    """A session with nobody signed in: only its CSRF token (the sign-in form needs one)."""
    return {"csrf": secrets.token_urlsafe(32)}


def session_of(conn: HTTPConnection) -> dict[str, Any]:
    """The request's session (a dict the handlers may change; the middleware writes it back)."""
    data: dict[str, Any] = conn.scope[SCOPE_KEY]
    return data


def start_session(conn: HTTPConnection, user_name: str) -> None:
    """Sign `user_name` in: a fresh session (new CSRF token, so a token seen before sign-in is
    worth nothing after) stamped with the time, from which it expires."""
    data = session_of(conn)
    data.clear()
    data.update(new_session())
    data["user"] = user_name
    data["since"] = int(time.time())


def end_session(conn: HTTPConnection) -> None:
    data = session_of(conn)
    data.clear()
    data.update(new_session())


def read_cookie(secret: str, raw: str) -> dict[str, Any]:
    """A session cookie's content (tests and tools; raises itsdangerous.BadSignature when it was
    not signed with `secret` or is older than MAX_AGE)."""
    data: dict[str, Any] = URLSafeTimedSerializer(secret, salt=_SALT).loads(raw, max_age=MAX_AGE)
    return data


class SessionMiddleware:
    """Reads the signed cookie into the request scope and writes it back when it changed."""

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool = False) -> None:
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.secure = secure

    def _load(self, raw: str | None) -> dict[str, Any] | None:
        """The cookie's session; None when there is none, or it is forged, altered or expired
        (a new one is then written)."""
        if not raw:
            return None
        try:
            data = self.serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:  # forged, altered or expired (SignatureExpired is one)
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        since = data.get("since")
        if "user" in data and (not isinstance(since, int) or time.time() - since > MAX_AGE):
            return None  # signed in more than 8 hours ago
        return data

    def _cookie(self, data: dict[str, Any]) -> str:
        since = data.get("since")
        left = MAX_AGE - (int(time.time()) - since) if isinstance(since, int) else MAX_AGE
        parts = [
            f"{COOKIE}={self.serializer.dumps(data)}",
            "Path=/",
            f"Max-Age={max(left, 0)}",
            "HttpOnly",
            "SameSite=Strict",
        ]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loaded = self._load(HTTPConnection(scope).cookies.get(COOKIE))
        before = None if loaded is None else dict(loaded)  # None: a new cookie is written
        scope[SCOPE_KEY] = new_session() if loaded is None else loaded

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and scope[SCOPE_KEY] != before:
                MutableHeaders(scope=message).append("Set-Cookie", self._cookie(scope[SCOPE_KEY]))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
