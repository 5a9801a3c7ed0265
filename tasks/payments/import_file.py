"""The bank's payments file: `duecourse import-payments FILE`.

A CSV (UTF-8 with or without BOM, or GB18030/GBK; header row; extra columns ignored) with
`account_id`, `amount` (yuan, e.g. 1234.56), `paid_on` (ISO date) and `reference` (the bank's
transaction id). Each good row is recorded on the account's open case by
tasks/payments/record.py (allocated, `payment_received`, closed as paid when nothing is left).

A reference already recorded, in the store or earlier in the same file, is a `duplicate`: the
payment is counted once, so importing the same file twice changes nothing. A bad row (unknown
account, a case that is closed or has no balances on that day, an amount that is not a positive
figure with at most 2 decimals, a bad or future date) goes to a quarantine CSV with its line
number and reason; the good rows are one transaction (all or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Case, Payment
from rules.allocation import Head, PaymentSource
from rules.errors import DuecourseError
from tasks.clock import today
from tasks.payments.policy import load_payment_policy
from tasks.payments.record import MAX_REFERENCE, record_payment
from tasks.results_file import Bad, commit_with_quarantine
from tasks.results_file import read_rows as read_rows_of

COLUMNS = ("account_id", "amount", "paid_on", "reference")
_Bad = Bad


@dataclass(frozen=True)
class Row:
    """One good row, parsed."""

    account_id: str
    amount: Decimal
    paid_on: date
    reference: str | None


@dataclass
class PaymentsReport:
    rows: int = 0
    recorded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    quarantine_file: Path | None = None
    payments: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "recorded": self.recorded,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "quarantine_file": str(self.quarantine_file) if self.quarantine_file else None,
        }


def parse_row(raw: dict[str, str], now: date) -> Row | str:
    """A row parsed, or why it is refused (a reason without personal data)."""
    account = raw.get("account_id", "").strip()
    if not account:
        return "no account_id"
    text = raw.get("amount", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return f"amount {text[:20]!r} is not a number"
    if not amount.is_finite() or amount <= 0:
        return f"amount {text[:20]!r} is not a positive amount"
    if amount != amount.quantize(Decimal("0.01")):
        return f"amount {text[:20]!r} has more than 2 decimals"
    day = raw.get("paid_on", "").strip()
    try:
        paid_on = date.fromisoformat(day)
    except ValueError:
        return f"paid_on {day[:20]!r} is not a date (YYYY-MM-DD)"
    if paid_on > now:
        return f"paid_on {paid_on} is in the future (today is {now})"
    reference = raw.get("reference", "").strip() or None
    if reference is not None and len(reference) > MAX_REFERENCE:
        return f"reference longer than {MAX_REFERENCE} characters"
    return Row(account[:64], amount, paid_on, reference)


def read_rows(path: Path, now: date) -> tuple[list[tuple[int, dict[str, str], Row]], list[_Bad]]:
    """Every non-blank line after the header, parsed or refused, with its line number."""
    rows = read_rows_of(path, COLUMNS, lambda raw: parse_row(raw, now), what="payments file")
    return rows.good, rows.bad


def _known(session: Session, column: Any, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 400):
        chunk = values[start : start + 400]
        found |= {v for v in session.exec(select(column).where(col(column).in_(chunk))).all()}
    return found


def _record_rows(
    session: Session,
    good: list[tuple[int, dict[str, str], Row]],
    report: PaymentsReport,
    setup: tuple[str, tuple[Head, ...]],
) -> list[_Bad]:
    """Record each good row in the session; duplicates counted, refused rows returned."""
    actor, order = setup
    accounts = _known(session, Case.account_id, sorted({r.account_id for _, _, r in good}))
    refs = sorted({r.reference for _, _, r in good if r.reference})
    seen = _known(session, Payment.reference, refs)
    bad: list[_Bad] = []
    for line, raw, row in good:
        if row.reference is not None and row.reference in seen:
            report.duplicates += 1
            continue
        if row.account_id not in accounts:
            bad.append((line, raw, "no case for this account"))
            continue
        try:
            with session.begin_nested():
                payment = record_payment(
                    session,
                    row.account_id,
                    row.amount,
                    row.paid_on,
                    row.reference,
                    source=PaymentSource.FILE,
                    actor=actor,
                    order=order,
                )
        except DuecourseError as exc:
            bad.append((line, raw, str(exc)[:200]))
            continue
        if row.reference is not None:
            seen.add(row.reference)
        report.recorded += 1
        report.payments.append(payment)
    return bad


def import_payments(
    engine: Engine, path: Path, *, quarantine_dir: Path, policy_dir: Path, actor: str = "import"
) -> PaymentsReport:
    """Record the payments in `path` (see the module's doc)."""
    now = today()
    good, bad = read_rows(path, now)
    order = load_payment_policy(policy_dir).allocation_order
    report = PaymentsReport(rows=len(good) + len(bad))
    with Session(engine) as session:
        bad += _record_rows(session, good, report, (actor, order))
        report.quarantined = len(bad)
        report.quarantine_file = commit_with_quarantine(
            session, bad, COLUMNS, (quarantine_dir, "payments", now)
        )
    return report
