"""Who is signed in, what they may do, and the sign-in itself (issue 20, item 2).

The contract the pages use: `signed_in` (a FastAPI dependency giving the roster user, or a
redirect to /login), `require_role`, `may_see_case`, `csrf_token` (for the hidden `csrf` input
of every form) and `checked_form` (the dependency of every POST: refuses, 403, a form whose
`csrf` is not the session's). Roles are checked here, on the server, for every action: a hidden
button is a convenience, never the control.

Sign-in: a roster user with a password set by `duecourse users set-password`, verified with
argon2 (tasks/credentials.py). Five failures for a name or from an address within 15 minutes
answer 429 until the oldest of them is 15 minutes old, counted in the store so every worker
agrees. A password is never logged; a failed sign-in is logged without the name typed.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from duecourse.settings import Settings
from duecourse.web.session import end_session, session_of, start_session
from models import Case
from rules.enums import Role
from rules.roster import User
from tasks.credentials import (
    clear_login_failures,
    login_wait,
    password_changed_at,
    record_login_failure,
    verify,
)
from tasks.policy import load_roster

log = logging.getLogger("duecourse.web")
router = APIRouter()
ROSTER_TTL = 10.0  # seconds a loaded roster is trusted (a removed user is out within this)
ALL_CASES = frozenset({Role.LEGAL, Role.SUPERVISOR, Role.OPS})  # may open any case
DEFAULT_PAGE = "/reviews"


class LoginRequired(Exception):
    """Nobody (or nobody still on the roster) is signed in: the app answers 303 to
    /login?next=<path>."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in first")
        self.next_path = next_path


class Forbidden(Exception):
    """Signed in but not allowed (a role, or a form without its CSRF token): 403 with a page."""


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def roster(request: Request) -> dict[str, User]:
    """The roster by name, reloaded at most every ROSTER_TTL seconds."""
    state = request.app.state
    cached: tuple[float, dict[str, User]] | None = getattr(state, "roster_cache", None)
    now = time.monotonic()
    if cached is None or now - cached[0] > ROSTER_TTL:
        users = {u.name: u for u in load_roster(_settings(request).policy_dir)}
        cached = (now, users)
        state.roster_cache = cached
    return cached[1]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never `//host` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return DEFAULT_PAGE
    if "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return DEFAULT_PAGE  # browsers drop tabs and read \ as /: "/\t/evil" is "//evil"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("/login"):
        return DEFAULT_PAGE
    return target


def _here(request: Request) -> str:
    path = request.url.path
    return f"{path}?{request.url.query}" if request.url.query else path


def _still_valid(request: Request, name: str, since: object) -> bool:
    """The user's password has not been set (or removed) since the session began: setting a
    password signs out every session begun before (a stolen cookie included)."""
    if not isinstance(since, int):
        return False
    with Session(_settings(request).engine) as session:
        changed = password_changed_at(session, name)
    return changed is not None and int(changed.timestamp()) <= since


async def signed_in(request: Request) -> User:
    """The signed-in roster user; LoginRequired (a redirect to /login) when there is none, the
    session has expired, the user has left the roster or their password has been set again
    since signing in."""
    data = session_of(request)
    name = data.get("user")
    user = roster(request).get(name) if isinstance(name, str) else None
    if user is not None and not _still_valid(request, user.name, data.get("since")):
        user = None
    if user is None:
        if name is not None:
            end_session(request)
        raise LoginRequired(_here(request) if request.method == "GET" else DEFAULT_PAGE)
    return user


SignedIn = Annotated[User, Depends(signed_in)]


def require_role(user: User, *roles: Role) -> None:
    """Forbidden (403) unless the user has one of `roles`."""
    if user.role not in roles:
        raise Forbidden(f"this needs the {' or '.join(r.value for r in roles)} role")


def may_see_case(user: User, case: Case) -> bool:
    """Legal, supervisors and ops see every case; a collector only the cases they own (the
    pages answer 404 otherwise, so a case's existence is not disclosed)."""
    return user.role in ALL_CASES or (user.role == Role.COLLECTOR and case.owner == user.name)


def csrf_token(request: Request) -> str:
    """The session's CSRF token: every form carries it in a hidden input named `csrf`."""
    token: str = session_of(request)["csrf"]
    return token


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after checking its `csrf` field is the session's token (Forbidden,
    403, otherwise). SameSite=Strict cookies already keep other sites' forms out; the token
    also stops a same-site page or a script that lost its session."""
    form = await request.form()
    sent = form.get("csrf")
    expected = csrf_token(request).encode()
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected):
        raise Forbidden("the form has expired or did not come from this site: reload the page")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def _login_page(
    request: Request, *, status: int = 200, error: str | None = None, next_path: str = ""
) -> HTMLResponse:
    context: dict[str, Any] = {
        "error": error,
        "next": safe_next(next_path),
        "csrf": csrf_token(request),
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "login.html", context, status_code=status
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "") -> Response:
    name = session_of(request).get("user")
    if isinstance(name, str) and name in roster(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=next)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: CheckedForm) -> Response:
    """Check the name and password; 429 while rate-limited (the password is not even tried)."""
    name = str(form.get("name") or "").strip()
    password = str(form.get("password") or "")
    next_path = str(form.get("next") or "")
    client = _client(request)
    with Session(_settings(request).engine, expire_on_commit=False) as session:
        wait = login_wait(session, name, client)
        if wait:
            log.warning("sign-in refused: too many failed attempts")
            return _login_page(
                request,
                status=429,
                error=f"too many attempts, try again in {wait} minute{'s' if wait > 1 else ''}",
                next_path=next_path,
            )
        user = roster(request).get(name)
        ok = verify(session, name, password) and user is not None
        if not ok:
            record_login_failure(session, name, client)
            session.commit()
            log.info("sign-in failed")  # never the name typed: it may be a password
            return _login_page(
                request, status=401, error="wrong name or password", next_path=next_path
            )
        clear_login_failures(session, name)
        session.commit()
    start_session(request, name)
    log.info("signed in: %s", name)
    return RedirectResponse(safe_next(next_path), status_code=303)


@router.post("/logout")
async def logout(request: Request, form: CheckedForm) -> Response:
    end_session(request)
    return RedirectResponse("/login", status_code=303)
