"""The data a document is rendered from, built from the store: case, customer, account, balances.

Balances are those of the latest snapshot on or before the as-of date (else the account's own
figures when they are not newer than the as-of date); the letter states that date. Bank details
come from `<policy>/bank.yaml`. One builder per kind; later kinds add theirs to BUILDERS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlmodel import Session, col, select

from models import BalanceSnapshot, CardAccount, Case, Customer
from rules.enums import CaseStatus
from rules.errors import DuecourseError, InputError, NotFoundError

BANK_FILE = "bank.yaml"
DEFAULT_DEADLINE_DAYS = 10


def load_bank(policy_dir: Path) -> dict[str, Any]:
    """`<policy_dir>/bank.yaml` as a mapping (printed on every letter)."""
    path = policy_dir / BANK_FILE
    try:
        bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the bank's details: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}{line}: not valid YAML: {problem}") from None
    if not isinstance(bank, dict) or "name" not in bank:
        raise InputError(f"{path}: expected a mapping with at least `name`")
    return bank


@dataclass(frozen=True)
class CaseFigures:
    """What the builders need about one case, read in one batch."""

    case: Case
    customer: Customer
    account: CardAccount
    amounts_as_of: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    minimum_due: Decimal
    days_past_due: int

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


def _latest_snapshots(
    session: Session, account_ids: Sequence[str], as_of: date
) -> dict[str, BalanceSnapshot]:
    if not account_ids:
        return {}
    latest = (
        select(BalanceSnapshot.account_id, sa.func.max(BalanceSnapshot.as_of).label("as_of"))
        .where(col(BalanceSnapshot.account_id).in_(account_ids), BalanceSnapshot.as_of <= as_of)
        .group_by(col(BalanceSnapshot.account_id))
        .subquery()
    )
    rows = session.exec(
        select(BalanceSnapshot).join(
            latest,
            sa.and_(
                col(BalanceSnapshot.account_id) == latest.c.account_id,
                col(BalanceSnapshot.as_of) == latest.c.as_of,
            ),
        )
    ).all()
    return {s.account_id: s for s in rows}


def read_figures(session: Session, case_ids: Sequence[int], as_of: date) -> dict[int, CaseFigures]:
    """Figures of each case as of `as_of`; an unknown, closed or not-yet-known case is an error."""
    result: dict[int, CaseFigures] = {}
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start : start + 500])
        rows = session.exec(
            select(Case, Customer, CardAccount)
            .join(Customer, col(Customer.id) == Case.customer_id)
            .join(CardAccount, col(CardAccount.id) == Case.account_id)
            .where(col(Case.id).in_(chunk))
        ).all()
        found = {case.id: (case, customer, account) for case, customer, account in rows}
        missing = [c for c in chunk if c not in found]
        if missing:
            raise NotFoundError(f"no case with id {missing[0]}")
        snaps = _latest_snapshots(session, [a.id for _, _, a in found.values()], as_of)
        for case_id in chunk:
            case, customer, account = found[case_id]
            result[case_id] = _figures(case, customer, account, snaps.get(account.id), as_of)
    return result


def _figures(
    case: Case,
    customer: Customer,
    account: CardAccount,
    snap: BalanceSnapshot | None,
    as_of: date,
) -> CaseFigures:
    if case.status is CaseStatus.CLOSED:
        raise DuecourseError(f"case {case.id} is closed ({case.outcome or 'closed'})")
    if snap is not None and (account.last_as_of > as_of or snap.as_of == account.last_as_of):
        source: BalanceSnapshot | CardAccount = snap
        amounts_as_of = snap.as_of
    elif account.last_as_of <= as_of:
        source, amounts_as_of = account, account.last_as_of
    else:
        raise DuecourseError(
            f"case {case.id}: no balances known on or before {as_of} "
            f"(the account's figures are of {account.last_as_of})"
        )
    return CaseFigures(
        case=case,
        customer=customer,
        account=account,
        amounts_as_of=amounts_as_of,
        principal=source.principal,
        interest=source.interest,
        fees=source.fees,
        minimum_due=source.minimum_due,
        days_past_due=source.days_past_due,
    )


def _deadline_days(bank: dict[str, Any], kind: str) -> int:
    try:
        letters = bank.get("letters") or {}
        days = int((letters.get(kind) or {}).get("deadline_days", DEFAULT_DEADLINE_DAYS))
    except (AttributeError, TypeError, ValueError):
        days = -1
    if days < 0:
        raise InputError(f"{BANK_FILE}: letters.{kind}.deadline_days must be a whole number >= 0")
    return days


def _deadline(as_of: date, days: int) -> date:
    try:
        return as_of + timedelta(days=days)
    except OverflowError:
        raise InputError(
            f"--as-of: a deadline {days} days after {as_of} is past 9999-12-31"
        ) from None


def collection_letter(f: CaseFigures, as_of: date, bank: dict[str, Any]) -> dict[str, Any]:
    if not f.customer.address:
        raise DuecourseError(f"case {f.case.id}: the customer has no billing address to mail to")
    return {
        "letter_date": as_of,
        "amounts_as_of": f.amounts_as_of,
        "debtor_name": f.customer.name,
        "address": f.customer.address,
        "card": f.account.card_number or "",
        "due_date": f.account.due_date or f.amounts_as_of - timedelta(days=f.days_past_due),
        "days_past_due": f.days_past_due,
        "principal": f.principal,
        "interest": f.interest,
        "fees": f.fees,
        "total": f.total,
        "minimum_due": f.minimum_due,
        "deadline": _deadline(as_of, _deadline_days(bank, "collection_letter")),
        "bank": bank,
    }


def reminder_sms(f: CaseFigures, as_of: date, bank: dict[str, Any]) -> dict[str, Any]:
    return {
        "debtor_name": f.customer.name,
        "card": f.account.card_number or "",
        "total": f.total,
        "as_of": f.amounts_as_of,
        "bank": bank,
    }


def reminder_email(f: CaseFigures, as_of: date, bank: dict[str, Any]) -> dict[str, Any]:
    return {
        "debtor_name": f.customer.name,
        "card": f.account.card_number or "",
        "principal": f.principal,
        "interest": f.interest,
        "fees": f.fees,
        "total": f.total,
        "due_date": f.account.due_date or f.amounts_as_of - timedelta(days=f.days_past_due),
        "days_past_due": f.days_past_due,
        "as_of": f.amounts_as_of,
        "bank": bank,
    }


Builder = Callable[[CaseFigures, date, dict[str, Any]], dict[str, Any]]
BUILDERS: dict[str, Builder] = {
    "collection_letter": collection_letter,
    "reminder_sms": reminder_sms,
    "reminder_email": reminder_email,
}


def build_data(
    session: Session, kind: str, case_ids: Sequence[int], as_of: date, bank: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    """Each case's data for `kind` as of `as_of` (without the number, which the store assigns)."""
    builder = BUILDERS.get(kind)
    if builder is None:
        raise NotFoundError(f"no data builder for document kind {kind!r}")
    figures = read_figures(session, case_ids, as_of)
    return {case_id: builder(figures[case_id], as_of, bank) for case_id in case_ids}
