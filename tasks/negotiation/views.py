"""The case file's view of promises and disputes (`promises`, `disputes` with their evidence):
JSON-safe, free text masked. Kept apart from the modules that record them, which read cases
through tasks/case_file.py (that reads these)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models import Dispute, Promise
from rules.masking import scrub_text
from tasks.negotiation.evidence import evidence_for_disputes


def promise_dict(p: Promise) -> dict[str, Any]:
    """A promise as the case file and `ptp --json` show it."""
    return {
        "id": p.id,
        "case_id": p.case_id,
        "amount": p.amount,
        "made_on": p.made_on,
        "due_on": p.due_on,
        "channel": p.channel,
        "contact_id": p.contact_id,
        "status": p.status,
        "paid": p.paid,
        "closed_on": p.closed_on,
        "note": scrub_text(p.note) if p.note else None,
        "actor": p.actor,
    }


def promises_for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case file's `promises`: newest first."""
    rows = session.exec(
        select(Promise).where(Promise.case_id == case_id).order_by(col(Promise.id).desc())
    ).all()
    return [promise_dict(p) for p in rows]


def dispute_dict(d: Dispute, evidence: list[dict[str, Any]]) -> dict[str, Any]:
    """A dispute as the case file and `dispute --json` show it."""
    return {
        "id": d.id,
        "case_id": d.case_id,
        "kind": d.kind,
        "status": d.status,
        "opened_on": d.opened_on,
        "note": scrub_text(d.note),
        "review_id": d.review_id,
        "resolved_on": d.resolved_on,
        "resolved_by": d.resolved_by,
        "resolution": scrub_text(d.resolution) if d.resolution else None,
        "actor": d.actor,
        "evidence": evidence,
    }


def disputes_for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case file's `disputes`, newest first, each with its evidence (file name, sha256,
    document id)."""
    rows = session.exec(
        select(Dispute).where(Dispute.case_id == case_id).order_by(col(Dispute.id).desc())
    ).all()
    evidence = evidence_for_disputes(session, case_id)
    return [dispute_dict(d, evidence.get(d.id or 0, [])) for d in rows]
