"""Security headers on every response (issue 20, "safe by construction").

The CSP allows scripts and styles from this origin only - no inline script, no CDN: the
templates keep every script in /static/app.js - and no framing by other sites (clickjacking on
the approve button). Pages carry personal data, so none is cached (Cache-Control: no-store);
only /static may be.
"""

from __future__ import annotations

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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
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

        await self.app(scope, receive, send_with_headers)
