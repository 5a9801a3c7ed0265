"""`duecourse ptp CASE AMOUNT --by DATE`: record a promise to pay (承诺还款)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_date, parse_enum, settings
from rules.amounts import format_yuan, parse_yuan
from rules.enums import Channel
from rules.errors import InputError
from tasks.negotiation.policy import load_negotiation_policy
from tasks.negotiation.promises import record_promise
from tasks.policy import load_policy


@app.command("ptp")
def ptp_command(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Yuan, e.g. 1234.56.")],
    by: Annotated[str, typer.Option("--by", help="The day promised, YYYY-MM-DD.")],
    channel: Annotated[
        str | None, typer.Option("--channel", help="How it was made: call, sms, email, visit...")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A note (personal data masked).")
    ] = None,
    actor: Annotated[str, typer.Option("--as", help="Who records it.")] = "cli",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Record a promise to pay: the case goes to negotiation at the next daily cycle and
    collection contacts pause until the promised day plus the grace period (policy); an open
    earlier promise is superseded. The debtor agreeing to pay interrupts the limitation period
    (Civil Code Art. 195(2))."""
    s = settings(ctx)
    try:
        yuan = parse_yuan(amount)
    except ValueError as exc:
        raise InputError(f"AMOUNT: {exc}") from None
    due_on = parse_date(by, "--by")
    how = parse_enum(Channel, channel, "--channel") if channel is not None else None
    with Session(s.engine) as session:
        promise = record_promise(
            session,
            case_ref,
            yuan,
            due_on,
            channel=how,
            note=note,
            actor=actor,
            negotiation=load_negotiation_policy(s.policy_dir),
            policy=load_policy(s.policy_dir),
        )
        session.commit()
    if json_out:
        emit_json(promise)
        return
    replaced = promise["superseded"]
    extra = f"; supersedes promise {', '.join(map(str, replaced))}" if replaced else ""
    console.print(
        f"promise {promise['id']} on case {promise['case_id']}: "
        f"{format_yuan(promise['amount'])} by {promise['due_on']}; collection contacts pause "
        f"until {promise['pause_until']}{extra}",
        markup=False,
        soft_wrap=True,
    )
