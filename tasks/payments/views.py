"""Payments as people read them: one payment with its allocation, a case's payments newest
first (the case file's `payments`). Apart from tasks/payments/record.py so the case file can
read them without importing the recording side (which itself finds cases through the case file).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models import Payment
from rules.amounts import format_yuan


def allocated_text(p: Payment) -> str:
    """The allocation on one line, as the case file's text shows it."""
    heads = (
        ("fees", p.allocated_fees),
        ("interest", p.allocated_interest),
        ("principal", p.allocated_principal),
        ("overpaid", p.overpaid),
    )
    return ", ".join(f"{name} {format_yuan(v)}" for name, v in heads if v)


def payment_dict(p: Payment) -> dict[str, Any]:
    """A payment as the CLI and the case file show it."""
    return {
        "id": p.id,
        "case_id": p.case_id,
        "account_id": p.account_id,
        "amount": p.amount,
        "paid_on": p.paid_on,
        "reference": p.reference,
        "source": p.source,
        "allocation": {
            "fees": p.allocated_fees,
            "interest": p.allocated_interest,
            "principal": p.allocated_principal,
            "overpaid": p.overpaid,
        },
        "allocated": allocated_text(p),
        "actor": p.actor,
    }


def case_payments(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case's payments, newest first, each with its allocation."""
    rows = session.exec(
        select(Payment)
        .where(Payment.case_id == case_id)
        .order_by(col(Payment.paid_on).desc(), col(Payment.id).desc())
    ).all()
    return [payment_dict(p) for p in rows]
