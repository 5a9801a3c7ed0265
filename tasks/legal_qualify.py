"""Why a case qualifies for a lawyer's letter, shown to the reviewer (`review show`, its JSON).

Going legal needs proof and a balance worth a lawyer (issue 19 item 2; the ladder's
`lawyer_letter` entry): at least one written demand delivered to the cardholder, with its proof
(a delivered letter's number, the post's tracking number and delivery date: a delivered demand
interrupts the limitation period, Civil Code Art. 195; SPC bank-card rules 2021 Art. 3), a
balance at or above the policy's floor (the entry's `min_balance`, read from the policy, never a
number of its own) and the DPD the entry asks. Each is listed with whether it holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from models import CardAccount, Case, Contact, Document
from rules.enums import ContactStatus, ReviewKind, Stage
from rules.errors import NotFoundError
from rules.policy import Policy


def delivered_demands(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case's written demands delivered to the cardholder, oldest first, with their proof."""
    rows = session.exec(
        select(Contact, Document.number)
        .join(Document, col(Document.id) == col(Contact.document_id), isouter=True)
        .where(
            Contact.case_id == case_id,
            col(Contact.demand).is_(True),
            Contact.status == ContactStatus.DELIVERED,
        )
        .order_by(col(Contact.delivered_on), col(Contact.id))
    ).all()
    return [
        {
            "contact_id": c.id,
            "channel": c.channel,
            "template": c.template,
            "sent_on": c.as_of,
            "delivered_on": c.delivered_on,
            "letter_number": number or c.proof_ref,
            "tracking_number": c.tracking_number,
        }
        for c, number in rows
    ]


def qualification(session: Session, case_id: int, policy: Policy) -> dict[str, Any]:
    """The lawyer's-letter entry's proof for one case: demands, balance against the floor, DPD,
    and `qualifies` (all hold)."""
    case = session.get(Case, case_id)
    account = session.get(CardAccount, case.account_id) if case is not None else None
    if case is None or account is None:
        raise NotFoundError(f"no case with id {case_id}")
    entry = (
        policy.stage_def(Stage.LAWYER_LETTER).entry
        if policy.has_stage(Stage.LAWYER_LETTER)
        else None
    )
    floor: Decimal | None = entry.min_balance if entry is not None else None
    min_dpd = entry.min_dpd if entry is not None else None
    demands = delivered_demands(session, case_id)
    balance = account.balance
    checks = {
        "delivered_demand": bool(demands),
        "balance_at_floor": floor is None or balance >= floor,
        "dpd": min_dpd is None or account.days_past_due >= min_dpd,
    }
    return {
        "qualifies": all(checks.values()),
        "checks": checks,
        "delivered_demands": demands,
        "balance": balance,
        "balance_floor": floor,
        "dpd": account.days_past_due,
        "min_dpd": min_dpd,
    }


def review_qualifies(
    session: Session, review: dict[str, Any], policy: Policy
) -> dict[str, Any] | None:
    """`qualification` for a review of the move to lawyer_letter (`review show`); None for
    any other review."""
    if review.get("kind") != ReviewKind.STAGE or review.get("target_stage") != Stage.LAWYER_LETTER:
        return None
    return qualification(session, int(review["case_id"]), policy)
