"""Statutory milestones of court steps: opened by a recorded step and counted from its own date,
met by the step that answers it, and checked by the deadline check when their period passes.

The daily cycle leaves these milestones alone (they carry `legal_event_id`): a stage move does
not waive them (a two-year enforcement deadline runs whatever stage the case is in) and the
ladder's `met_by` does not apply. What a passed period means is the law's (rules/legal_track.py
`OPENS`): an objection window passing without an objection makes the payment order effective
(CPL 2023 Art. 227), recorded as `payment-order.effective` on the day after; an order not served
within 30 days ends the procedure (SPC CPL interpretation 2022 Art. 430); the others are missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models import Case, LegalEventRow, Milestone, TimelineEvent
from models.types import utcnow
from rules import events as ev
from rules.calendar import BusinessCalendar
from rules.enums import CaseStatus, MilestoneStatus, Role
from rules.legal_track import (
    BANK_DEADLINES,
    OPENS,
    TRACK_STAGE,
    LegalEvent,
    Recorded,
    StatutoryKind,
    period_start,
)
from rules.periods import STATUTORY_RULES, statutory_deadline

STATUTORY_VERSION = "statutory"  # milestone.policy_version: the law's, not the ladder's
SWEEP_ACTOR = "deadline-check"
ALERT_WORKING_DAYS = 5  # the owner is told 5 working days before a statutory deadline


def expiry_day(m: Milestone) -> date:
    """The last day of the period: the earliest end for a deadline the bank must meet, the
    latest for the court's and for one that protects the debtor."""
    if StatutoryKind(m.kind) in BANK_DEADLINES or m.due_latest is None:
        return m.due
    return m.due_latest


def meet_milestones(session: Session, case_id: int, event: LegalEvent, on: date) -> list[str]:
    """Close the case's open statutory milestones that `event` answers; their kinds."""
    rows = session.exec(
        select(Milestone, LegalEventRow)
        .join(LegalEventRow, col(LegalEventRow.id) == col(Milestone.legal_event_id))
        .where(Milestone.case_id == case_id, Milestone.status == MilestoneStatus.OPEN)
    ).all()
    met: list[str] = []
    for m, opener in rows:
        spec = OPENS.get(opener.event)
        if spec is None or event not in spec.met_by:
            continue
        m.status = MilestoneStatus.MET
        m.closed_on = max(on, m.opened_on)
        m.reason = f"{event.value} on {on.isoformat()}"
        m.updated_at = utcnow()
        session.add(m)
        met.append(m.kind)
    return met


def open_milestone(
    session: Session,
    *,
    case: Case,
    row: LegalEventRow,
    recorded: list[Recorded],
    calendar: BusinessCalendar,
) -> Milestone | None:
    """The statutory milestone `row`'s step opens (None if it opens none, or the same one is
    already there), counted from the step's date with rules/periods.py."""
    spec = OPENS.get(row.event)
    if spec is None or row.late:
        return None
    start = period_start(row.event, row.on, recorded, calendar)
    result = statutory_deadline(spec.period, start, calendar)
    stage = TRACK_STAGE[row.event.track]
    exists = session.exec(
        select(Milestone.id).where(
            Milestone.case_id == case.id,
            Milestone.stage == stage,
            Milestone.entry_on == start,
            Milestone.kind == spec.kind.value,
        )
    ).first()
    if exists is not None:
        return None
    assert case.id is not None and row.id is not None
    milestone = Milestone(
        case_id=case.id,
        kind=spec.kind.value,
        stage=stage,
        entry_on=start,
        opened_on=start,
        due=result.deadline,
        due_latest=result.latest,
        owner=case.owner,
        owner_role=Role.LEGAL,
        on_miss="escalate" if spec.kind in BANK_DEADLINES else "none",
        rule=STATUTORY_RULES[spec.period].rule[:200],  # the article; counting per Arts. 201-203
        policy_version=STATUTORY_VERSION,
        legal_event_id=row.id,
    )
    session.add(milestone)
    return milestone


def open_statutory(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case's open statutory milestones, soonest first (`legal events`, the case file)."""
    rows = session.exec(
        select(Milestone)
        .where(
            Milestone.case_id == case_id,
            Milestone.status == MilestoneStatus.OPEN,
            col(Milestone.legal_event_id).is_not(None),
        )
        .order_by(col(Milestone.due), col(Milestone.id))
    ).all()
    return [statutory_dict(m) for m in rows]


def statutory_dict(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind,
        "from": m.opened_on.isoformat(),
        "due": m.due.isoformat(),
        "due_latest": (m.due_latest or m.due).isoformat(),
        "owner": m.owner,
        "rule": m.rule,
        "status": m.status.value,
        "legal_event_id": m.legal_event_id,
    }


@dataclass
class SweepResult:
    """What the deadline check found among the statutory milestones."""

    effective: list[int] = field(default_factory=list)  # cases whose order took effect
    ended: list[int] = field(default_factory=list)  # cases whose order was never served
    missed: list[int] = field(default_factory=list)  # milestone ids missed
    alerted: list[int] = field(default_factory=list)  # milestone ids alerted

    def counts(self) -> dict[str, int]:
        return {
            "payment_order_effective": len(self.effective),
            "payment_order_ended": len(self.ended),
            "statutory_missed": len(self.missed),
            "statutory_alert": len(self.alerted),
        }


def sweep_statutory(conn: Connection, as_of: date, calendar: BusinessCalendar) -> SweepResult:
    """Check the open statutory milestones of open cases on `as_of`: a period over is recorded
    for what it means (the order effective, the procedure ended, a deadline missed); one coming
    due within ALERT_WORKING_DAYS working days is marked alerted once. Idempotent: only open
    milestones are looked at, and each is closed once."""
    out = SweepResult()
    with Session(bind=conn) as session:
        rows = session.exec(
            select(Milestone, LegalEventRow)
            .join(LegalEventRow, col(LegalEventRow.id) == col(Milestone.legal_event_id))
            .join(Case, col(Case.id) == col(Milestone.case_id))
            .where(Milestone.status == MilestoneStatus.OPEN, Case.status == CaseStatus.OPEN)
            .order_by(col(Milestone.case_id), col(Milestone.id))
        ).all()
        for m, opener in rows:
            last = expiry_day(m)
            if last < as_of:
                _expired(session, m, opener, as_of, out, calendar)
            elif m.alerted_on is None and (
                calendar.add_working_days(m.due, -ALERT_WORKING_DAYS) <= as_of
            ):
                m.alerted_on = as_of
                m.updated_at = utcnow()
                session.add(m)
                assert m.id is not None
                out.alerted.append(m.id)
        session.flush()
    return out


def _expired(
    session: Session,
    m: Milestone,
    opener: LegalEventRow,
    as_of: date,
    out: SweepResult,
    calendar: BusinessCalendar,
) -> None:
    spec = OPENS[opener.event]
    last = expiry_day(m)
    m.closed_on = as_of
    m.updated_at = utcnow()
    if spec.kind is StatutoryKind.OBJECTION_WINDOW:
        effective_on = last + timedelta(days=1)
        m.status = MilestoneStatus.MET
        m.reason = f"no objection by {last}: payment order effective on {effective_on}"
        session.add(m)
        _record_effective(session, m.case_id, effective_on, last, calendar)
        out.effective.append(m.case_id)
        return
    m.status = MilestoneStatus.MISSED
    m.reason = f"{m.kind} due {m.due.isoformat()} passed: {spec.on_expiry}"
    session.add(m)
    if spec.kind is StatutoryKind.SERVICE:
        out.ended.append(m.case_id)
    else:
        assert m.id is not None
        out.missed.append(m.id)
    session.add(
        TimelineEvent(
            case_id=m.case_id,
            as_of=as_of,
            event=ev.STATUTORY_MISSED,
            detail=m.reason,
            actor=SWEEP_ACTOR,
        )
    )


def _record_effective(
    session: Session, case_id: int, on: date, window_end: date, calendar: BusinessCalendar
) -> None:
    """`payment-order.effective` on the day after the window, and the enforcement deadline it
    opens (2 years from the window's last day, CPL Art. 250)."""
    from tasks.legal_events import add_event  # the recorder; it imports this module

    already = session.exec(
        select(LegalEventRow.id).where(
            LegalEventRow.case_id == case_id,
            sa.and_(
                col(LegalEventRow.event) == LegalEvent.PO_EFFECTIVE,
                col(LegalEventRow.on) >= window_end,
            ),
        )
    ).first()
    if already is not None:
        return
    add_event(
        session,
        case_id=case_id,
        event=LegalEvent.PO_EFFECTIVE,
        on=on,
        note=f"no objection within 15 days of service (to {window_end}): CPL Art. 227",
        actor=SWEEP_ACTOR,
        calendar=calendar,
    )
