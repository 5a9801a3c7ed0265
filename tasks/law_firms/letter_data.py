"""The data of a lawyer's letter (律师函): the firm's letterhead and signing lawyer, the client
bank, the debtor, the debt as of a date, and the payment deadline.

The letter is the firm's (律师法 Art. 25: the firm takes the engagement), so the final letter
(`lawyer_letter`) names the firm the case is placed with and the lawyer the placement keeps; a
case with no open placement has no final letter. The draft (`lawyer_letter_draft`, shown with
the review) names the open placement's firm, else the firm the case would be placed with
(the least loaded one with room: rules/law_firms.py `choose_firm`).

The payment deadline is counted on the working calendar: the letter date plus the mail's transit
days (bank.yaml), then `deadline_working_days` working days (law_firms.yaml), Civil Code Arts.
201, 203; in a year whose make-up days are not declared yet the latest possible day is used (the
deadline protects the debtor) and the calendar's warning is kept with the data.

The consequences stated are only the lawful ones: the bank may sue (CPL 2023 Art. 122), apply for
a payment order (CPL Art. 225), and reports overdue information to the credit reference system
per its rules (征信业管理条例 Art. 15). Nothing criminal, nothing a court has decided
(documents/check.py refuses such words in these templates).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from rules.errors import DuecourseError, InputError
from rules.law_firms import LawFirm, LawFirmPanel, Lawyer
from rules.periods import PeriodUnit, period_end
from tasks.law_firms.panel import load_panel
from tasks.law_firms.placement import firm_for, firm_loads, open_placement
from tasks.letter_data import CaseFigures, LetterContext, fee_lines, read_figures

FINAL = "lawyer_letter"
DRAFT = "lawyer_letter_draft"
KINDS = (FINAL, DRAFT)
DRAFT_NUMBER = "草稿（定稿时编号）"  # a draft has no number of its own: the final letter gets one


def lawyer_letter_deadline(
    letter_date: date, ctx: LetterContext, panel: LawFirmPanel
) -> tuple[date, str]:
    """(deadline, calendar warning or ""): see the module's doc."""
    arrival = letter_date + timedelta(days=ctx.bank.mail_transit_days)
    days = panel.lawyer_letter.deadline_working_days
    try:
        end = period_end(arrival, days, PeriodUnit.WORKING_DAYS, ctx.calendar)
    except (ValueError, OverflowError):
        raise InputError(f"--as-of: a deadline after {letter_date} is past 9999-12-31") from None
    return end.latest, end.calendar_warning or ""


def signer(
    session: Session, panel: LawFirmPanel, case_id: int, *, draft: bool
) -> tuple[LawFirm, Lawyer]:
    """The firm and lawyer a case's letter is signed by (see the module's doc)."""
    placement = open_placement(session, case_id)
    if placement is None:
        if not draft:
            raise DuecourseError(
                f"case {case_id} is not placed with a law firm: a lawyer's letter is the "
                "firm's (duecourse legal place)"
            )
        firm = firm_for(panel, firm_loads(session), None)
        lawyer = firm.signing_lawyer
        assert lawyer is not None  # firm_for takes only firms with an active lawyer
        return firm, lawyer
    placed = panel.firm(placement.firm_id)
    lawyer = placed.lawyer(placement.lawyer_licence) if placed is not None else None
    if placed is None or lawyer is None:
        raise DuecourseError(
            f"case {case_id} is placed with {placement.firm_id} (lawyer licence "
            f"{placement.lawyer_licence}), which law_firms.yaml no longer lists"
        )
    return placed, lawyer


def _due_date(f: CaseFigures) -> date:
    return f.account.due_date or f.amounts_as_of - timedelta(days=f.days_past_due)


def letter_fields(
    f: CaseFigures, as_of: date, ctx: LetterContext, panel: LawFirmPanel,
    firm: LawFirm, lawyer: Lawyer, *, draft: bool,
) -> dict[str, Any]:  # fmt: skip
    if not f.customer.address:
        raise DuecourseError(f"case {f.case.id}: the customer has no billing address to mail to")
    deadline, warning = lawyer_letter_deadline(as_of, ctx, panel)
    data: dict[str, Any] = {
        "draft": draft,
        "letter_date": as_of,
        "amounts_as_of": f.amounts_as_of,
        "firm": {
            "id": firm.id,
            "name": firm.name,
            "address": firm.address,
            "phone": firm.phone,
            "demo": firm.demo,
        },
        "lawyer_name": lawyer.name,
        "lawyer_licence": lawyer.licence,
        "debtor_name": f.customer.name,
        "address": f.customer.address,
        "card": f.account.card_number or "",
        "due_date": _due_date(f),
        "days_past_due": f.days_past_due,
        "principal": f.principal,
        "interest": f.interest,
        "fee_lines": fee_lines(f),
        "total": f.total,
        "deadline": deadline,
        "calendar_warning": warning,
        "bank": ctx.bank.template_map(),
    }
    if draft:
        data["number"] = DRAFT_NUMBER
    return data


def build_lawyer_letters(
    session: Session, kind: str, case_ids: Sequence[int], as_of: date, ctx: LetterContext
) -> dict[int, dict[str, Any]]:
    """Each case's lawyer's letter data (the final's number is assigned by the store)."""
    draft = kind == DRAFT
    panel = load_panel(ctx.policy_dir)  # None: the policy folder in use
    figures = read_figures(session, case_ids, as_of)
    out: dict[int, dict[str, Any]] = {}
    for case_id in case_ids:
        firm, lawyer = signer(session, panel, case_id, draft=draft)
        out[case_id] = letter_fields(figures[case_id], as_of, ctx, panel, firm, lawyer, draft=draft)
    return out
