"""`duecourse web [--host 127.0.0.1] [--port 8000]`: the legal department's web console.

Serves `duecourse.web.create_app` with uvicorn on this command's home, store and policy. People
sign in with their roster name and the password `duecourse users set-password NAME` set.
"""

from __future__ import annotations

import errno
import socket
from typing import Annotated

import typer
from sqlmodel import Session, select

from duecourse.cli.app import app
from duecourse.cli.common import console, settings
from models.credential import UserCredential
from rules.enums import Role
from rules.errors import DuecourseError
from tasks.policy import load_roster


def _check_free(host: str, port: int) -> None:
    """One line, not a uvicorn traceback, when the address cannot be served."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise DuecourseError(f"--host {host}: no such address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            why = "already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or "")
            raise DuecourseError(f"cannot serve on {host}:{port}: {why}") from None


@app.command("web")
def web_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    secure_cookies: Annotated[
        bool,
        typer.Option("--secure-cookies", help="Mark the session cookie Secure (behind HTTPS)."),
    ] = False,
) -> None:
    """Serve the web console (review queue, cases, documents, deadlines, dashboard)."""
    import uvicorn

    from duecourse.web import create_app

    s = settings(ctx)
    web_app = create_app(s, secure_cookies=secure_cookies)  # migrates the store, makes the key
    _check_free(host, port)
    roster = load_roster(s.policy_dir)
    with Session(s.engine) as session:
        with_password = set(session.exec(select(UserCredential.name)).all())
    shown = f"[{host}]" if ":" in host else host
    console.print(f"Duecourse web console: http://{shown}:{port}/", markup=False, soft_wrap=True)
    legal = next((u.name for u in roster if u.role == Role.LEGAL), "NAME")
    if not with_password & {u.name for u in roster}:
        console.print(
            f"nobody can sign in yet: set a password first, e.g. "
            f"duecourse users set-password {legal}",
            markup=False,
            soft_wrap=True,
        )
    else:
        console.print(
            "sign in with a roster name and the password set by "
            "`duecourse users set-password NAME`",
            markup=False,
            soft_wrap=True,
        )
    uvicorn.run(web_app, host=host, port=port, log_level="info", server_header=False)
