"""`duecourse deadlines [--as-of D] [--within N] [--owner U] [--limit N] [--json]`: milestones
due or missed, totals per owner, and (for a supervisor) the misses escalated to them."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from duecourse.cli.app import app
from duecourse.cli.common import SafeConsole, console, emit_json, parse_date, settings
from duecourse.cli.policy import WIDE
from duecourse.settings import Settings
from rules.errors import NotFoundError
from tasks.milestones import deadline_list, owner_known
from tasks.policy import load_roster


def _check_owner(s: Settings, owner: str) -> None:
    """A user of the roster, or one who still owns a case or milestone; else one line, exit 1."""
    if any(u.name == owner for u in load_roster(s.policy_dir)):
        return
    with s.engine.connect() as conn:
        if owner_known(conn, owner):
            return
    raise NotFoundError(f"no such user: {owner} (not in the roster and owning no case)")


def _owners_table(owners: list[dict[str, Any]]) -> Table:
    table = Table(title="per owner", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("owner", "total", "due", "overdue", "missed"):
        table.add_column(name, justify="left" if name == "owner" else "right")
    for o in owners:
        cells = (o["total"], o["due"], o["overdue"], o["missed"])
        table.add_row(o["owner"] or "(no owner)", *(str(n) for n in cells))
    return table


@app.command("deadlines")
def deadlines_command(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day (YYYY-MM-DD).")] = None,
    within: Annotated[
        int, typer.Option("--within", min=0, help="Open milestones due within N days.")
    ] = 3,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="Only this user's, and the misses escalated to them."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Open milestones due within N days (overdue ones too) and missed ones, high risk first,
    with totals per owner; `--owner SUPERVISOR` adds the misses escalated to that supervisor."""
    day = parse_date(as_of)
    s = settings(ctx)
    if owner is not None:
        _check_owner(s, owner)
    with s.engine.connect() as conn:
        data = deadline_list(conn, day, within, owner, limit)
    items, total = data["deadlines"], data["total"]
    if json_out:
        emit_json({"as_of": day, "within": within, "owner": owner, "count": len(items),
                   "total": total, "shown": len(items), "truncated": len(items) < total,
                   "owners": data["owners"], "escalated_to_owner": data["escalated_to_owner"],
                   "deadlines": items})  # fmt: skip
        return
    table = Table(
        title=f"{total} deadlines due by {day} + {within} days or missed",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    columns = (
        "case",
        "milestone",
        "stage",
        "due",
        "days",
        "status",
        "risk",
        "owner",
        "escalated to",
    )
    for name in columns:
        right = name in ("case", "days")
        table.add_column(name, justify="right" if right else "left", no_wrap=True)
    for d in items:
        table.add_row(
            str(d["case_id"]), d["kind"], d["stage"], d["due"], str(d["days_left"]), d["status"],
            d["risk"] or "-", d["owner"] or "-", d["escalated_to"] or "-",
        )  # fmt: skip
    out = console if console.is_terminal else SafeConsole(highlight=False, width=WIDE)
    out.print(table)
    if data["owners"]:
        out.print(_owners_table(data["owners"]))
    if owner is not None and data["escalated_to_owner"]:
        console.print(f"{data['escalated_to_owner']} missed milestone(s) escalated to {owner}")
    if len(items) < total:
        console.print(f"{len(items)} of {total} shown (--limit {limit}; raise it to see more)")
