"""`duecourse legal firms|place|recall`: the panel law firms and the placement of cases with them
(the legal role's decisions; tasks/law_firms/placement.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session

from duecourse.cli.common import console, emit_json, parse_date, settings
from duecourse.cli.legal import legal_app
from rules.terminal_text import terminal_text
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.clock import today
from tasks.contacts.queue import roster_user
from tasks.law_firms.letters import LetterSetup, after_cycle, draft_for_review
from tasks.law_firms.panel import load_panel
from tasks.law_firms.placement import list_firms, place_case, recall_case
from tasks.law_firms.views import placement_dict
from tasks.policy import load_roster

AsUser = Annotated[str, typer.Option("--as", help="Who decides (a roster name, legal role).")]


@legal_app.command("firms")
def legal_firms(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The panel law firms (policy/law_firms.yaml) with their load against capacity."""
    s = settings(ctx)
    panel = load_panel(s.policy_dir)
    with Session(s.engine) as session:
        firms = list_firms(session, panel)
    if json_out:
        emit_json({"count": len(firms), "demo": panel.demo, "firms": firms})
        return
    table = Table(title=f"{len(firms)} panel law firm(s)")
    for name in ["id", "name", "load", "capacity", "signing lawyer", "active"]:
        table.add_column(name)
    for f in firms:
        table.add_row(
            f["id"], terminal_text(f["name"]) + (" [demo]" if f["demo"] else ""),
            str(f["load"]), str(f["capacity"]), terminal_text(f["signing_lawyer"] or "-"),
            "yes" if f["active"] else "no",
        )  # fmt: skip
    console.print(table)
    if panel.demo:
        console.print("demo firms: invented for the demo; replace policy/law_firms.yaml")


def _placed_line(p: dict[str, Any]) -> str:
    return (
        f"case {p['case_id']} placed with {terminal_text(p['firm'] or p['firm_id'])} "
        f"({p['firm_id']}) on {p['placed_on']}; signing lawyer "
        f"{terminal_text(p['lawyer'] or '-')}, licence {p['lawyer_licence']}"
    )


@legal_app.command("place")
def legal_place(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    as_user: AsUser,
    firm: Annotated[
        str | None,
        typer.Option("--firm", help="Firm id (default: the least loaded firm with room)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Place a case with a panel law firm (legal role), dated today."""
    s = settings(ctx)
    user = roster_user(load_roster(s.policy_dir), as_user)
    panel = load_panel(s.policy_dir)
    with Session(s.engine) as session:
        placement = place_case(session, case_ref, user=user, panel=panel, firm_id=firm)
        session.commit()
        out = placement_dict(placement, panel)
    if json_out:
        emit_json(out)
    else:
        console.print(_placed_line(out), markup=False)


@legal_app.command("recall")
def legal_recall(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    as_user: AsUser,
    reason: Annotated[str, typer.Option("--reason", help="Why the placement ends.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Recall a case's open placement (legal role), dated today, with the reason."""
    s = settings(ctx)
    user = roster_user(load_roster(s.policy_dir), as_user)
    panel = load_panel(s.policy_dir)
    with Session(s.engine) as session:
        placement = recall_case(session, case_ref, user=user, reason=reason)
        session.commit()
        out = placement_dict(placement, panel)
    if json_out:
        emit_json(out)
    else:
        console.print(
            f"case {out['case_id']}: placement with {out['firm_id']} recalled on "
            f"{out['recalled_on']}",
            markup=False,
        )


letter_app = typer.Typer(help="The lawyer's letter (律师函): its draft for the review.")
legal_app.add_typer(letter_app, name="letter", no_args_is_help=True)


def letter_setup(ctx: typer.Context) -> LetterSetup:
    s = settings(ctx)
    return LetterSetup(
        documents_dir=s.documents_dir,
        bank=load_bank(s.policy_dir),
        calendar=load_calendar(s.policy_dir),
        policy_dir=s.policy_dir,
    )


@letter_app.command("draft")
def letter_draft(
    ctx: typer.Context,
    review_id: Annotated[int, typer.Argument(metavar="REVIEW_ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Render the draft lawyer's letter (PDF and DOCX, marked 草稿) of a pending review of the
    move to lawyer_letter, dated today, for the firm the case would be placed with."""
    s = settings(ctx)
    docs = draft_for_review(s.engine, review_id, letter_setup(ctx))
    for doc in docs:
        doc["file"] = str(s.documents_dir / doc["path"])
    if json_out:
        emit_json({"review_id": review_id, "documents": docs})
        return
    for doc in docs:
        console.print(f"review {review_id}: draft {doc['format']}  {doc['file']}", markup=False)


@letter_app.command("prepare")
def letter_prepare(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The daily cycle's day (default today).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The step after the daily cycle, by hand: draft the pending lawyer's-letter reviews
    still without one (on today's cycle only) and plan the final letter's mail line of each
    placed case that entered lawyer_letter."""
    s = settings(ctx)
    day = parse_date(as_of) if as_of is not None else today()
    report = after_cycle(s.engine, day, letter_setup(ctx))
    if json_out:
        emit_json({"as_of": day, **report.as_dict()})
        return
    console.print(
        f"{report.drafted} draft(s) rendered, {report.lines_planned} lawyer's letter(s) planned "
        "for the mail batch",
        markup=False,
    )
    for problem in report.problems:
        console.print(f"  {problem}", markup=False, soft_wrap=True)
