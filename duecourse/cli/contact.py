"""`duecourse queue --as USER` (a collector's calls and visits, with the lawful window for each)
and `duecourse contact log CASE` (record a call or visit made)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import (
    SafeConsole,
    console,
    emit_json,
    err_console,
    parse_date,
    parse_enum,
    settings,
)
from duecourse.cli.policy import WIDE
from rules.amounts import format_yuan, parse_yuan
from rules.enums import CallOutcome, Channel, Party
from rules.errors import InputError
from rules.terminal_text import terminal_text
from tasks.calendar import load_calendar
from tasks.conduct import load_conduct_pack
from tasks.contacts.log import LogRequest, LogResult, PromiseTerms, log_contact, parse_at
from tasks.contacts.queue import Conduct, roster_user, work_queue
from tasks.negotiation.policy import load_negotiation_policy
from tasks.policy import load_policy, load_roster

contact_app = typer.Typer(help="Contacts: record calls and visits.", no_args_is_help=True)
app.add_typer(contact_app, name="contact")


class LogChannel(StrEnum):
    """What a collector logs: a phone call or a field visit (上门)."""

    PHONE = "phone"
    VISIT = "visit"

    @property
    def channel(self) -> Channel:
        return Channel.CALL if self is LogChannel.PHONE else Channel.VISIT


class _LogParty(StrEnum):
    """Whom a logged contact reached."""

    DEBTOR = "debtor"
    EMERGENCY = "emergency"

    @property
    def party(self) -> Party:
        return Party(self.value)


def _conduct(ctx: typer.Context) -> Conduct:
    policy_dir = settings(ctx).policy_dir
    return Conduct(pack=load_conduct_pack(policy_dir), calendar=load_calendar(policy_dir))


def _cell(value: Any) -> Text:
    return Text(terminal_text("-" if value is None or value == "" else str(value)))


def _queue_table(data: dict[str, Any]) -> Table:
    table = Table(title=f"{data['user']}: {data['total']} call(s)/visit(s) for {data['as_of']}")
    columns = ("case", "risk", "stage", "DPD", "balance", "debtor", "to", "channel", "step",
               "deadline", "tries", "last", "window")  # fmt: skip
    for name in columns:
        table.add_column(name, justify="right" if name in ("case", "DPD", "balance") else "left")
    for i in data["items"]:
        m, last = i["milestone"], i["last_outcome"]
        cap = i["cap"] if i["cap"] is not None else "-"
        table.add_row(
            str(i["case_id"]), i["risk"].value if i["risk"] else "-", i["stage"].value,
            f"{i['dpd']} {i['bucket'].value}", f"{i['balance']:,.2f}", _cell(i["name"]),
            _cell(i["to"]), i["channel"].value,
            _cell(i["step"] + (f" (+{i['carried']})" if i["carried"] else "")),
            _cell(f"{m['kind']} {m['due']}" if m else None), f"{i['attempts_today']}/{cap}",
            _cell(last["outcome"].value if last else None), _cell(i["window"]),
        )  # fmt: skip
    return table


@app.command("queue")
def queue_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--as", help="Whose queue: a user of the roster.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """A collector's calls and visits: highest risk and nearest deadline first, each with the
    lawful window for today from the conduct gate (times in the debtor's zone)."""
    s = settings(ctx)
    who = roster_user(load_roster(s.policy_dir), user)
    day = parse_date(as_of)
    conduct = _conduct(ctx)
    with Session(s.engine) as session:
        data = work_queue(session, who, day, conduct, limit=limit, now=datetime.now(UTC))
    if json_out:
        emit_json(data)
        return
    out = console if console.is_terminal else SafeConsole(highlight=False, width=WIDE)  # piped
    out.print(_queue_table(data))
    if len(data["items"]) < data["total"]:
        console.print(f"{len(data['items'])} of {data['total']} shown (--limit {limit})")


def _summary(result: LogResult) -> str:
    c = result.contact
    at = f"{c['at']:%Y-%m-%d %H:%M} {c['at'].isoformat()[-6:]}"
    head = (
        f"case {result.case_id}: {c['channel'].value} {c['outcome'].value} at {at} "
        f"to {c['to'] or '-'}"
    )
    if result.duplicate:
        return f"already recorded: {head} (contact {c['id']}); nothing written"
    extra = f"; {', '.join(result.events)} recorded" if result.events else ""
    lines = f"; {result.lines_done} queued line(s) done" if result.lines_done else ""
    p = result.promise
    promise = f"; promise {p['id']}: {format_yuan(p['amount'])} by {p['due_on']}" if p else ""
    proof = c["proof"].get("ref")
    return f"logged {head} (contact {c['id']}, proof {proof}){extra}{lines}{promise}"


def _terms(amount: str | None, by: str | None) -> PromiseTerms | None:
    """--amount and --by, parsed (both or neither; log_contact says which outcome needs them)."""
    if amount is None and by is None:
        return None
    if amount is None or by is None:
        raise InputError("--amount and --by go together: what was promised, by when")
    try:
        yuan = parse_yuan(amount)
    except ValueError as exc:
        raise InputError(f"--amount: {exc}") from None
    return PromiseTerms(amount=yuan, by=parse_date(by, "--by"))


@contact_app.command("log")
def contact_log(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    channel: Annotated[str, typer.Option("--channel", help="phone or visit.")],
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome", help="answered, no-answer, promise, refused, wrong-number, third-party."
        ),
    ],
    at: Annotated[
        str,
        typer.Option("--at", help="When: HH:MM (today), or YYYY-MM-DDTHH:MM[+08:00]."),
    ],
    user: Annotated[str, typer.Option("--as", help="Who made it: a user of the roster.")],
    note: Annotated[str, typer.Option("--note", help="A note (personal data masked).")] = "",
    party: Annotated[str, typer.Option("--party", help="debtor or emergency.")] = "debtor",
    reference: Annotated[
        str | None, typer.Option("--reference", help="Call reference (recording id).")
    ] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="With --outcome promise: yuan promised.")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="With --outcome promise: by when, YYYY-MM-DD.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Record a call or visit made. One that broke a conduct rule is still recorded, as a
    breach, with a warning. A conversation with the debtor records contact_made. With
    --outcome promise, --amount and --by record the promise to pay (as `duecourse ptp`)."""
    s = settings(ctx)
    log_channel: LogChannel = parse_enum(LogChannel, channel, "--channel")
    wanted = LogRequest(
        case_ref=case_ref,
        channel=log_channel.channel,
        outcome=parse_enum(CallOutcome, outcome, "--outcome"),
        at=parse_at(at),
        party=parse_enum(_LogParty, party, "--party").party,
        note=note,
        reference=reference,
        promise=_terms(amount, by),
    )
    who = roster_user(load_roster(s.policy_dir), user)
    conduct = _conduct(ctx)
    with Session(s.engine, expire_on_commit=False) as session:
        result = log_contact(
            session, wanted, who, conduct,
            negotiation=load_negotiation_policy(s.policy_dir), policy=load_policy(s.policy_dir),
        )  # fmt: skip
    if result.breach and not result.duplicate:
        err_console.print(
            f"warning: conduct breach recorded: {result.breach['rule']}: {result.breach['reason']}",
            markup=False,
            soft_wrap=True,
        )
    if json_out:
        emit_json(
            {**result.contact, "breach": result.breach, "duplicate": result.duplicate,
             "promise": result.promise}
        )  # fmt: skip
    else:
        console.print(_summary(result), markup=False, soft_wrap=True)
