"""What every page shares: the store session, rendering a template with the frame's context
(the signed-in user, the language and its labels, the CSRF token, a flash message), the flash
cookie and the language switch. What does not exist or may not be seen is NotFoundError: the
app's handler answers 404 with a page (duecourse/web/app.py), the same for both.

Pages render only through `render`, so every template gets the same `t`, `csrf`, `user` and
formatting helpers, and Jinja2's autoescape (on for .html) is what turns a hostile debtor name
into text. No template holds a script or a style attribute (the CSP allows neither).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from duecourse.settings import Settings
from duecourse.web.auth import csrf_token
from duecourse.web.messages import LANG_COOKIE, MESSAGES, parse_lang, request_lang, t
from rules.roster import User

FLASH_COOKIE = "flash"
FLASH_KEYS = frozenset(k for k in MESSAGES if k.startswith("flash."))
ONE_YEAR = 365 * 24 * 3600

router = APIRouter()


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def store(request: Request) -> Session:
    """A session on the store for one request (`with store(request) as session:`), opened in
    the thread that uses it; pages that change something commit themselves."""
    return Session(settings_of(request).engine, expire_on_commit=False)


def money(value: Decimal | float | int | None) -> str:
    """Yuan as the CLI prints them: thousands separated, two decimals; '-' for nothing."""
    return "-" if value is None else f"{Decimal(value):,.2f}"


def when(value: datetime | date | str | None) -> str:
    """A moment to the minute (already in Asia/Shanghai from the tasks), a day as ISO."""
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def label(value: Any) -> str:
    """An enum's value, or the text itself ('-' for nothing)."""
    if value is None or value == "":
        return "-"
    return str(getattr(value, "value", value))


def render(
    request: Request,
    name: str,
    user: User | None,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """Render `name` with the frame's context; a flash message shown here is then cleared."""
    lang = request_lang(request)
    flash = request.cookies.get(FLASH_COOKIE)
    ctx: dict[str, Any] = {
        "user": user,
        "lang": lang.value,
        "other_lang": "en" if lang.value == "zh" else "zh",
        "t": partial(t, lang=lang),
        "csrf": csrf_token(request) if user is not None else "",
        "flash": flash if flash in FLASH_KEYS else None,
        # the page itself (ids and filter values only: no personal data in URLs), for the switch
        "here": f"{request.url.path}?{request.url.query}"
        if request.url.query
        else request.url.path,
        "money": money,
        "when": when,
        "label": label,
        **(context or {}),
    }
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect_with_flash(url: str, key: str) -> Response:
    """303 to `url` (a path of ours) with a flash message the next page shows once."""
    response = RedirectResponse(url, status_code=303)
    if key in FLASH_KEYS:
        response.set_cookie(
            FLASH_COOKIE, key, max_age=120, path="/", httponly=True, samesite="strict"
        )
    return response


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site (`/reviews?status=all`), else `/`: a redirect
    never leaves the site (`//evil.example`, `https://...`, `/\\evil` are refused)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\\"):
        return "/"
    return target


@router.get("/lang/{code}")
def switch_language(code: str, next: str | None = None) -> Response:
    """The header's language switch: remember the choice in the `lang` cookie and go back."""
    response = RedirectResponse(local_path(next), status_code=303)
    lang = parse_lang(code)
    if lang is not None:
        response.set_cookie(LANG_COOKIE, lang.value, max_age=ONE_YEAR, path="/", samesite="lax")
    return response
