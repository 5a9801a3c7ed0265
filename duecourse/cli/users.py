"""`duecourse users [--json]`: the roster, with each person's open-case load and who is over
capacity; `duecourse users set-password USER`: the password USER signs in to the web console
with (argon2-hashed in the store, never shown or logged)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import SafeConsole, console, emit_json, settings
from duecourse.cli.policy import WIDE
from duecourse.settings import Settings
from rules.errors import InputError, NotFoundError
from rules.masking import mask_email
from tasks.credentials import check_password_rules, set_password
from tasks.policy import load_roster
from tasks.workload import open_case_loads as store_loads
from tasks.workload import over_capacity_line, over_capacity_rows


def open_case_loads(s: Settings) -> dict[str, int]:
    """Open cases per owner; empty when there is no database yet (it is not created here)."""
    url = make_url(s.url)
    db_file = url.database if url.get_backend_name() == "sqlite" else None
    if db_file and db_file != ":memory:" and not Path(db_file).exists():
        return {}
    with s.engine.connect() as conn:
        return store_loads(conn)


def users_data(s: Settings) -> dict[str, Any]:
    users = load_roster(s.policy_dir)
    loads = open_case_loads(s)
    rostered = {u.name for u in users}
    return {
        "users": [
            {
                "name": u.name,
                "display_name": u.display_name,
                "role": u.role,
                "team": u.team,
                "capacity": u.capacity,
                "open_cases": loads.get(u.name, 0),
                "over_capacity": loads.get(u.name, 0) > u.capacity,
                "email": mask_email(u.email) or None,
                "demo": u.demo,
            }
            for u in users
        ],
        "over_capacity": over_capacity_rows(users, loads),
        "unrostered_owners": [
            {"name": name, "open_cases": n}
            for name, n in sorted(loads.items())
            if name not in rostered
        ],
    }


users_app = typer.Typer(help="The roster; web console passwords.")
app.add_typer(users_app, name="users")


@users_app.callback(invoke_without_command=True)
def users_command(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The roster: name, role, team, capacity and open cases owned; who is over capacity.
    `users set-password USER` sets a web console password."""
    if ctx.invoked_subcommand is not None:
        return
    data = users_data(settings(ctx))
    if json_out:
        emit_json(data)
        return
    table = Table(title=f"{len(data['users'])} users")
    for column in ("name", "display name", "role", "team", "capacity", "open cases", "load"):
        right = column in ("capacity", "open cases", "load")
        table.add_column(column, justify="right" if right else "left", no_wrap=True)
    for u in data["users"]:
        load = f"{u['open_cases'] / u['capacity']:.0%}" if u["capacity"] else "-"
        load += " over" if u["over_capacity"] else ""
        cells = [u["name"], u["display_name"], u["role"].value, u["team"], str(u["capacity"])]
        table.add_row(*(Text(c) for c in [*cells, str(u["open_cases"]), load]))
    for o in data["unrostered_owners"]:
        table.add_row(*(Text(c) for c in [o["name"], "(not in roster)", "-", "-", "-"]),
                      Text(str(o["open_cases"])), Text("-"))  # fmt: skip
    out = console if console.is_terminal else SafeConsole(highlight=False, width=WIDE)
    out.print(table)
    console.print(over_capacity_line(data["over_capacity"]), markup=False, soft_wrap=True)
    if any(u["demo"] for u in data["users"]):
        console.print("demo roster: replace policy/roster.yaml with the bank's own people")


def _two_passwords() -> tuple[str, str]:
    """Prompted twice (hidden) on a terminal; otherwise two lines of standard input."""
    if sys.stdin.isatty():
        first = typer.prompt("new password", hide_input=True)
        return first, typer.prompt("the same again", hide_input=True)
    lines = [sys.stdin.readline() for _ in range(2)]
    if not lines[1]:
        raise InputError("give the password twice, one line each, on standard input")
    first, second = (line.rstrip("\r\n") for line in lines)
    return first, second


@users_app.command("set-password")
def set_password_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(metavar="USER", help="A roster name.")],
) -> None:
    """Set USER's web console password: asked twice on a terminal, or read as two lines from
    standard input (at least 10 characters; stored as an argon2 hash, never in clear)."""
    s = settings(ctx)
    if user not in {u.name for u in load_roster(s.policy_dir)}:
        raise NotFoundError(f"{user!r} is not in the roster (duecourse users)")
    first, second = _two_passwords()
    if first != second:
        raise InputError("the two passwords differ; nothing was changed")
    check_password_rules(first)
    with Session(s.engine) as session:
        set_password(session, user, first)
        session.commit()
    console.print(f"password set for {user}; sign in with it at duecourse web", markup=False)
