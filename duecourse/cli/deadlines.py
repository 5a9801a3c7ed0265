"""`duecourse deadlines [--as-of D] [--within N] [--owner U] [--json]`: milestones due or missed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_date, settings
from tasks.milestones import deadlines


@app.command("deadlines")
def deadlines_command(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day (YYYY-MM-DD).")] = None,
    within: Annotated[
        int, typer.Option("--within", min=0, help="Open milestones due within N days.")
    ] = 3,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Open milestones due within N days (overdue ones too) and missed ones; high risk first."""
    day = parse_date(as_of)
    with settings(ctx).engine.connect() as conn:
        items = deadlines(conn, day, within, owner)
    if json_out:
        emit_json({"as_of": day, "within": within, "owner": owner, "count": len(items),
                   "deadlines": items})  # fmt: skip
        return
    table = Table(title=f"{len(items)} deadlines due by {day} + {within} days or missed")
    for name in ("case", "milestone", "stage", "due", "days", "status", "risk", "owner"):
        table.add_column(name, justify="right" if name in ("case", "days") else "left")
    for d in items:
        table.add_row(
            str(d["case_id"]), d["kind"], d["stage"], d["due"], str(d["days_left"]), d["status"],
            d["risk"] or "-", d["owner"] or "-",
        )  # fmt: skip
    console.print(table)
