"""`duecourse pay CASE AMOUNT` and `duecourse import-payments FILE`: payments received, each
allocated to fees, interest and principal in the policy's order (policy/payments.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_date, print_import_result, settings
from rules.allocation import PaymentSource
from rules.amounts import format_yuan, parse_yuan
from rules.errors import InputError
from tasks.payments.import_file import import_payments
from tasks.payments.policy import load_payment_policy
from tasks.payments.record import record_payment

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _allocation_line(payment: dict[str, Any]) -> str:
    alloc = payment["allocation"]
    parts = [f"{head} {format_yuan(alloc[head])}" for head in ("fees", "interest", "principal")]
    if alloc["overpaid"]:
        parts.append(f"overpaid {format_yuan(alloc['overpaid'])}")
    return ", ".join(parts)


@app.command("pay")
def pay_command(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Yuan, e.g. 1234.56.")],
    day: Annotated[
        str | None, typer.Option("--date", help="Day paid, YYYY-MM-DD (default today).")
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option("--reference", help="The bank's reference: a reference is recorded once."),
    ] = None,
    actor: Annotated[str, typer.Option("--as", help="Who records it.")] = "cli",
    json_out: JsonOpt = False,
) -> None:
    """Record a payment on a case: allocated to fees, interest, principal (policy order); a
    partial payment is a limitation event; nothing left outstanding closes the case as paid."""
    s = settings(ctx)
    try:
        yuan = parse_yuan(amount)
    except ValueError as exc:
        raise InputError(f"AMOUNT: {exc}") from None
    paid_on = parse_date(day, "--date")
    order = load_payment_policy(s.policy_dir).allocation_order
    with Session(s.engine) as session:
        payment = record_payment(
            session,
            case_ref,
            yuan,
            paid_on,
            reference,
            source=PaymentSource.CLI,
            actor=actor,
            order=order,
        )
        session.commit()
    if json_out:
        emit_json(payment)
        return
    closed = "  case closed as paid" if payment["closed"] else ""
    console.print(
        f"payment {payment['id']} on case {payment['case_id']}: {format_yuan(payment['amount'])} "
        f"paid {payment['paid_on']} - {_allocation_line(payment)}; outstanding "
        f"{format_yuan(payment['outstanding'])}{closed}",
        markup=False,
        soft_wrap=True,
    )


@app.command("import-payments")
def import_payments_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV: account_id, amount, paid_on, reference.")],
    json_out: JsonOpt = False,
) -> None:
    """Import the bank's payments file; a reference already recorded is a duplicate, counted
    once; bad rows go to a quarantine CSV with their line and reason."""
    s = settings(ctx)
    report = import_payments(
        s.engine, file, quarantine_dir=s.quarantine_dir, policy_dir=s.policy_dir
    )
    if json_out:
        emit_json(report.as_dict())
        return
    print_import_result(
        f"{file}: {report.rows} rows - {report.recorded} recorded, {report.duplicates} "
        f"duplicates, {report.quarantined} quarantined",
        report.quarantine_file,
    )
