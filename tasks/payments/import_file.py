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

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Case, Payment
from rules.allocation import Head, PaymentSource
from rules.csv_safety import safe_row
from rules.errors import DuecourseError, InputError
from tasks.clock import today
from tasks.mail.delivered import read_text
from tasks.payments.policy import load_payment_policy
from tasks.payments.record import MAX_REFERENCE, record_payment
from tasks.snapshot_file import split_line

COLUMNS = ("account_id", "amount", "paid_on", "reference")
_Bad = tuple[int, dict[str, str], str]


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


def _header(path: Path, line: str) -> list[str]:
    try:
        names = next(csv.reader((line,), strict=True))
    except (csv.Error, StopIteration):
        raise InputError(f"{path}: line 1: unreadable header") from None
    columns = [n.strip().lstrip("\ufeff").lower() for n in names]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise InputError(f"{path}: header is missing columns: {', '.join(missing)}")
    return columns


def read_rows(path: Path, now: date) -> tuple[list[tuple[int, dict[str, str], Row]], list[_Bad]]:
    """Every non-blank line after the header, parsed or refused, with its line number."""
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file (no header row)")
    lines = text.split("\n")
    columns = _header(path, lines[0].rstrip("\r"))
    good: list[tuple[int, dict[str, str], Row]] = []
    bad: list[_Bad] = []
    for number, line in enumerate(lines[1:], 2):
        body = line[:-1] if line.endswith("\r") else line
        if not body.strip():
            continue
        cells, problem = split_line(body, len(columns))
        raw = {c: v for c, v in zip(columns, cells, strict=False) if c in COLUMNS}
        parsed = problem if problem is not None else parse_row(raw, now)
        if isinstance(parsed, str):
            bad.append((number, raw, parsed))
        else:
            good.append((number, raw, parsed))
    return good, bad


def _known(session: Session, column: Any, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 400):
        chunk = values[start : start + 400]
        found |= {v for v in session.exec(select(column).where(col(column).in_(chunk))).all()}
    return found


def _quarantine_path(folder: Path, now: date) -> Path:
    n = 1
    while (path := folder / f"payments-{now.isoformat()}-{n}.quarantine.csv").exists():
        n += 1
    return path


def _write_quarantine(path: Path, bad: list[_Bad]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["line", "problem", *COLUMNS])
    for line, raw, why in sorted(bad, key=lambda b: b[0]):
        writer.writerow(safe_row([line, why, *(raw.get(c, "") for c in COLUMNS)]))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    except OSError as exc:
        raise DuecourseError(f"{path}: cannot write ({exc.strerror or exc})") from None


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
        if bad:
            report.quarantine_file = _quarantine_path(quarantine_dir, now)
            _write_quarantine(report.quarantine_file, bad)
        try:
            session.commit()
        except BaseException:
            if report.quarantine_file is not None:
                report.quarantine_file.unlink(missing_ok=True)
            raise
    return report
