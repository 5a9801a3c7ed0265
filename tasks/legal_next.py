"""The next legal step of a case, from the store: the facts rules/next_step.py and
rules/payment_order.py decide on, read in a handful of queries.

- The lawyer's letter: the latest stored document of kind `lawyer_letter` (its data's `deadline`).
- Unpaid: no payment recorded after the letter's date.
- No plan (proposed or current), no open promise, no open dispute (the negotiation tables).
- The debtor's whereabouts are known when some contact reached them (a delivered letter or
  message, or a call or visit that was a conversation); servable without public notice when an
  address is on file and the latest registered letter to it was not returned (退件).
- Pre-suit preservation: a `preservation_applied` event on the case's timeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import CardAccount, Case, Contact, Customer, Document, Payment, TimelineEvent
from models.dispute import Dispute
from models.plan import RepaymentPlan
from models.promise import Promise
from rules import events
from rules.enums import (
    CallOutcome,
    Channel,
    ContactStatus,
    DisputeStatus,
    PlanStatus,
    PromiseStatus,
)
from rules.errors import NotFoundError
from rules.jurisdiction import in_mainland
from rules.next_step import LetterState, NextStepAnswer, next_legal_step
from rules.payment_order import PaymentOrderFacts

LAWYER_LETTER = "lawyer_letter"
_CONVERSATIONS = [o for o in CallOutcome if o.is_conversation]


@dataclass(frozen=True)
class CaseLegalFacts:
    case: Case
    customer: Customer
    account: CardAccount
    letter: LetterState
    facts: PaymentOrderFacts
    letter_number: str | None


def _letter(session: Session, case_id: int) -> tuple[date | None, date | None, str | None]:
    """(letter date, its deadline, its number) of the case's latest lawyer's letter."""
    doc = session.exec(
        select(Document)
        .where(Document.case_id == case_id, Document.kind == LAWYER_LETTER)
        .order_by(col(Document.as_of).desc(), col(Document.id).desc())
    ).first()
    if doc is None:
        return None, None, None
    raw = json.loads(doc.data).get("deadline")
    deadline = date.fromisoformat(raw) if isinstance(raw, str) else None
    return doc.as_of, deadline, doc.number


def _count(session: Session, query: sa.Select[tuple[int]]) -> int:
    return int(session.execute(query).scalar_one())


def _letter_state(session: Session, case_id: int) -> tuple[LetterState, str | None, int]:
    letter_on, deadline, number = _letter(session, case_id)
    paid = 0
    if letter_on is not None:
        paid = _count(
            session,
            sa.select(sa.func.count())
            .select_from(Payment)
            .where(col(Payment.case_id) == case_id, col(Payment.paid_on) > letter_on),
        )
    plans = _count(
        session,
        sa.select(sa.func.count())
        .select_from(RepaymentPlan)
        .where(
            col(RepaymentPlan.case_id) == case_id,
            col(RepaymentPlan.status).in_([PlanStatus.PROPOSED, PlanStatus.CURRENT]),
        ),
    )
    promises = _count(
        session,
        sa.select(sa.func.count())
        .select_from(Promise)
        .where(col(Promise.case_id) == case_id, col(Promise.status) == PromiseStatus.OPEN),
    )
    disputes = _count(
        session,
        sa.select(sa.func.count())
        .select_from(Dispute)
        .where(col(Dispute.case_id) == case_id, col(Dispute.status) == DisputeStatus.OPEN),
    )
    state = LetterState(deadline, paid > 0, plans > 0, promises > 0, disputes)
    return state, number, disputes


def _reached(session: Session, case_id: int) -> bool:
    reached = session.exec(
        select(Contact.id).where(
            Contact.case_id == case_id,
            sa.or_(
                col(Contact.status) == ContactStatus.DELIVERED,
                col(Contact.outcome).in_(_CONVERSATIONS),
            ),
        )
    ).first()
    return reached is not None


def _last_letter_returned(session: Session, case_id: int) -> bool:
    last = session.exec(
        select(Contact.status)
        .where(
            Contact.case_id == case_id,
            Contact.channel == Channel.MAIL,
            col(Contact.status).in_([ContactStatus.DELIVERED, ContactStatus.RETURNED]),
        )
        .order_by(col(Contact.at).desc(), col(Contact.id).desc())
    ).first()
    return last == ContactStatus.RETURNED


def _preservation(session: Session, case_id: int) -> bool:
    row = session.exec(
        select(TimelineEvent.id).where(
            TimelineEvent.case_id == case_id,
            TimelineEvent.event == events.PRESERVATION_APPLIED,
        )
    ).first()
    return row is not None


def case_legal_facts(session: Session, case_id: int) -> CaseLegalFacts:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"no case with id {case_id}")
    customer = session.get(Customer, case.customer_id)
    account = session.get(CardAccount, case.account_id)
    if customer is None or account is None:
        raise NotFoundError(f"case {case_id}: its account or customer is missing")
    letter, number, disputes = _letter_state(session, case_id)
    facts = PaymentOrderFacts(
        claim=account.balance,
        money_claim=True,  # a card debt is a claim for money (CPL Art. 225)
        days_past_due=account.days_past_due,
        open_disputes=disputes,
        province_in_china=in_mainland(customer.province),
        whereabouts_known=_reached(session, case_id),
        address_on_file=bool((customer.address or "").strip()),
        last_letter_returned=_last_letter_returned(session, case_id),
        preservation_applied=_preservation(session, case_id),
    )
    return CaseLegalFacts(case, customer, account, letter, facts, number)


def next_step_for_case(session: Session, case_id: int, as_of: date) -> NextStepAnswer:
    """The next legal step for a case as of a day (rules/next_step.py)."""
    f = case_legal_facts(session, case_id)
    return next_legal_step(f.letter, f.facts, as_of)
