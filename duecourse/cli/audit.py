"""`duecourse audit verify [--json]` checks the hash-chained audit table; `duecourse audit list
[--case ID] [--limit N] [--json]` reads it (issue 19 item 8; tasks/audit.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from duecourse.cli.app import app
from duecourse.cli.common import (
    SafeConsole,
    console,
    emit_json,
    progress,
    progress_enabled,
    settings,
)
from duecourse.cli.policy import WIDE
from rules.audit_chain import Verdict
from rules.errors import DuecourseError
from tasks.audit import chain_size, list_entries, verify_store
from tasks.bulk import MAX_ROW_ID

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _verdict_dict(v: Verdict) -> dict[str, Any]:
    f = v.finding
    return {
        "ok": v.ok,
        "checked": v.checked,
        "head": {"id": v.head_id, "hash": v.head_hash},
        "problem": None
        if f is None
        else {"id": f.id, "action": f.action, "problem": f.problem.value, "why": f.why},
    }


@audit_app.command("verify")
def verify_command(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Check every row of the audit chain in order: each row's hash covers its contents and the
    previous row's hash. Names the first row edited, removed or moved (exit 1), or says how
    many rows hold and the head (last id and hash: note it, and compare it next time, since no
    chain can show on its own that its newest rows were cut off)."""
    s = settings(ctx)
    with s.engine.connect() as conn:
        total = chain_size(conn)
        with progress(progress_enabled(json_out) and total > 0, "audit verify", total) as tick:
            verdict = verify_store(conn, tick=tick)
    if json_out:
        emit_json(_verdict_dict(verdict))
        if not verdict.ok:
            raise typer.Exit(1)
        return
    f = verdict.finding
    if f is not None:
        raise DuecourseError(
            f"audit chain broken at row {f.id} ({f.action}): {f.problem.value}: {f.why} "
            f"({verdict.checked:,} rows checked)"
        )
    if verdict.head_id is None:
        console.print("audit chain OK: no rows yet")
        return
    console.print(
        f"audit chain OK: {verdict.checked:,} rows checked; head row {verdict.head_id} "
        f"hash {verdict.head_hash}",
        soft_wrap=True,
    )


def _short(text: str, width: int = 100) -> str:
    """A data cell of the table (whole in --json)."""
    return text if len(text) <= width else text[: width - 1] + "…"


@audit_app.command("list")
def list_command(
    ctx: typer.Context,
    case: Annotated[int | None, typer.Option("--case", help="Only this case's rows.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="The newest N rows.")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The newest rows of the audit chain (of one case with --case), oldest of them first;
    times in Asia/Shanghai, data as recorded (personal data masked; the table cuts it at 100
    characters, --json gives all of it)."""
    with settings(ctx).engine.connect() as conn:
        rows = list_entries(conn, case_id=case, limit=min(limit, MAX_ROW_ID))
    if json_out:
        emit_json({"case_id": case, "count": len(rows), "entries": rows})
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("id", "at", "actor", "action", "subject", "case", "data", "hash"):
        table.add_column(name, justify="right" if name in ("id", "case") else "left")
    for r in rows:
        table.add_row(
            str(r["id"]), f"{r['at']:%Y-%m-%d %H:%M:%S}", r["actor"], r["action"],
            f"{r['subject_type']} {r['subject_id']}", str(r["case_id"] or "-"),
            _short(json.dumps(r["data"], ensure_ascii=False, sort_keys=True)), r["hash"][:12],
        )  # fmt: skip
    out = console if console.is_terminal else SafeConsole(highlight=False, width=WIDE)
    out.print(table)
    if not rows:
        console.print("no audit rows" + (f" for case {case}" if case is not None else ""))
