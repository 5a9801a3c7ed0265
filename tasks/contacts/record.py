"""Writing and reading contact records: their keys, the timeline events they write, and the case
file's view of them (masked, times in Asia/Shanghai).

Keys are deterministic so a retry finds its row instead of contacting twice:
a dispatched contact is `case|step|channel|as-of` (the action line it carries out, whatever the
policy version), a logged call or visit `case|log|channel|<UTC time>`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models import Contact, Document, TimelineEvent
from rules.enums import Channel
from tasks.clock import shanghai_time


def contact_key(case_id: int, step: str, channel: Channel, as_of: date) -> str:
    """The key of the contact that carries out a planned action line."""
    return f"{case_id}|{step}|{channel.value}|{as_of.isoformat()}"


def log_key(case_id: int, channel: Channel, at: datetime) -> str:
    """The key of a logged call or visit: the same case, channel and minute is the same contact
    (logging it twice records it once)."""
    moment = at.astimezone(UTC).replace(second=0, microsecond=0)
    return f"{case_id}|log|{channel.value}|{moment.isoformat(timespec='minutes')}"


def add_event(
    session: Session, *, case_id: int, event: str, as_of: date, detail: str, actor: str = "system"
) -> None:
    """One timeline line (event names from rules/events.py; detail already masked)."""
    session.add(
        TimelineEvent(case_id=case_id, as_of=as_of, event=event, detail=detail, actor=actor)
    )


def contact_dict(contact: Contact, document_number: str | None = None) -> dict[str, Any]:
    """A contact as the case file shows it: `to` masked already, `at` with its +08:00 offset."""
    proof: dict[str, Any] = {}
    if contact.proof_ref:
        proof["ref"] = contact.proof_ref
    if document_number:
        proof["letter_number"] = document_number
    if contact.tracking_number:
        proof["tracking_number"] = contact.tracking_number
    if contact.delivered_on:
        proof["delivered_on"] = contact.delivered_on
    return {
        "id": contact.id,
        "at": shanghai_time(contact.at),
        "as_of": contact.as_of,
        "channel": contact.channel,
        "direction": contact.direction,
        "party": contact.party,
        "to": contact.to_masked,
        "template": contact.template,
        "template_version": contact.template_version,
        "status": contact.status,
        "outcome": contact.outcome,
        "demand": contact.demand,
        "proof": proof,
        "reason": contact.reason,
        "conduct": contact.conduct,
        "actor": contact.actor,
        "note": contact.note,
    }


def case_contacts(session: Session, case_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    """A case's latest contacts, newest first."""
    rows = session.exec(
        select(Contact, Document.number)
        .join(Document, col(Document.id) == Contact.document_id, isouter=True)
        .where(Contact.case_id == case_id)
        .order_by(col(Contact.at).desc(), col(Contact.id).desc())
        .limit(limit)
    ).all()
    return [contact_dict(c, number) for c, number in rows]
