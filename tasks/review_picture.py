"""The reviewer's whole picture (issue 19 item 7): what a lawyer needs to decide a review.

`review_picture` adds to `tasks.reviews.show_review`'s item: the balance and its history (the
balance snapshots), DPD, the contacts and the delivered demands with their proof, promises,
plans, disputes, the case's documents (numbers, paths, hashes), the draft documents of the step
under review, the payment-order preconditions for a legal step, and the deadlines the decision is
under: the review's own milestone and the earliest open statutory milestone (the same two as the
queue's, tasks/review_queue.py), and the limitation clock (tasks/limitation.py, when installed;
else the key is left out). Personal data stays masked: contacts carry masked recipients,
free text is scrubbed, documents are listed by number and path, never by their content.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from models import BalanceSnapshot, CardAccount, Case, Milestone
from models.dispute import Dispute
from models.plan import RepaymentPlan
from models.promise import Promise
from rules.enums import MilestoneStatus, Stage
from rules.masking import scrub_text
from rules.payment_order import check_preconditions
from tasks.contacts.record import case_contacts
from tasks.documents import case_documents
from tasks.legal_data import delivered_demands
from tasks.legal_next import case_legal_facts
from tasks.reviews import show_review

# The documents drafted for the step a review decides (its target stage).
STEP_DRAFTS: dict[Stage, tuple[str, ...]] = {
    Stage.LAWYER_LETTER: ("lawyer_letter_draft", "lawyer_letter"),  # tasks/law_firms/letters.py
    Stage.PAYMENT_ORDER: ("payment_order_application", "evidence_list"),
    Stage.LITIGATION: ("civil_complaint", "evidence_list", "preservation_application"),
    Stage.ENFORCEMENT: ("enforcement_application",),
}
LEGAL_STEPS = (Stage.PAYMENT_ORDER, Stage.LITIGATION)
HISTORY = 90


def _balance_history(session: Session, account_id: str) -> list[dict[str, Any]]:
    snaps = session.exec(
        select(BalanceSnapshot)
        .where(BalanceSnapshot.account_id == account_id)
        .order_by(col(BalanceSnapshot.as_of).desc())
        .limit(HISTORY)
    ).all()
    return [
        {"as_of": s.as_of, "principal": s.principal, "interest": s.interest, "fees": s.fees,
         "balance": s.principal + s.interest + s.fees, "days_past_due": s.days_past_due}
        for s in snaps
    ]  # fmt: skip


def _balance(account: CardAccount) -> dict[str, Any]:
    return {
        "principal": account.principal,
        "interest": account.interest,
        "fees": account.fees,
        "total": account.balance,
        "minimum_due": account.minimum_due,
        "due_date": account.due_date,
        "days_past_due": account.days_past_due,
        "as_of": account.last_as_of,
    }


def _negotiation(session: Session, case_id: int) -> dict[str, list[dict[str, Any]]]:
    promises = session.exec(
        select(Promise).where(Promise.case_id == case_id).order_by(col(Promise.made_on).desc())
    ).all()
    plans = session.exec(
        select(RepaymentPlan)
        .where(RepaymentPlan.case_id == case_id)
        .order_by(col(RepaymentPlan.proposed_on).desc())
    ).all()
    disputes = session.exec(
        select(Dispute).where(Dispute.case_id == case_id).order_by(col(Dispute.opened_on).desc())
    ).all()
    return {
        "promises": [
            {"id": p.id, "amount": p.amount, "made_on": p.made_on, "due_on": p.due_on,
             "status": p.status, "paid": p.paid, "closed_on": p.closed_on}
            for p in promises
        ],
        "plans": [
            {"id": p.id, "kind": p.kind, "status": p.status, "total": p.total,
             "months": p.months, "first_due": p.first_due, "proposed_by": p.proposed_by,
             "decided_by": p.decided_by, "ended_on": p.ended_on}
            for p in plans
        ],
        "disputes": [
            {"id": d.id, "kind": d.kind, "status": d.status, "opened_on": d.opened_on,
             "note": scrub_text(d.note), "resolved_on": d.resolved_on,
             "resolution": scrub_text(d.resolution) if d.resolution else None}
            for d in disputes
        ],
    }  # fmt: skip


def _milestone(m: Milestone | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "id": m.id, "kind": m.kind, "stage": m.stage, "due": m.due, "due_latest": m.due_latest,
        "rule": m.rule, "statutory": m.rule is not None,
    }  # fmt: skip


def deadlines(session: Session, item: dict[str, Any]) -> dict[str, Any]:
    """The review's own milestone (opened with it, for its target stage), the earliest open
    statutory milestone of its case, and the earlier of the two (`under`)."""
    open_ms = session.exec(
        select(Milestone).where(
            Milestone.case_id == item["case_id"], Milestone.status == MilestoneStatus.OPEN
        )
    ).all()
    key = lambda m: (m.due, m.id or 0)  # noqa: E731
    own = [m for m in open_ms
           if m.stage == item["target_stage"] and m.entry_on == item["opened_on"]]  # fmt: skip
    statutory = [m for m in open_ms if m.rule is not None]
    first_own = min(own, key=key) if own else None
    first_statutory = min(statutory, key=key) if statutory else None
    both = [m for m in (first_own, first_statutory) if m is not None]
    return {
        "review": _milestone(first_own),
        "statutory": _milestone(first_statutory),
        "under": _milestone(min(both, key=key) if both else None),
    }


def _drafts(documents: list[dict[str, Any]], target: Stage | None, opened_on: date) -> list[Any]:
    kinds = STEP_DRAFTS.get(target, ()) if target is not None else ()
    return [
        d for d in documents
        if d["kind"] in kinds and date.fromisoformat(d["as_of"]) >= opened_on
    ]  # fmt: skip


def _limitation(session: Session, case: Case) -> tuple[dict[str, Any] | None] | None:
    """(the case's limitation clock,) from tasks/limitation.py (Civil Code Arts. 188, 195); None
    where that module is not installed: the key is then left out, not guessed."""
    try:
        from tasks.limitation import limitation_section
    except ImportError:
        return None
    return (limitation_section(session, case),)


def review_picture(session: Session, review_id: int) -> dict[str, Any]:
    """`show_review`'s item with every section a lawyer reads before deciding (masked)."""
    item = show_review(session, review_id)
    case_id: int = item["case_id"]
    facts = case_legal_facts(session, case_id)
    documents = case_documents(session, case_id)
    demands = [
        {"title": d.title, "number": d.number, "channel": d.channel, "sent_on": d.sent_on,
         "delivered_on": d.delivered_on, "tracking_number": d.tracking_number,
         "proof_ref": d.proof_ref}
        for d in delivered_demands(session, case_id)
    ]  # fmt: skip
    picture: dict[str, Any] = {
        **item,
        "balance": _balance(facts.account),
        "balance_history": _balance_history(session, facts.account.id),
        "contacts": case_contacts(session, case_id, limit=50),
        "delivered_demands": demands,
        **_negotiation(session, case_id),
        "documents": documents,
        "drafts": _drafts(documents, item["target_stage"], item["opened_on"]),
        "deadlines": deadlines(session, item),
    }
    limitation = _limitation(session, facts.case)
    if limitation is not None:
        picture["limitation"] = limitation[0]
    if item["target_stage"] in LEGAL_STEPS:
        picture["payment_order_preconditions"] = check_preconditions(facts.facts).as_dict()
    return picture
