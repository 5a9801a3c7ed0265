"""The web console's application: `create_app(settings)` (issue 20).

Server-rendered pages (Jinja2, autoescaped) over the same tasks as the CLI. Layers of
middleware, outermost first: security headers (duecourse/web/security.py), the signed-cookie
session (duecourse/web/session.py). Errors are pages, never tracebacks: 404 for what does not
exist or may not be seen, 403 for a role or a CSRF token that is wrong, a redirect to /login
for nobody signed in, 500 with nothing of the cause.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from duecourse.settings import Settings
from duecourse.web import auth
from duecourse.web.auth import Forbidden, LoginRequired, csrf_token
from duecourse.web.security import SecurityHeadersMiddleware
from duecourse.web.session import SessionMiddleware, web_secret
from rules.errors import DuecourseError, NotFoundError

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Not done",
    500: "Something went wrong",
}


def make_templates() -> Jinja2Templates:
    """The Jinja2 environment: autoescape on for every template (a debtor's name is text)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["csrf_token"] = csrf_token
    return Jinja2Templates(env=env)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An HTML page for an error: its status, a title and one line; never a traceback."""
    templates: Jinja2Templates = request.app.state.templates
    context = {"status": status, "title": TITLES.get(status, "Error"), "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _include_pages(app: FastAPI) -> None:
    """Every module of duecourse/web/pages/ that has a `router`, in name order."""
    try:
        package = importlib.import_module("duecourse.web.pages")
    except ModuleNotFoundError:
        return
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"duecourse.web.pages.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return error_page(request, 403, str(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return error_page(request, 404, str(exc))

    @app.exception_handler(DuecourseError)
    async def refused(request: Request, exc: DuecourseError) -> Response:
        return error_page(request, 409, str(exc))  # the task's one line, meant for people

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "there is nothing here" if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        where = {str(part) for err in exc.errors() for part in err.get("loc", ())[:1]}
        if "path" in where:  # /reviews/abc: no such page
            return error_page(request, 404, "there is nothing here")
        return error_page(request, 400, "the request was not understood")


def create_app(
    settings: Settings, *, secret: str | None = None, secure_cookies: bool = False
) -> FastAPI:
    """The console for the store and policy of `settings`. `secret` signs the session cookie
    (default: DUECOURSE_WEB_SECRET, else <home>/web-secret); `secure_cookies` marks the cookie
    Secure (behind HTTPS)."""
    app = FastAPI(title="Duecourse", docs_url=None, redoc_url=None, openapi_url=None, debug=False)
    app.state.settings = settings
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.include_router(auth.router)
    _include_pages(app)
    _handlers(app)
    app.add_middleware(
        SessionMiddleware, secret=secret or web_secret(settings), secure=secure_cookies
    )
    app.add_middleware(SecurityHeadersMiddleware)  # added last: outermost, on every response
    return app
