"""The data a document is rendered from, built from the store: case, customer, account, balances.

Balances are those of the latest snapshot on or before the as-of date (else the account's own
figures when they are not newer than the as-of date); the letter states that date. Bank details
come from `<policy>/bank.yaml` (tasks.bank), the working calendar from `<policy>/calendar.yaml`.
One builder per kind; later kinds add theirs to BUILDERS.

A collection letter's deadline is a working day counted from its delivery: the letter date plus
the mail's transit days plus the bank's `deadline_days`, moved off rest days and holidays (Civil
Code Arts. 201, 203; CPL Art. 85). It protects the debtor, so in a year whose make-up days are not
declared yet the latest possible date is used, and the calendar's warning is kept with the data.
Pre-due kinds refuse an account that is already overdue: they must not say anything untrue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import BalanceSnapshot, CardAccount, Case, Customer
from rules.calendar import BusinessCalendar
from rules.enums import CaseStatus
from rules.errors import DuecourseError, InputError, NotFoundError
from rules.periods import PeriodUnit, period_end
from tasks.bank import Bank, CureRule, load_bank

__all__ = ["BUILDERS", "Bank", "LetterContext", "build_data", "fee_lines", "load_bank"]

FEES_LABEL = "费用"


@dataclass(frozen=True)
class LetterContext:
    """What every builder needs besides the case: the bank's details and the working calendar;
    `policy_dir` for builders that read more of the policy (court filings: courts.yaml)."""

    bank: Bank
    calendar: BusinessCalendar
    policy_dir: Path | None = None


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
    # fee heads as the bank books them (违约金, 年费, 分期手续费...) when the data carries them;
    # the snapshot today carries one `fees` figure, so this stays empty and one line is shown
    fee_heads: tuple[tuple[str, Decimal], ...] = ()

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


def fee_lines(f: CaseFigures) -> list[tuple[str, Decimal]]:
    """(label, amount) per fee head the bank booked, or one `费用` line for the total fees."""
    if f.fee_heads:
        booked = sum((amount for _, amount in f.fee_heads), Decimal(0))
        if booked != f.fees:
            raise DuecourseError(
                f"case {f.case.id}: fee heads add up to {booked}, not the fees of {f.fees}"
            )
        return list(f.fee_heads)
    return [(FEES_LABEL, f.fees)]


def letter_deadline(letter_date: date, ctx: LetterContext, kind: str) -> tuple[date, str]:
    """(deadline, calendar warning or ""): letter date + transit + the bank's days, moved to a
    working day (Civil Code Arts. 201, 203); the latest possible date in an undeclared year."""
    settings = getattr(ctx.bank.letters, kind)
    days = ctx.bank.mail_transit_days + settings.deadline_days
    try:
        end = period_end(letter_date, days, PeriodUnit.DAYS, ctx.calendar)
    except (ValueError, OverflowError):
        raise InputError(
            f"--as-of: a deadline {days} days after {letter_date} is past 9999-12-31"
        ) from None
    return end.latest, end.calendar_warning or ""


def _due_date(f: CaseFigures) -> date:
    return f.account.due_date or f.amounts_as_of - timedelta(days=f.days_past_due)


def collection_letter(f: CaseFigures, as_of: date, ctx: LetterContext) -> dict[str, Any]:
    if not f.customer.address:
        raise DuecourseError(f"case {f.case.id}: the customer has no billing address to mail to")
    deadline, warning = letter_deadline(as_of, ctx, "collection_letter")
    cure = ctx.bank.letters.collection_letter.cure
    cure_amount = min(f.minimum_due, f.total) if cure is CureRule.MINIMUM_DUE else f.total
    return {
        "letter_date": as_of,
        "amounts_as_of": f.amounts_as_of,
        "debtor_name": f.customer.name,
        "address": f.customer.address,
        "card": f.account.card_number or "",
        "due_date": _due_date(f),
        "days_past_due": f.days_past_due,
        # more than one billing cycle past due: no "本期" bill or minimum to speak of
        "current_cycle": f.days_past_due <= ctx.bank.billing_cycle_days,
        "principal": f.principal,
        "interest": f.interest,
        "fee_lines": fee_lines(f),
        "total": f.total,
        "minimum_due": f.minimum_due,
        "cure": cure.value,
        "cure_amount": cure_amount,
        "deadline": deadline,
        "calendar_warning": warning,
        "bank": ctx.bank.template_map(),
    }


def reminder_sms(f: CaseFigures, as_of: date, ctx: LetterContext) -> dict[str, Any]:
    return {
        "debtor_name": f.customer.name,
        "card": f.account.card_number or "",
        "total": f.total,
        "as_of": f.amounts_as_of,
        "bank": ctx.bank.template_map(),
    }


def reminder_email(f: CaseFigures, as_of: date, ctx: LetterContext) -> dict[str, Any]:
    return {
        "debtor_name": f.customer.name,
        "card": f.account.card_number or "",
        "principal": f.principal,
        "interest": f.interest,
        "fees": f.fees,
        "total": f.total,
        "due_date": _due_date(f),
        "days_past_due": f.days_past_due,
        "as_of": f.amounts_as_of,
        "bank": ctx.bank.template_map(),
    }


def _predue_due_date(f: CaseFigures, as_of: date) -> date:
    """The coming due date; an overdue account, or one whose due date has passed, is refused."""
    if f.days_past_due > 0:
        raise DuecourseError(
            f"case {f.case.id} is {f.days_past_due} days past due: a pre-due reminder would be "
            "untrue (use reminder_sms or reminder_email)"
        )
    due = f.account.due_date
    if due is None or due < as_of:
        known = f"its due date {due} has passed" if due else "no due date is known"
        raise DuecourseError(f"case {f.case.id}: {known}, so a pre-due reminder cannot name one")
    return due


def predue_sms(f: CaseFigures, as_of: date, ctx: LetterContext) -> dict[str, Any]:
    return {
        "debtor_name": f.customer.name,
        "card": f.account.card_number or "",
        "due_date": _predue_due_date(f, as_of),
        "minimum_due": f.minimum_due,
        "bank": ctx.bank.template_map(),
    }


def predue_email(f: CaseFigures, as_of: date, ctx: LetterContext) -> dict[str, Any]:
    return {
        "debtor_name": f.customer.name,
        "card": f.account.card_number or "",
        "due_date": _predue_due_date(f, as_of),
        "minimum_due": f.minimum_due,
        "total": f.total,
        "as_of": f.amounts_as_of,
        "bank": ctx.bank.template_map(),
    }


def contact_request_sms(f: CaseFigures, as_of: date, ctx: LetterContext) -> dict[str, Any]:
    """For the debtor's emergency contact: the debtor's name and the bank, nothing of the debt."""
    return {"debtor_name": f.customer.name, "bank": ctx.bank.template_map()}


def repayment_agreement(f: CaseFigures, as_of: date, ctx: LetterContext) -> dict[str, Any]:
    """Never built on its own: an agreement states its plan and is rendered with the plan's
    approval, in that transaction (tasks/negotiation/agreement.py)."""
    raise DuecourseError(
        f"case {f.case.id}: a repayment agreement is rendered when its plan is approved "
        "(duecourse review approve); --as-of the approval day reprints a stored one"
    )


Builder = Callable[[CaseFigures, date, LetterContext], dict[str, Any]]
BUILDERS: dict[str, Builder] = {
    "collection_letter": collection_letter,
    "reminder_sms": reminder_sms,
    "reminder_email": reminder_email,
    "predue_sms": predue_sms,
    "predue_email": predue_email,
    "contact_request_sms": contact_request_sms,
    "repayment_agreement": repayment_agreement,
}


def build_data(
    session: Session, kind: str, case_ids: Sequence[int], as_of: date, ctx: LetterContext
) -> dict[int, dict[str, Any]]:
    """Each case's data for `kind` as of `as_of` (without the number, which the store assigns)."""
    if kind in ("lawyer_letter", "lawyer_letter_draft"):  # the firm's letter: its placement
        from tasks.law_firms.letter_data import build_lawyer_letters

        return build_lawyer_letters(session, kind, case_ids, as_of, ctx)
    builder = BUILDERS.get(kind)
    if builder is None:
        # court filings read more than the figures (demands, the court, fees): tasks/legal_data
        from tasks.legal_data import LEGAL_BUILDERS, build_legal_data

        if kind in LEGAL_BUILDERS:
            return build_legal_data(session, kind, case_ids, as_of, ctx)
        raise NotFoundError(f"no data builder for document kind {kind!r}")
    figures = read_figures(session, case_ids, as_of)
    return {case_id: builder(figures[case_id], as_of, ctx) for case_id in case_ids}
