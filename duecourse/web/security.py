"""Security headers on every response (issue 20, "safe by construction").

The CSP allows scripts and styles from this origin only - no inline script, no CDN: the
templates keep every script in /static/app.js - and no framing by other sites (clickjacking on
the approve button). Pages carry personal data, so none is cached (Cache-Control: no-store);
only /static may be.
"""

from __future__ import annotations

import logging
import traceback

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# For a response this site's own pages embed (the stored PDF in /documents/{id}/view's
# <object>): framed by this origin only. A route returns these headers on its response; the
# middleware never overrides a CSP or X-Frame-Options the route set.
EMBEDDABLE: dict[str, str] = {
    "Content-Security-Policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
    "X-Frame-Options": "SAMEORIGIN",
}
# What an unexpected error answers: a page, never a traceback or the error's text.
SERVER_ERROR_PAGE = (
    b'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>Duecourse 500</title>'
    b'<link rel="stylesheet" href="/static/app.css"></head><body class="error-page"><main>'
    b"<h1>500</h1><p>\xe5\x87\xba\xe9\x94\x99\xe4\xba\x86 / Something went wrong; "
    b"it has been logged.</p>"
    b'<p><a href="/reviews">Reviews</a></p></main></body></html>'
)
log = logging.getLogger("duecourse.web")
_ROUTE_MAY_SET = frozenset({"Content-Security-Policy", "X-Frame-Options"})
STATIC_PREFIX = "/static/"


class SecurityHeadersMiddleware:
    """Adds HEADERS to every HTTP response, and `Cache-Control: no-store` outside /static."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(STATIC_PREFIX)

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name in _ROUTE_MAY_SET:
                        headers.setdefault(name, value)
                    else:
                        headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:
                raise
            # Where it happened, not what it said: an exception's message may quote data.
            frames = "\n".join(
                f"  {f.filename}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)
            )
            log.error("unhandled %s on %s %s\n%s", type(exc).__name__, scope.get("method"),
                      scope.get("path"), frames)  # fmt: skip
            await send_with_headers(
                {"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(SERVER_ERROR_PAGE)).encode()),
                ]}
            )  # fmt: skip
            await send_with_headers({"type": "http.response.body", "body": SERVER_ERROR_PAGE})
