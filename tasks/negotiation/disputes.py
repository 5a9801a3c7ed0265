"""Disputes and defences (履行抗辩) and hardship claims: `duecourse dispute` and `dispute resolve`.

Opening one (`open_dispute`) records, in one transaction:
- the `dispute` row (one open dispute per kind per case), opened today;
- its evidence files in the document store with their SHA-256 (tasks/negotiation/evidence.py),
  each with an EVIDENCE_ADDED line naming the hash;
- DISPUTE_OPENED, and the DISPUTE_OPEN conduct flag: every collection contact stops
  (rules/conduct.py) and escalation freezes (policy/ladder.yaml) until it is decided; a hardship
  claim also sets HARDSHIP_CLAIMED (the case goes to negotiation, whatever its DPD: 2011 rules
  Art. 70) and HARDSHIP_REVIEW;
- a review of kind `dispute` for the role the policy names (legal for identity theft and disputed
  charges), requested by whoever opened it (who may therefore never decide it: four-eyes), and
  its milestone `dispute_decision` (tasks/negotiation/dispute_milestone.py).

Resolving one (`resolve_dispute`) decides that review (tasks/reviews.decide_review: the role and
four-eyes rules), whose effect is tasks/negotiation/dispute_decision.decide_dispute, reached the
same way by `duecourse review approve|reject` or the web console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from models import Case, Dispute
from models.review import Review
from rules import events
from rules.calendar import BusinessCalendar
from rules.enums import DisputeKind, DisputeStatus, ReviewKind
from rules.errors import DuecourseError, InputError
from rules.masking import scrub_text
from rules.negotiation_policy import NegotiationPolicy
from rules.policy import Policy
from rules.roster import User
from tasks.case_file import find_case
from tasks.clock import today
from tasks.contacts.record import add_event
from tasks.negotiation.dispute_milestone import open_dispute_milestone
from tasks.negotiation.evidence import evidence_for_disputes, read_evidence, store_evidence
from tasks.negotiation.flags import set_flag
from tasks.negotiation.promises import check_open, lock_case
from tasks.negotiation.views import dispute_dict
from tasks.negotiation.views import disputes_for_case as disputes_for_case  # re-exported
from tasks.review_open import open_subject_review
from tasks.reviews import decide_review

NOTE_MAX = 1000


@dataclass(frozen=True)
class DisputeSetting:
    """What opening a dispute needs besides the request: the policies, calendar and roster in
    force, and where the documents live."""

    negotiation: NegotiationPolicy
    policy: Policy
    calendar: BusinessCalendar
    users: list[User]
    documents_dir: Path


def clean_note(note: str, option: str = "--note") -> str:
    text = scrub_text(" ".join((note or "").split()))
    if not text:
        raise InputError(f"{option}: say what is claimed (a note is required)")
    return text[:NOTE_MAX]


def _open_of_kind(session: Session, case_id: int, kind: DisputeKind) -> Dispute | None:
    return session.exec(
        select(Dispute).where(
            Dispute.case_id == case_id, Dispute.kind == kind, Dispute.status == DisputeStatus.OPEN
        )
    ).first()


def open_dispute(
    session: Session,
    case_ref: str,
    kind: DisputeKind,
    note: str,
    evidence: list[Path],
    *,
    actor: str,
    setting: DisputeSetting,
) -> dict[str, Any]:
    """Open a dispute on the case (id or account id) and flush; the caller commits. Refused
    with one line: a closed case, an open dispute of the same kind, an evidence file missing,
    unreadable or too big (then nothing is recorded)."""
    text = clean_note(note)
    case = find_case(session, case_ref)
    assert case.id is not None
    lock_case(session, case.id)
    session.refresh(case)  # as it stands once the lock is ours
    check_open(case)
    earlier = _open_of_kind(session, case.id, kind)
    if earlier is not None:
        raise DuecourseError(
            f"case {case.id} already has an open {kind.value} dispute ({earlier.id}, opened "
            f"{earlier.opened_on}): one open dispute per kind"
        )
    files = read_evidence(evidence, setting.negotiation.dispute.max_evidence_mb)
    day = today()
    role = setting.negotiation.dispute.reviewer_roles[kind]
    dispute = Dispute(case_id=case.id, kind=kind, opened_on=day, note=text, actor=actor)
    session.add(dispute)
    session.flush()
    assert dispute.id is not None
    add_event(
        session, case_id=case.id, event=events.DISPUTE_OPENED, as_of=day, actor=actor,
        detail=f"dispute {dispute.id} ({kind.value}): {text}; collection contacts stop and "
        f"escalation freezes until the {role.value} decides it",
    )  # fmt: skip
    docs = store_evidence(
        session, case_id=case.id, dispute_id=dispute.id, files=files,
        documents_dir=setting.documents_dir, day=day,
    )  # fmt: skip
    seen: set[int | None] = set()
    for f, doc in zip(files, docs, strict=True):
        if doc.id in seen:
            continue  # the same file given twice: stored once
        seen.add(doc.id)
        add_event(
            session, case_id=case.id, event=events.EVIDENCE_ADDED, as_of=day, actor=actor,
            detail=f"dispute {dispute.id}: {f.name} sha256 {doc.sha256} (document {doc.id})",
        )  # fmt: skip
    flags = [events.DISPUTE_OPEN]
    if kind is DisputeKind.HARDSHIP:
        flags += [events.HARDSHIP_CLAIMED, events.HARDSHIP_REVIEW]
    for flag in flags:
        set_flag(
            session, case, flag, as_of=day, actor=actor,
            detail=f"dispute {dispute.id} ({kind.value})", policy=setting.policy,
        )  # fmt: skip
    review = open_subject_review(
        session, case=case, kind=ReviewKind.DISPUTE, subject_id=dispute.id, role=role,
        requested_by=actor, as_of=day, policy_version=setting.policy.version,
    )  # fmt: skip
    dispute.review_id = review.id
    session.add(dispute)
    milestone = open_dispute_milestone(
        session, case=case, role=role, requested_by=actor, day=day,
        working_days=setting.negotiation.dispute.decide_within_working_days,
        calendar=setting.calendar, users=setting.users, policy_version=setting.policy.version,
    )  # fmt: skip
    session.flush()
    data = dispute_dict(dispute, evidence_for_disputes(session, case.id).get(dispute.id, []))
    data.update(
        reviewer_role=role, flags=flags,
        milestone={"id": milestone.id, "kind": milestone.kind, "due": milestone.due,
                   "owner": milestone.owner},
    )  # fmt: skip
    return data


def _to_resolve(session: Session, case: Case, kind: DisputeKind | None) -> Dispute:
    assert case.id is not None
    query = select(Dispute).where(Dispute.case_id == case.id, Dispute.status == DisputeStatus.OPEN)
    if kind is not None:
        query = query.where(Dispute.kind == kind)
    found = session.exec(query.order_by(col(Dispute.id))).all()
    if not found:
        what = f"{kind.value} dispute" if kind else "dispute"
        raise DuecourseError(f"case {case.id} has no open {what}")
    if len(found) > 1:
        kinds = ", ".join(d.kind.value for d in found)
        raise InputError(f"case {case.id} has open disputes of {kinds}: say which with --kind")
    return found[0]


def resolve_dispute(
    session: Session,
    case_ref: str,
    *,
    upheld: bool,
    note: str,
    user: User,
    kind: DisputeKind | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Decide the case's open dispute (of `kind`, needed when several are open) through its
    review, as `user`; the caller commits. The review's rules apply: its role, four-eyes."""
    text = clean_note(note)
    case = find_case(session, case_ref)
    dispute = _to_resolve(session, case, kind)
    review = session.get(Review, dispute.review_id) if dispute.review_id is not None else None
    if review is None:
        raise DuecourseError(f"dispute {dispute.id} has no review to decide")
    decide_review(session, review.id or 0, user=user, approve=upheld, comment=text, as_of=as_of)
    session.refresh(dispute)
    return dispute_dict(dispute, evidence_for_disputes(session, dispute.case_id).get(
        dispute.id or 0, []
    ))  # fmt: skip
