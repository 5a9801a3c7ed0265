"""`duecourse legal period` and `duecourse legal fee`: statutory deadlines and court fees."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, err_console, parse_date, settings
from rules.amounts import parse_yuan
from rules.errors import InputError
from rules.fees import NO_AMOUNT_RULES, CourtFee, FeeKind, court_fee
from rules.periods import (
    STATUTORY_RULES,
    PeriodEvent,
    parse_event,
    period_length,
    statutory_deadline,
)
from tasks.calendar import load_calendar

legal_app = typer.Typer(help="Statutory periods, court fees and court steps.", no_args_is_help=True)
app.add_typer(legal_app, name="legal")


def _period_help() -> str:
    """The command's help, with every event, its period and the article (kept in one place:
    `STATUTORY_RULES`)."""
    width = max(len(e.value) for e in PeriodEvent)
    events = [
        f"  {e.value:<{width}}  {period_length(r.amount, r.unit):<8}  {r.rule.split(':')[0]}"
        for e, r in ((e, STATUTORY_RULES[e]) for e in PeriodEvent)
    ]
    return (
        "The statutory deadline running from EVENT on DATE, counted per Civil Code Arts. 201-203 "
        "and Civil Procedure Law Art. 85 on the business calendar.\n\n"
        "In a year whose bridge days off and make-up working days the State Council has not "
        "declared yet, the deadline is a range: the earliest and the latest day it can fall on "
        "(JSON: deadline, deadline_latest), with a CALENDAR WARNING on stderr.\n\n"
        "\b\nEVENT is one of:\n" + "\n".join(events)
    )


@legal_app.command(
    "period",
    short_help="Statutory deadline from an event, on the business calendar.",
    help=_period_help(),
)
def legal_period(
    ctx: typer.Context,
    event: Annotated[
        str, typer.Argument(metavar="EVENT", help="The event (listed below), e.g. judgment-served.")
    ],
    on: Annotated[str, typer.Argument(metavar="DATE", help="The event's date (YYYY-MM-DD).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The statutory deadline running from EVENT on DATE (help: `_period_help`)."""
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
    shown = result.deadline.isoformat()
    if result.latest != result.deadline:
        shown = f"{shown} to {result.latest.isoformat()}"
    console.print(f"  deadline  {shown}{moved}", markup=False)
    if result.latest != result.deadline:
        console.print(
            "  range     earliest to latest: the year's bridge days off and make-up working "
            "days are not declared yet",
            markup=False,
            soft_wrap=True,
        )
    console.print(f"  rule      {result.rule}", markup=False, soft_wrap=True)
    console.print(f"  calendar  {calendar.source}", markup=False)


def _amount(value: str | None, option: str = "AMOUNT") -> Decimal | None:
    """A positive amount of yuan ("1000", "1,000", "12,345.67"); None when not given."""
    if value is None:
        return None
    try:
        return parse_yuan(value)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def _kind(value: str) -> FeeKind:
    try:
        return FeeKind(value.strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in FeeKind)
        raise InputError(f"--kind: unknown kind {value!r}; known kinds: {known}") from None


def _print_fee(fee: CourtFee) -> None:
    if fee.fee is None and fee.fee_range is not None:  # the law leaves the figure to the court
        low, high = fee.fee_range
        head = f"{fee.kind.value} fee, no amount: {low:,.2f}-{high:,.2f} yuan (the court fixes it)"
    elif fee.amount is None:
        head = f"{fee.kind.value} fee, no amount: {fee.fee:,.2f} yuan"
    elif fee.top_up is not None:
        head = f"{fee.kind.value} on {fee.amount:,.2f} yuan: {fee.fee:,.2f} yuan to top up"
    else:
        head = f"{fee.kind.value} fee on {fee.amount:,.2f} yuan: {fee.fee:,.2f} yuan"
    console.print(head, markup=False)
    for line in fee.breakdown:
        base = f"{line.base:>16,.2f}" if line.base is not None else " " * 16
        console.print(f"  {line.label:<32}{base}  {line.fee:>12,.2f}", markup=False)
    if fee.top_up is not None:
        t = fee.top_up
        console.print(
            f"  lawsuit fee {t.lawsuit_fee:,.2f}, payment-order fee paid "
            f"{t.payment_order_fee_paid:,.2f}, balance to pay {t.balance:,.2f}",
            markup=False,
        )
    console.print(f"  {fee.rule}", markup=False, soft_wrap=True)
    for note in fee.notes:
        console.print(f"  note: {note}", markup=False, soft_wrap=True)


# ignore_unknown_options: "-1" is a (refused) amount, not an unknown option of the command.
@legal_app.command(
    "fee",
    short_help="Court fee with its breakdown by tranche.",
    context_settings={"ignore_unknown_options": True},
)
def legal_fee(
    amount: Annotated[
        str | None,
        typer.Argument(
            metavar="AMOUNT",
            help="Claim, preserved property or enforced amount in yuan (1000, 1,000 or "
            "12,345.67); omit only for enforcement or preservation involving no amount.",
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="lawsuit, payment-order, preservation, enforcement or "
            "lawsuit-after-payment-order.",
        ),
    ] = FeeKind.LAWSUIT.value,
    halved: Annotated[
        bool,
        typer.Option(
            "--halved",
            "--simple-procedure",
            help="Halve the lawsuit fee: simple procedure, settlement or withdrawal.",
        ),
    ] = False,
    paid: Annotated[
        str | None,
        typer.Option(
            "--paid",
            help="lawsuit-after-payment-order: the payment-order fee already paid "
            "(default: the fee on AMOUNT).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The court fee per 诉讼费用交纳办法 Arts. 13-16, with its breakdown by tranche; the
    enforcement fee (Art. 14(1)); the top-up when a lapsed payment order becomes a lawsuit."""
    fee_kind = _kind(kind)
    value = _amount(amount)
    if value is None and fee_kind not in NO_AMOUNT_RULES:
        raise InputError(
            "AMOUNT: missing; only enforcement and preservation are priced without an amount"
        )
    try:
        fee = court_fee(value, fee_kind, halved=halved, paid=_amount(paid, "--paid"))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if json_out:
        emit_json(fee.as_dict())
        return
    _print_fee(fee)
