"""The dispute's own milestone, `dispute_decision`: decide a dispute within the policy's
`dispute.decide_within_working_days` working days of its opening (business calendar).

The ladder does not declare it (it belongs to no stage): its row carries the case's stage and
the day the dispute opened as its entry, its owner is the least-loaded user of the reviewer's
role (never the one who opened it) and `on_miss: escalate`. The daily cycle checks it like the
others (missed past its due day and escalated, alerted before: both engines), but does not waive
it when the case changes stage (rules/milestone_checks.SUBJECT_MILESTONE_KINDS): a hardship
claim moves the case to negotiation the next day, and the claim still has to be decided.

It is met when the case's last open dispute is resolved (DISPUTE_RESOLVED, written at the same
moment by tasks/negotiation/dispute_decision.py). Two disputes open at once share it: the case
has one deadline for deciding what it disputes.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import Case, Milestone
from models.types import utcnow
from rules.calendar import BusinessCalendar
from rules.enums import MilestoneStatus, Role
from rules.milestone_checks import DISPUTE_DECISION
from rules.owners import least_loaded
from rules.roster import User


def _loads(session: Session) -> Counter[str]:
    rows = session.execute(
        sa.select(col(Milestone.owner), sa.func.count())
        .where(col(Milestone.status) == MilestoneStatus.OPEN, col(Milestone.owner).is_not(None))
        .group_by(col(Milestone.owner))
    ).all()
    return Counter({str(owner): int(n) for owner, n in rows})


def _open_one(session: Session, case_id: int) -> Milestone | None:
    return session.exec(
        select(Milestone).where(
            Milestone.case_id == case_id,
            Milestone.kind == DISPUTE_DECISION,
            Milestone.status == MilestoneStatus.OPEN,
        )
    ).first()


def open_dispute_milestone(
    session: Session,
    *,
    case: Case,
    role: Role,
    requested_by: str,
    day: date,
    working_days: int,
    calendar: BusinessCalendar,
    users: list[User],
    policy_version: str,
) -> Milestone:
    """The case's open `dispute_decision` milestone: the one already open, else a new one (or
    the one of the same stage and day reopened: a dispute decided and another opened that day)."""
    assert case.id is not None
    found = _open_one(session, case.id)
    if found is not None:
        return found
    due = calendar.add_working_days(day, working_days)
    owner = least_loaded(users, role, _loads(session), exclude=requested_by)
    same = session.exec(
        select(Milestone).where(
            Milestone.case_id == case.id,
            Milestone.stage == case.stage,
            Milestone.entry_on == day,
            Milestone.kind == DISPUTE_DECISION,
        )
    ).first()
    m = same or Milestone(
        case_id=case.id,
        kind=DISPUTE_DECISION,
        stage=case.stage,
        entry_on=day,
        opened_on=day,
        due=due,
        owner_role=role,
        policy_version=policy_version[:64],
    )
    m.status, m.due, m.due_latest, m.owner, m.owner_role = (
        MilestoneStatus.OPEN, due, None, owner, role,
    )  # fmt: skip
    m.on_miss, m.closed_on, m.reason, m.alerted_on = "escalate", None, None, None
    m.updated_at = utcnow()
    session.add(m)
    session.flush()
    return m


def meet_dispute_milestone(session: Session, case_id: int, day: date, why: str) -> bool:
    """Mark the case's open `dispute_decision` met (the last open dispute was resolved)."""
    m = _open_one(session, case_id)
    if m is None:
        return False
    m.status, m.closed_on, m.reason, m.updated_at = MilestoneStatus.MET, day, why, utcnow()
    session.add(m)
    return True
