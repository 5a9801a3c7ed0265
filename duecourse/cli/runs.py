"""`duecourse runs [--limit N] [--json]`: the history of daily cycles, deadline checks and contact
dispatches."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, settings
from tasks.clock import shanghai_time
from tasks.cycle.history import list_runs

FLOWS = {"daily_cycle": "daily", "deadline_check": "check", "contact_dispatch": "dispatch"}


def _when(moment: datetime | None) -> str:
    return f"{shanghai_time(moment):%m-%d %H:%M}" if moment is not None else "-"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def _row(r: dict[str, Any]) -> list[str | Text]:
    flow_run = r["flow_run_id"] or "-"
    return [
        str(r["run_id"]), r["as_of"].isoformat(), FLOWS.get(r["flow"], r["flow"]),
        r["status"].value, _when(r["started_at"]), _duration(r["duration_seconds"]),
        f"{r['actions_total']:,}", Text(flow_run[:8]),
    ]  # fmt: skip


def _notes(r: dict[str, Any]) -> list[str]:
    if r["error"]:
        return [f"run {r['run_id']} error: {r['error']}"]
    return [f"run {r['run_id']} warning: {w}" for w in r["warnings"]]


@app.command("runs")
def runs_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Daily cycles, deadline checks and contact dispatches, newest first: status, duration,
    counts, warnings and the Prefect flow run id (the `cycle_run` table; the table shows the id's
    first 8 characters, JSON all of it)."""
    with settings(ctx).engine.connect() as conn:
        total, runs = list_runs(conn, limit)
    if json_out:
        emit_json(
            {"total": total, "shown": len(runs), "truncated": len(runs) < total, "runs": runs}
        )
        return
    if not runs:
        console.print("no runs yet: `duecourse run-day` or `duecourse serve` starts them")
        return
    table = Table(
        title=f"{total} run(s), newest first (started: Asia/Shanghai)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("run", "as-of", "flow", "status", "started", "took", "actions", "prefect"):
        right = name in ("run", "actions", "took")
        table.add_column(name, justify="right" if right else "left", no_wrap=True)
    for r in runs:
        table.add_row(*_row(r))
    console.print(table)
    for r in runs:
        for line in _notes(r):
            console.print(line, markup=False, soft_wrap=True)
    if len(runs) < total:
        console.print(f"{len(runs)} of {total} shown (--limit {limit}; raise it to see more)")
