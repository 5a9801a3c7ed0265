"""Milestones and reviews as people see them: the deadlines list and the case file's sections.

`milestones_for_case` fills the case file's `milestones`, `reviews_for_case` its `reviews`, and
`cycle_actions_for_case` lists the daily cycle's action lines for a case (JSON-safe, no personal
data: they carry kinds, dates, stages and staff user names only).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models import Case, CycleAction, Milestone, Review
from rules.enums import CaseStatus, MilestoneStatus, risk_rank
from rules.masking import scrub_text


def milestones_for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case file's `milestones`: every milestone, oldest first."""
    rows = session.exec(
        select(Milestone).where(Milestone.case_id == case_id).order_by(col(Milestone.id))
    ).all()
    return [
        {
            "id": m.id,
            "kind": m.kind,
            "stage": m.stage.value,
            "opened_on": m.opened_on.isoformat(),
            "due": m.due.isoformat(),
            "status": m.status.value,
            "owner": m.owner,
            "owner_role": m.owner_role.value,
            "on_miss": m.on_miss,
            "rule": m.rule,
            "alerted_on": m.alerted_on.isoformat() if m.alerted_on else None,
            "closed_on": m.closed_on.isoformat() if m.closed_on else None,
            "reason": scrub_text(m.reason) if m.reason else None,
        }
        for m in rows
    ]


def reviews_for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case file's `reviews`: every review opened for the case, oldest first."""
    rows = session.exec(
        select(Review).where(Review.case_id == case_id).order_by(col(Review.id))
    ).all()
    return [
        {
            "id": r.id,
            "target_stage": r.target_stage.value,
            "required_role": r.required_role.value,
            "status": r.status.value,
            "opened_on": r.opened_on.isoformat(),
            "decided_by": r.decided_by,
            "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            "comment": scrub_text(r.comment) if r.comment else None,
        }
        for r in rows
    ]


def cycle_actions_for_case(
    session: Session, case_id: int, limit: int = 200
) -> list[dict[str, Any]]:
    """The latest action lines of the daily cycle for a case, newest first."""
    rows = session.exec(
        select(CycleAction)
        .where(CycleAction.case_id == case_id)
        .order_by(col(CycleAction.id).desc())
        .limit(limit)
    ).all()
    return [
        {
            "as_of": a.as_of.isoformat(),
            "kind": a.kind.value,
            "step": a.step,
            "status": a.status.value,
            "channel": a.channel.value if a.channel else None,
            "template": a.template,
            "reason": scrub_text(a.reason),
        }
        for a in rows
    ]


def deadlines(
    conn: Connection, as_of: date, within: int = 3, owner: str | None = None
) -> list[dict[str, Any]]:
    """Open milestones due within `within` days of `as_of` (overdue ones included) and missed
    milestones of cases still open; high risk first, then by due date."""
    m = Milestone.__table__  # type: ignore[attr-defined]
    c = Case.__table__  # type: ignore[attr-defined]
    horizon = as_of + timedelta(days=min(within, (date.max - as_of).days))  # no overflow
    query = (
        sa.select(
            m.c.id,
            m.c.case_id,
            m.c.kind,
            m.c.stage,
            m.c.due,
            m.c.status,
            m.c.owner,
            m.c.alerted_on,
            m.c.rule,
            c.c.risk_tier,
        )
        .select_from(m.join(c, c.c.id == m.c.case_id))
        .where(
            c.c.status == CaseStatus.OPEN,
            sa.or_(
                sa.and_(m.c.status == MilestoneStatus.OPEN, m.c.due <= horizon),
                m.c.status == MilestoneStatus.MISSED,
            ),
        )
    )
    if owner is not None:
        query = query.where(m.c.owner == owner)
    out: list[dict[str, Any]] = []
    for mid, case_id, kind, stage, due, status, who, alerted, rule, tier in conn.execute(query):
        state = status.value
        if status == MilestoneStatus.OPEN and due < as_of:
            state = "overdue"
        out.append(
            {
                "milestone_id": mid,
                "case_id": case_id,
                "kind": kind,
                "stage": stage.value,
                "due": due.isoformat(),
                "days_left": (due - as_of).days,
                "status": state,
                "owner": who,
                "risk": tier.value if tier else None,
                "alerted_on": alerted.isoformat() if alerted else None,
                "rule": rule,
            }
        )
    out.sort(key=lambda d: (risk_rank(d["risk"]), d["due"]))
    return out
