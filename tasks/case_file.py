"""Reading cases for people: the case list and the case file (masked personal data)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from models import BalanceSnapshot, CardAccount, Case, ContactPoint, Customer, TimelineEvent
from rules.calendar import BusinessCalendar
from rules.enums import RISK_ORDER, Bucket, CaseStatus, ContactRelation, Stage, risk_rank
from rules.errors import NotFoundError
from rules.masking import (
    mask_address,
    mask_card,
    mask_email,
    mask_id_number,
    mask_phone,
    scrub_text,
)
from tasks.bulk import MAX_ROW_ID
from tasks.clock import shanghai_time
from tasks.contacts.record import case_contacts
from tasks.documents import case_documents
from tasks.law_firms.views import placements_for_case
from tasks.limitation import case_readiness, limitation_section
from tasks.milestones import cycle_actions_for_case, milestones_for_case, reviews_for_case
from tasks.negotiation.plan_views import plans_for_case
from tasks.negotiation.views import disputes_for_case, promises_for_case
from tasks.payments.views import case_payments


def find_case(session: Session, ref: str) -> Case:
    """A case by its numeric id, or by account id (the open case, else the latest)."""
    ref = ref.strip()
    case: Case | None = None
    # a case id is a plain number; '0042' or one beyond an id can only be an account id
    if ref.isascii() and ref.isdigit() and ref[0] != "0" and int(ref) <= MAX_ROW_ID:
        case = session.get(Case, int(ref))
    if case is None:
        case = session.exec(
            select(Case)
            .where(Case.account_id == ref)
            .order_by(col(Case.status) == CaseStatus.CLOSED, col(Case.id).desc())
        ).first()
    if case is None:
        raise NotFoundError(f"no case with id or account {ref!r}")
    return case


def list_cases(
    session: Session,
    *,
    stage: Stage | None = None,
    owner: str | None = None,
    bucket: Bucket | None = None,
    status: CaseStatus | None = CaseStatus.OPEN,
    limit: int = 100,
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, first `limit` cases) ordered by risk (high first), then DPD, then id."""
    conditions: list[Any] = []
    if stage is not None:
        conditions.append(Case.stage == stage)
    if owner is not None:
        conditions.append(Case.owner == owner)
    if bucket is not None:
        conditions.append(Case.bucket == bucket)
    if status is not None:
        conditions.append(Case.status == status)
    total = session.exec(select(func.count()).select_from(Case).where(*conditions)).one()
    risk_order = sa.case(
        {tier.value: risk_rank(tier) for tier in RISK_ORDER},
        value=col(Case.risk_tier),
        else_=risk_rank(None),
    )
    rows = session.exec(
        select(Case, CardAccount, Customer.name)
        .join(CardAccount, col(CardAccount.id) == col(Case.account_id))
        .join(Customer, col(Customer.id) == col(Case.customer_id))
        .where(*conditions)
        .order_by(risk_order, col(CardAccount.days_past_due).desc(), col(Case.id))
        .limit(min(limit, MAX_ROW_ID))  # a larger number would overflow the driver
    ).all()
    items = [
        {
            "id": case.id,
            "account_id": case.account_id,
            "name": name,
            "status": case.status,
            "bucket": case.bucket,
            "stage": case.stage,
            "risk": case.risk_tier,
            "owner": case.owner,
            "dpd": account.days_past_due,
            "balance": account.balance,
            "opened_on": case.opened_on,
            "missing_since": case.missing_since,
        }
        for case, account, name in rows
    ]
    return int(total), items


def _debtor(session: Session, customer: Customer) -> dict[str, Any]:
    emergency = session.exec(
        select(ContactPoint).where(
            ContactPoint.customer_id == customer.id,
            ContactPoint.relation == ContactRelation.EMERGENCY,
        )
    ).all()
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "id_number": mask_id_number(customer.id_number),
        "phone": mask_phone(customer.phone),
        "email": mask_email(customer.email),
        "address": mask_address(customer.address),
        "province": customer.province,
        "emergency_contacts": [
            {"name": c.contact_name, "phone": mask_phone(c.value), "valid": c.valid}
            for c in emergency
        ],
    }


def _account(account: CardAccount) -> dict[str, Any]:
    return {
        "account_id": account.id,
        "card_number": mask_card(account.card_number),
        "credit_limit": account.credit_limit,
        "principal": account.principal,
        "interest": account.interest,
        "fees": account.fees,
        "balance": account.balance,
        "minimum_due": account.minimum_due,
        "due_date": account.due_date,
        "days_past_due": account.days_past_due,
        "last_payment_date": account.last_payment_date,
        "last_payment_amount": account.last_payment_amount,
        "as_of": account.last_as_of,
    }


def _balances(session: Session, account_id: str, limit: int) -> list[dict[str, Any]]:
    snaps = session.exec(
        select(BalanceSnapshot)
        .where(BalanceSnapshot.account_id == account_id)
        .order_by(col(BalanceSnapshot.as_of).desc())
        .limit(limit)
    ).all()
    return [
        {
            "as_of": s.as_of,
            "principal": s.principal,
            "interest": s.interest,
            "fees": s.fees,
            "balance": s.principal + s.interest + s.fees,
            "minimum_due": s.minimum_due,
            "days_past_due": s.days_past_due,
            "bucket": s.bucket,
        }
        for s in snaps
    ]


def _timeline(session: Session, case: Case) -> list[dict[str, Any]]:
    events = session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.case_id == case.id)
        .order_by(col(TimelineEvent.as_of), col(TimelineEvent.id))
    ).all()
    opened = {
        "at": None,
        "as_of": case.opened_on,
        "event": "opened",
        "detail": f"case opened for account {case.account_id}",
        "actor": "intake",
    }
    return [opened] + [
        {
            "at": _shanghai(e.at),
            "as_of": e.as_of,
            "event": e.event,
            "detail": scrub_text(e.detail),  # free text (reasons, comments): masked
            "actor": e.actor,
        }
        for e in events
    ]


def _shanghai(moment: datetime | str | None) -> datetime | None:
    """A stored UTC moment (a datetime, or the ISO text other readers give) as people read it:
    Asia/Shanghai, with its +08:00 offset in JSON too."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return shanghai_time(moment)


def _times_in_shanghai(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [{**item, key: _shanghai(item.get(key))} for item in items]


def build_case_file(
    session: Session,
    ref: str,
    *,
    history: int = 90,
    calendar: BusinessCalendar | None = None,
    legal_view: bool = False,
) -> dict[str, Any]:
    """The case file as a JSON-safe dict; personal data masked; times in Asia/Shanghai. The
    limitation clock is counted on `calendar` (default: the policy folder's); `legal_view`
    adds the effective-demand evidence readiness, which only the legal role sees."""
    case = find_case(session, ref)
    assert case.id is not None
    account = session.get(CardAccount, case.account_id)
    customer = session.get(Customer, case.customer_id)
    if account is None or customer is None:
        raise NotFoundError(f"case {case.id}: its account or customer is missing")
    balances = _balances(session, case.account_id, history)
    data: dict[str, Any] = {
        "id": case.id,
        "account_id": case.account_id,
        "status": case.status,
        "bucket": case.bucket,
        "stage": case.stage,
        "risk": case.risk_tier,
        "risk_reasons": json.loads(case.risk_reasons) if case.risk_reasons else [],
        "owner": case.owner,
        "opened_on": case.opened_on,
        "stage_entered_on": case.stage_entered_on,
        "closed_on": case.closed_on,
        "outcome": case.outcome,
        "missing_since": case.missing_since,
        "version": case.version,
        "debtor": _debtor(session, customer),
        "account": _account(account),
        "balances": balances,
        "milestones": milestones_for_case(session, case.id),
        "contacts": case_contacts(session, case.id),
        "documents": _times_in_shanghai(case_documents(session, case.id), "rendered_at"),
        "promises": promises_for_case(session, case.id),  # newest first
        "disputes": disputes_for_case(session, case.id),  # newest first, with evidence
        "plans": plans_for_case(session, case.id),  # newest first: schedule, paid, agreement
        "payments": case_payments(session, case.id),  # newest first, with allocation
        "placements": placements_for_case(session, case.id),  # law firms, newest first
        "reviews": _times_in_shanghai(reviews_for_case(session, case.id), "decided_at"),
        "actions": cycle_actions_for_case(session, case.id, limit=50),
        "timeline": _timeline(session, case),
    }
    data["limitation"] = limitation_section(session, case, calendar)  # Civil Code Arts. 188, 195
    if legal_view:
        data["demand_readiness"] = case_readiness(session, case).as_dict()
    if balances:  # the figures are those of the latest snapshot, even when unchanged since
        data["account"]["as_of"] = balances[0]["as_of"]
    return data
