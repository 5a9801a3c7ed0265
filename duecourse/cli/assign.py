"""`duecourse assign CASE --to U` and `duecourse reassign --from U [--to U]`, reason in the
timeline."""

from __future__ import annotations

from typing import Annotated

import typer

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_date, settings
from tasks.cycle.reassign import assign_case, reassign_from
from tasks.policy import load_policy, load_roster


@app.command("assign")
def assign_command(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    to: Annotated[str, typer.Option("--to", help="User name from the roster.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (goes in the timeline).")
    ] = "assigned by hand",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day (YYYY-MM-DD).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Give a case to a user; the owner stays while the stage's owner role stays."""
    s = settings(ctx)
    result = assign_case(
        s.engine,
        case_id,
        to,
        users=load_roster(s.policy_dir),
        policy=load_policy(s.policy_dir),
        as_of=parse_date(as_of),
        reason=reason,
    )
    if json_out:
        emit_json(result)
    elif result["changed"]:
        console.print(f"case {case_id}: {result['from'] or '-'} -> {to} ({reason})", markup=False)
    else:
        console.print(f"case {case_id} already belongs to {to}", markup=False)


@app.command("reassign")
def reassign_command(
    ctx: typer.Context,
    from_user: Annotated[str, typer.Option("--from", help="Whose open cases move.")],
    to: Annotated[
        str | None, typer.Option("--to", help="To this user; default: balanced by role.")
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (leave, departure; in the timeline).")
    ] = "reassigned",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day (YYYY-MM-DD).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Move every open case of a user (leave, departure) to another, or spread by load."""
    s = settings(ctx)
    result = reassign_from(
        s.engine,
        from_user,
        to,
        users=load_roster(s.policy_dir),
        policy=load_policy(s.policy_dir),
        as_of=parse_date(as_of),
        reason=reason,
    )
    if json_out:
        emit_json(result)
        return
    spread = ", ".join(f"{u}: {n}" for u, n in result["to"].items()) or "nobody"
    console.print(f"{result['moved']} open case(s) of {from_user} moved ({spread})", markup=False)
    if result["capacity_exceeded"]:
        console.print("capacity exceeded: some users now carry more than their capacity")
