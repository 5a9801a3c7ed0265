"""`duecourse legal event CASE EVENT --date D` and `duecourse legal events CASE`: court steps
with their own dates, and the statutory deadlines they open (tasks/legal_events.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from duecourse.cli.common import console, emit_json, parse_date, settings
from duecourse.cli.legal import legal_app
from rules.errors import InputError, NotFoundError
from rules.legal_track import LegalEvent, parse_legal_event
from rules.roster import User
from tasks.calendar import load_calendar
from tasks.legal_events import list_legal_events, record_legal_event
from tasks.policy import load_roster

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _event_help() -> str:
    tracks: dict[str, list[str]] = {}
    for e in LegalEvent:
        tracks.setdefault(e.track.value, []).append(e.step)
    lines = [f"  {track}.{{{', '.join(steps)}}}" for track, steps in tracks.items()]
    return (
        "Record a court step on a case, dated by the court's paper (--date, not in the future "
        "and not before the step it follows). A step that starts a statutory period opens its "
        "deadline counted from that date (CPL 2023 Arts. 171, 226-228, 250; SPC CPL "
        "interpretation 2022 Arts. 430, 438-439). An objection after the 15 days from service is "
        "recorded as late and has no effect (Art. 227).\n\n\b\nEVENT is one of:\n"
        + "\n".join(lines)
    )


def _user(ctx: typer.Context, name: str | None) -> User | None:
    if name is None:
        return None
    for user in load_roster(settings(ctx).policy_dir):
        if user.name == name:
            return user
    raise NotFoundError(f"--as: {name!r} is not in the roster (duecourse users)")


def _deadline_line(d: dict[str, Any]) -> str:
    due = d["due"] if d["due"] == d["due_latest"] else f"{d['due']} to {d['due_latest']}"
    return f"  {d['kind']:<24} due {due}  (from {d['from']}; owner {d['owner'] or '-'})"


@legal_app.command("event", short_help="Record a court step with its own date.", help=_event_help())
def legal_event(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    event: Annotated[str, typer.Argument(metavar="EVENT", help="e.g. payment-order.served")],
    on: Annotated[str, typer.Option("--date", help="The step's own date, YYYY-MM-DD.")],
    note: Annotated[str | None, typer.Option("--note", help="A note for the record.")] = None,
    document: Annotated[
        Path | None, typer.Option("--document", help="The court's paper (stored with its hash).")
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Who records it (a roster name).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Record a step of a track the case has not reached (legal role)."
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    s = settings(ctx)
    step = parse_legal_event(event)
    day = parse_date(on, "--date")
    user = _user(ctx, as_user)
    calendar = load_calendar(s.policy_dir)
    with Session(s.engine) as session:
        result = record_legal_event(
            session, case_ref, step, day, calendar=calendar, user=user,
            actor=as_user or "cli", note=note, document=document,
            documents_dir=s.documents_dir if document is not None else None, force=force,
        )  # fmt: skip
        session.commit()
    if json_out:
        emit_json(result)
        return
    e = result["event"]
    late = "  LATE: no effect (after the 15-day objection window)" if e["late"] else ""
    console.print(
        f"case {result['case_id']}: {e['event']} on {e['on']} recorded (event {e['id']}){late}",
        markup=False,
        soft_wrap=True,
    )
    for kind in result["met"]:
        console.print(f"  met       {kind}", markup=False)
    if result["opened"] is not None:
        o = result["opened"]
        console.print(f"  opens     {_deadline_line(o).strip()}", markup=False, soft_wrap=True)
        console.print(f"  rule      {o['rule']}", markup=False, soft_wrap=True)
    if e["document_id"] is not None:
        console.print(f"  document  {e['document_id']} (court_document)", markup=False)


@legal_app.command("events", short_help="A case's court steps and open statutory deadlines.")
def legal_events(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    json_out: JsonOpt = False,
) -> None:
    """A case's court steps in the order recorded, and its open statutory deadlines."""
    if not case_ref.strip():
        raise InputError("CASE: empty")
    with Session(settings(ctx).engine) as session:
        data = list_legal_events(session, case_ref)
    if json_out:
        emit_json(data)
        return
    console.print(f"case {data['case_id']}  stage {data['stage']}", markup=False)
    if not data["events"]:
        console.print("  no court steps recorded", markup=False)
    for e in data["events"]:
        flags = " LATE (no effect)" if e["late"] else ""
        flags += " (forced)" if e["forced"] else ""
        note = f"  {e['note']}" if e["note"] else ""
        console.print(
            f"  {e['on']}  {e['event']:<42}{flags}  by {e['actor']}{note}",
            markup=False,
            soft_wrap=True,
        )
    if data["open_deadlines"]:
        console.print("open statutory deadlines", markup=False)
        for d in data["open_deadlines"]:
            console.print(_deadline_line(d), markup=False, soft_wrap=True)
            console.print(f"    {d['rule']}", markup=False, soft_wrap=True)
