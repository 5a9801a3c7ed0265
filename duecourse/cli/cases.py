"""`duecourse cases` and `duecourse case ID`: the case list and the case file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_choice, settings
from duecourse.cli.plans import plan_lines
from rules.enums import Bucket, CaseStatus, Role, Stage
from rules.errors import NotFoundError
from rules.terminal_text import terminal_text
from tasks.calendar import load_calendar
from tasks.case_file import build_case_file, list_cases
from tasks.policy import load_roster


@app.command("cases")
def cases_command(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner.")] = None,
    bucket: Annotated[
        str | None, typer.Option("--bucket", help="Only this bucket (M0..M7+).")
    ] = None,
    status: Annotated[str, typer.Option("--status", help="open, closed or all.")] = "open",
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """List cases, high risk and most overdue first."""
    wanted_status = parse_choice(CaseStatus, status, "--status")
    with Session(settings(ctx).engine) as session:
        total, items = list_cases(
            session,
            stage=parse_choice(Stage, stage, "--stage"),
            owner=owner,
            bucket=parse_choice(Bucket, bucket, "--bucket"),
            status=wanted_status,
            limit=limit,
        )
    truncated = len(items) < total
    if json_out:
        emit_json(
            {
                "total": total,
                "count": len(items),
                "shown": len(items),
                "truncated": truncated,
                "cases": items,
            }
        )
        return
    table = Table(title=f"{total} case(s)")
    for name in ("id", "account", "name", "bucket", "stage", "risk", "owner", "DPD", "balance"):
        table.add_column(name, justify="right" if name in ("DPD", "balance", "id") else "left")
    for c in items:
        table.add_row(
            str(c["id"]), Text(terminal_text(c["account_id"])), Text(terminal_text(c["name"])),
            c["bucket"].value, c["stage"].value, c["risk"].value if c["risk"] else "-",
            Text(terminal_text(c["owner"] or "-")),
            str(c["dpd"]),
            f"{c['balance']:,.2f}",
        )  # fmt: skip
    console.print(table)
    if truncated:
        console.print(f"{len(items)} of {total} shown (--limit {limit}; raise it to see more)")


def _shown(value: Any) -> str:
    """A field as people read it: a moment as Asia/Shanghai minutes (the case file converts);
    text on one line without control characters (rules.terminal_text)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return terminal_text(value)


SECTION_FIELDS = {
    "milestones": ("kind", "due", "status", "owner", "rule"),
    "reviews": ("target_stage", "required_role", "status", "opened_on", "decided_by", "decided_at"),
    "documents": ("number", "kind", "format", "rendered_at", "path"),
    "contacts": ("at", "channel", "party", "to", "template", "status", "outcome"),
    "payments": ("paid_on", "amount", "reference", "allocated"),
    "placements": ("firm_id", "lawyer_licence", "placed_on", "recalled_on", "recall_reason"),
    "promises": ("made_on", "amount", "due_on", "status", "channel", "closed_on"),
    "disputes": ("opened_on", "kind", "status", "review_id", "resolved_on", "resolved_by"),
}


def _contact_proof(item: dict[str, Any]) -> list[str]:
    """A contact's proof and standing, after its fields: `demand`, the proof references."""
    proof = item.get("proof") or {}
    out = ["demand"] if item.get("demand") else []
    out += [f"{name.replace('_', ' ')} {_shown(value)}" for name, value in proof.items()]
    if item.get("reason"):
        out.append(f"({_shown(item['reason'])})")
    return out


def _print_plans(plans: list[dict[str, Any]]) -> None:
    """Each repayment plan with its schedule and what was paid (duecourse plan show)."""
    if plans:
        console.print("[bold]plans[/bold]")
    for plan in plans:
        for line in plan_lines(plan):
            console.print("  " + line, markup=False)


def _print_case(data: dict[str, Any]) -> None:
    d, a, t = data["debtor"], data["account"], _shown
    console.print(
        Text.assemble(
            (f"case {data['id']}", "bold"),
            f"  account {t(data['account_id'])}  {data['status'].value}  "
            f"stage {data['stage'].value}  bucket {data['bucket'].value}  "
            f"risk {data['risk'].value if data['risk'] else '-'}  owner {t(data['owner'] or '-')}",
        )
    )
    console.print(
        f"debtor {t(d['name'])}  ID {d['id_number']}  phone {d['phone']}  "
        f"address {t(d['address'])}",
        markup=False,
    )
    console.print(
        f"card {a['card_number']}  balance {a['balance']:,.2f} (principal {a['principal']:,.2f}, "
        f"interest {a['interest']:,.2f}, fees {a['fees']:,.2f})  DPD {a['days_past_due']}  "
        f"as of {a['as_of']}"
    )
    for reason in data["risk_reasons"]:
        console.print(f"  risk: {t(reason)}", markup=False)
    _print_plans(data["plans"])
    for key, fields in SECTION_FIELDS.items():
        if data.get(key):
            console.print(f"[bold]{key}[/bold]")
            for item in data[key]:
                shown = [_shown(item[f]) for f in fields if item.get(f) is not None]
                if key == "contacts":
                    shown += _contact_proof(item)
                console.print("  " + "  ".join(shown), markup=False)
                for e in item.get("evidence") or []:  # a dispute's files
                    console.print(
                        f"    evidence {_shown(e['file_name'])} sha256 {e['sha256']} "
                        f"(document {e['document_id']})",
                        markup=False,
                    )
    console.print("[bold]timeline[/bold] (recorded times in Asia/Shanghai)")
    for e in data["timeline"]:
        recorded = f"  (recorded {_shown(e['at'])})" if e["at"] is not None else ""
        console.print(f"  {e['as_of']}  {e['event']:<10} {t(e['detail'])}{recorded}", markup=False)


@app.command("case")
def case_command(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(metavar="ID", help="Case id or account id.")],
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Who reads it (a roster name): the legal role also sees the "
                     "effective-demand evidence readiness."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The case file: debtor (masked), account, stage, owner, milestones, limitation clock,
    documents, timeline."""
    s = settings(ctx)
    legal_view = _is_legal(s.policy_dir, as_user)
    with Session(s.engine) as session:
        data = build_case_file(
            session, case_id, calendar=load_calendar(s.policy_dir), legal_view=legal_view
        )
    if json_out:
        emit_json(data)
    else:
        _print_case(data)
        _print_limitation(data)


def _is_legal(policy_dir: Path, name: str | None) -> bool:
    """Whether `--as` names a legal-role user of the roster (one line if not in it)."""
    if name is None:
        return False
    for user in load_roster(policy_dir):
        if user.name == name:
            return user.role is Role.LEGAL
    raise NotFoundError(f"--as: {name!r} is not in the roster (duecourse users)")


def _print_limitation(data: dict[str, Any]) -> None:
    """The limitation clock (Civil Code Arts. 188, 195) and, for the legal role, readiness."""
    clock = data.get("limitation")
    if clock is None:
        console.print("[bold]limitation[/bold]  no due date on file")
    else:
        last = f"last event {clock['last_event']} on {clock['at']}"
        if clock["expires"] is None:
            console.print(f"[bold]limitation[/bold]  {clock['status']} ({last})")
        else:
            ends = clock["expires"]
            if clock["expires_latest"] != ends:
                ends = f"{ends} to {clock['expires_latest']}"
            console.print(
                f"[bold]limitation[/bold]  {clock['status']}: expires {ends} ({last}); "
                f"outer limit {clock['outer_limit']}"
            )
    ready = data.get("demand_readiness")
    if ready is not None:
        state = "ready" if ready["ready"] else "not ready"
        pair = f": {ready['first']} and {ready['second']}" if ready["ready"] else ""
        console.print(
            f"[bold]effective demands[/bold]  {state} ({ready['delivered_demands']} delivered "
            f"after the due date{pair}; {ready['rule']})"
        )
