"""`duecourse dispute CASE --kind K --note TEXT [--evidence FILE ...]` (open a dispute, defence
or hardship claim) and `dispute resolve CASE --outcome upheld|rejected --note T --as U`
(decide it through its review)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session
from typer._click.core import Context
from typer.core import TyperGroup

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_enum, settings
from rules.enums import DisputeKind
from rules.terminal_text import terminal_text
from tasks.calendar import load_calendar
from tasks.contacts.queue import roster_user
from tasks.negotiation.disputes import DisputeSetting, open_dispute, resolve_dispute
from tasks.negotiation.policy import load_negotiation_policy
from tasks.policy import load_policy, load_roster
from tasks.reviews import ReviewWithdrawn


class _OpenByDefault(TyperGroup):
    """`dispute CASE ...` is `dispute open CASE ...`: a first word that is no subcommand is the
    case (an account literally named `resolve` is reached by its case id)."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["open", *args]
        return super().parse_args(ctx, args)


dispute_app = typer.Typer(
    cls=_OpenByDefault,
    help="Disputes, defences and hardship claims: `dispute CASE --kind K --note T` opens one, "
    "`dispute resolve CASE` decides it.",
    no_args_is_help=True,
)
app.add_typer(dispute_app, name="dispute")


class Resolution(StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"


def _evidence_line(data: dict[str, Any]) -> str:
    files = data["evidence"]
    if not files:
        return ""
    shown = ", ".join(f"{terminal_text(e['file_name'])} sha256 {e['sha256'][:12]}…" for e in files)
    return f"; evidence {shown}"


@dispute_app.command("open")
def dispute_open(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    kind: Annotated[
        str,
        typer.Option("--kind", help="hardship, disputed-charges, force-majeure or identity-theft."),
    ],
    note: Annotated[str, typer.Option("--note", help="What is claimed (personal data masked).")],
    evidence: Annotated[
        list[Path] | None,
        typer.Option("--evidence", help="A file the debtor gave (repeat for several)."),
    ] = None,
    actor: Annotated[str, typer.Option("--as", help="Who records it (never its decider).")] = "cli",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Open a dispute: collection contacts stop and escalation freezes until it is decided; a
    review goes to the policy's role (legal for identity theft and disputed charges) with a
    deadline in working days; a hardship claim moves the case to negotiation."""
    s = settings(ctx)
    which: DisputeKind = parse_enum(DisputeKind, kind, "--kind")
    setting = DisputeSetting(
        negotiation=load_negotiation_policy(s.policy_dir),
        policy=load_policy(s.policy_dir),
        calendar=load_calendar(s.policy_dir),
        users=load_roster(s.policy_dir),
        documents_dir=s.documents_dir,
    )
    with Session(s.engine) as session:
        data = open_dispute(
            session, case_ref, which, note, list(evidence or []), actor=actor, setting=setting
        )
        session.commit()
    if json_out:
        emit_json(data)
        return
    m = data["milestone"]
    console.print(
        f"dispute {data['id']} ({which.value}) on case {data['case_id']}: review "
        f"{data['review_id']} by {data['reviewer_role'].value}, decide by {m['due']} "
        f"({m['owner'] or 'no owner'}); collection contacts stop until it is decided"
        f"{_evidence_line(data)}",
        markup=False,
        soft_wrap=True,
    )


@dispute_app.command("resolve")
def dispute_resolve(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    outcome: Annotated[str, typer.Option("--outcome", help="upheld or rejected.")],
    note: Annotated[str, typer.Option("--note", help="The decision's reasons.")],
    as_user: Annotated[str, typer.Option("--as", help="The decider (a roster name).")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="Which dispute, when several are open.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Decide the case's open dispute through its review (the policy's role; whoever opened it
    may not decide it): upheld or rejected; the case resumes, closes or goes to negotiation."""
    s = settings(ctx)
    upheld = parse_enum(Resolution, outcome, "--outcome") is Resolution.UPHELD
    which = parse_enum(DisputeKind, kind, "--kind") if kind is not None else None
    user = roster_user(load_roster(s.policy_dir), as_user)
    with Session(s.engine) as session:
        try:
            data = resolve_dispute(
                session, case_ref, upheld=upheld, note=note, user=user, kind=which
            )
        except ReviewWithdrawn:
            session.commit()  # the withdrawal stands; the decision is refused (exit 1)
            raise
        session.commit()
    if json_out:
        emit_json(data)
        return
    console.print(
        f"dispute {data['id']} ({data['kind'].value}) on case {data['case_id']} "
        f"{data['status'].value} by {data['resolved_by']} on {data['resolved_on']}",
        markup=False,
        soft_wrap=True,
    )
