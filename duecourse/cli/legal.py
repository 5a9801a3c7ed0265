"""`duecourse legal period` and `duecourse legal fee`: statutory deadlines and court fees."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, err_console, parse_date, settings
from rules.errors import InputError
from rules.fees import FeeKind, court_fee
from rules.periods import parse_event, statutory_deadline
from tasks.calendar import load_calendar

legal_app = typer.Typer(help="Statutory periods, court fees and court steps.", no_args_is_help=True)
app.add_typer(legal_app, name="legal")


@legal_app.command(
    "period", short_help="Statutory deadline from an event, on the business calendar."
)
def legal_period(
    ctx: typer.Context,
    event: Annotated[
        str, typer.Argument(metavar="EVENT", help="The event, e.g. payment-order-served.")
    ],
    on: Annotated[str, typer.Argument(metavar="DATE", help="The event's date (YYYY-MM-DD).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The statutory deadline running from EVENT on DATE, counted per Civil Code Arts. 201-203
    and Civil Procedure Law Art. 85 on the business calendar."""
    try:
        ev = parse_event(event)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    day = parse_date(on, "DATE")
    calendar = load_calendar(settings(ctx).policy_dir)
    try:
        result = statutory_deadline(ev, day, calendar)
    except ValueError as exc:
        raise InputError(f"DATE: {exc}") from None
    if result.calendar_warning:
        err_console.print(f"duecourse: {result.calendar_warning}", markup=False, soft_wrap=True)
    if json_out:
        emit_json(result.as_dict())
        return
    console.print(f"{ev.value} on {day.isoformat()}: {result.length}", markup=False)
    console.print(f"  starts    {result.start.isoformat()}", markup=False)
    moved = ""
    if result.moved_from is not None:
        moved = f"  (moved from {result.moved_from.isoformat()}, not a working day)"
    console.print(f"  deadline  {result.deadline.isoformat()}{moved}", markup=False)
    console.print(f"  rule      {result.rule}", markup=False, soft_wrap=True)
    console.print(f"  calendar  {calendar.source}", markup=False)


def _amount(value: str) -> Decimal:
    text = value.strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InputError(f"AMOUNT: {value!r} is not an amount in yuan (e.g. 50000.00)") from None
    if not amount.is_finite() or amount < 0:
        raise InputError(f"AMOUNT: {value!r} must be a non-negative amount in yuan")
    return amount


def _kind(value: str) -> FeeKind:
    try:
        return FeeKind(value.strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in FeeKind)
        raise InputError(f"--kind: unknown kind {value!r}; known kinds: {known}") from None


@legal_app.command("fee", short_help="Court fee with its breakdown by tranche.")
def legal_fee(
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Claim (or preserved property) in yuan.")
    ],
    kind: Annotated[
        str, typer.Option("--kind", help="lawsuit, payment-order or preservation.")
    ] = FeeKind.LAWSUIT.value,
    halved: Annotated[
        bool,
        typer.Option(
            "--halved",
            "--simple-procedure",
            help="Halve the lawsuit fee: simple procedure, settlement or withdrawal.",
        ),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The court fee per 诉讼费用交纳办法 Arts. 13-16, with its breakdown by tranche."""
    try:
        fee = court_fee(_amount(amount), _kind(kind), halved=halved)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if json_out:
        emit_json(fee.as_dict())
        return
    console.print(
        f"{fee.kind.value} fee on {fee.amount:,.2f} yuan: {fee.fee:,.2f} yuan", markup=False
    )
    for line in fee.breakdown:
        base = f"{line.base:>16,.2f}" if line.base is not None else " " * 16
        console.print(f"  {line.label:<32}{base}  {line.fee:>12,.2f}", markup=False)
    console.print(f"  {fee.rule}", markup=False, soft_wrap=True)
