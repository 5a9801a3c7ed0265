"""Recording one payment: allocate it to what the case owes, store it, and write the timeline.

What the case owes on each head is the latest balance snapshot on or before the payment's date
(tasks/letter_data.read_figures) less what payments recorded here on or after that snapshot's
date already paid off: the bank's next snapshot shows them, until then we count them ourselves.
The payment is split in the policy's order (rules/allocation.py; the order is the bank's policy).

Every payment writes `payment_received` dated the day it was paid: a partial payment is the
debtor agreeing to perform, which interrupts the limitation period (SPC limitation rules 2020
Art. 14; Civil Code Art. 195); the legal track's clock reads that event. A payment that leaves
nothing outstanding closes the case as paid, the way the intake closes a paid account (status
closed, stage and outcome paid, the `closed` timeline line, pending reviews withdrawn).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import Case, Payment
from models.types import utcnow
from rules import events
from rules.allocation import Allocation, Head, PaymentSource, allocate
from rules.amounts import fen_to_yuan, format_yuan, yuan_to_fen
from rules.enums import CaseStatus, Outcome, Stage
from rules.errors import DuecourseError, InputError
from tasks.audit import record_many, stage_change
from tasks.case_file import find_case
from tasks.clock import today
from tasks.contacts.record import add_event
from tasks.law_firms.placement import recall_open_placement
from tasks.letter_data import read_figures
from tasks.payments.policy import load_payment_policy
from tasks.payments.views import payment_dict
from tasks.reviews import withdraw_closed_reviews

MAX_REFERENCE = 64


def check_amount(amount: Decimal) -> int:
    """The amount in fen; InputError unless it is positive and a whole number of fen."""
    if not amount.is_finite() or amount <= 0:
        raise InputError(f"amount {amount} is not a positive amount of yuan")
    if amount != amount.quantize(Decimal("0.01")):
        raise InputError(f"amount {amount} has more than 2 decimals (fen is the smallest unit)")
    return yuan_to_fen(amount)


def check_paid_on(paid_on: date) -> None:
    """A payment cannot be recorded before it is made."""
    now = today()
    if paid_on > now:
        raise DuecourseError(f"paid_on {paid_on} is in the future (today is {now})")


def check_reference(session: Session, reference: str | None) -> str | None:
    """The reference stripped (None when blank); a reference already recorded is refused."""
    ref = (reference or "").strip() or None
    if ref is None:
        return None
    if len(ref) > MAX_REFERENCE:
        raise InputError(f"reference longer than {MAX_REFERENCE} characters")
    earlier = session.exec(select(Payment.id).where(Payment.reference == ref)).first()
    if earlier is not None:
        raise DuecourseError(f"reference {ref!r} is already recorded (payment {earlier})")
    return ref


def outstanding(session: Session, case: Case, paid_on: date) -> dict[Head, int]:
    """What the case owes on each head on `paid_on`, in fen (see the module's doc)."""
    assert case.id is not None
    figures = read_figures(session, [case.id], paid_on)[case.id]
    p = Payment
    paid = session.exec(
        select(
            sa.func.coalesce(sa.func.sum(col(p.allocated_fees)), 0),
            sa.func.coalesce(sa.func.sum(col(p.allocated_interest)), 0),
            sa.func.coalesce(sa.func.sum(col(p.allocated_principal)), 0),
        ).where(p.case_id == case.id, p.paid_on >= figures.amounts_as_of)
    ).one()
    # the sums come back through the Money type: yuan
    fees, interest, principal = (yuan_to_fen(v) for v in paid)
    return {
        Head.FEES: yuan_to_fen(figures.fees) - fees,
        Head.INTEREST: yuan_to_fen(figures.interest) - interest,
        Head.PRINCIPAL: yuan_to_fen(figures.principal) - principal,
    }


def _close_as_paid(session: Session, case: Case, paid_on: date, actor: str) -> None:
    """Close the case as paid, as the intake does, and withdraw its pending reviews."""
    assert case.id is not None
    old = case.stage
    case.status, case.stage, case.outcome = CaseStatus.CLOSED, Stage.PAID, Outcome.PAID
    case.closed_on, case.updated_at = paid_on, utcnow()
    session.add(case)
    add_event(
        session,
        case_id=case.id,
        event=events.CLOSED,
        as_of=paid_on,
        detail="closed as paid: nothing left outstanding",
        actor=actor,
    )
    session.flush()
    withdraw_closed_reviews(session.connection(), paid_on, case_id=case.id, actor=actor)
    why = "paid in full"
    record_many(session, [stage_change(case.id, old, Stage.PAID, why, on=paid_on, actor=actor)])


def _detail(amount: int, alloc: Allocation, left: int, ref: str | None) -> str:
    y = fen_to_yuan
    parts = [f"{h.value} {format_yuan(y(alloc.head(h)))}" for h in Head if alloc.head(h)]
    if alloc.overpaid:
        parts.append(f"overpaid {format_yuan(y(alloc.overpaid))}")
    refd = f" (reference {ref})" if ref else ""
    text = f"payment {format_yuan(y(amount))}{refd}: {', '.join(parts) or 'nothing owed'}; "
    if left <= 0:
        return text + "nothing left outstanding"
    return text + (
        f"outstanding {format_yuan(y(left))} (a partial payment interrupts the limitation "
        "period: SPC limitation rules 2020 Art. 14; Civil Code Art. 195)"
    )


def record_payment(
    session: Session,
    case_ref: str,
    amount: Decimal,
    paid_on: date,
    reference: str | None,
    *,
    source: PaymentSource,
    actor: str = "system",
    order: Sequence[Head] | None = None,
) -> dict[str, Any]:
    """Record a payment on the case (id or account id) and flush; the caller commits. Refused
    (one line): a bad amount, a future date, a reference already recorded, an unknown or closed
    case, a case with no balances known on that day. `order`: the allocation order (default:
    the payments policy of the policy folder in use)."""
    fen = check_amount(amount)
    check_paid_on(paid_on)
    ref = check_reference(session, reference)
    case = find_case(session, case_ref)
    assert case.id is not None
    owed = outstanding(session, case, paid_on)
    alloc = allocate(fen, owed, order or load_payment_policy().allocation_order)
    left = sum(max(v, 0) for v in owed.values()) - (alloc.total - alloc.overpaid)
    payment = Payment(
        case_id=case.id,
        account_id=case.account_id,
        amount=fen_to_yuan(fen),
        paid_on=paid_on,
        reference=ref,
        allocated_fees=fen_to_yuan(alloc.fees),
        allocated_interest=fen_to_yuan(alloc.interest),
        allocated_principal=fen_to_yuan(alloc.principal),
        overpaid=fen_to_yuan(alloc.overpaid),
        source=source,
        actor=actor,
    )
    session.add(payment)
    detail = _detail(fen, alloc, left, ref)
    add_event(
        session,
        case_id=case.id,
        event=events.PAYMENT_RECEIVED,
        as_of=paid_on,
        detail=detail,
        actor=actor,
    )
    session.flush()
    if left <= 0:
        _close_as_paid(session, case, paid_on, actor)
        recall_open_placement(session, case.id, day=today(), reason="paid in full", actor=actor)
    result = payment_dict(payment)
    result.update(outstanding=fen_to_yuan(max(left, 0)), closed=left <= 0)
    return result
