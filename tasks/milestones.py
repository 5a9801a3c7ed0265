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
from rules.enums import RISK_ORDER, ActionKind, CaseStatus, MilestoneStatus
from rules.masking import scrub_text
from rules.milestone_checks import ESCALATE_STEP, ESCALATED_TO


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
            "kind": r.kind.value,
            "subject_id": r.subject_id,
            "target_stage": r.target_stage.value if r.target_stage else None,
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


def _escalation(m: sa.Table, a: sa.Table) -> sa.ColumnElement[bool]:
    """The escalation line of a missed milestone: same case, the day it was missed (the cycle
    records both at once), kind escalated, step `escalate:<milestone id>` (an indexed lookup:
    cycle_action's case_id + as_of)."""
    return sa.and_(
        a.c.case_id == m.c.case_id,
        a.c.as_of == m.c.closed_on,
        a.c.kind == ActionKind.ESCALATED,
        a.c.step == sa.literal(ESCALATE_STEP, sa.String) + sa.cast(m.c.id, sa.String),
    )


def escalated_to_name(reason: str | None) -> str | None:
    """The supervisor named at the end of an escalation's reason (`...; escalated to NAME`)."""
    marker = f"; {ESCALATED_TO}"
    if not reason or marker not in reason:
        return None
    return reason.rpartition(marker)[2] or None


def _listed(as_of: date, within: int, owner: str | None) -> tuple[Any, ...]:
    """The deadlines list's conditions: open milestones due within `within` days (overdue
    included) and missed ones, of open cases; with `owner`, that user's and those escalated to
    that user (a supervisor sees the misses addressed to them)."""
    m = Milestone.__table__  # type: ignore[attr-defined]
    c = Case.__table__  # type: ignore[attr-defined]
    a = CycleAction.__table__  # type: ignore[attr-defined]
    horizon = as_of + timedelta(days=min(within, (date.max - as_of).days))  # no overflow
    where: list[Any] = [
        c.c.status == CaseStatus.OPEN,
        sa.or_(
            sa.and_(m.c.status == MilestoneStatus.OPEN, m.c.due <= horizon),
            m.c.status == MilestoneStatus.MISSED,
        ),
    ]
    if owner is not None:
        to_owner = a.c.reason.endswith(f"; {ESCALATED_TO}{owner}", autoescape=True)
        where.append(sa.or_(m.c.owner == owner, sa.exists().where(_escalation(m, a), to_owner)))
    return tuple(where)


def _owner_totals(conn: Connection, where: tuple[Any, ...], as_of: date) -> list[dict[str, Any]]:
    m = Milestone.__table__  # type: ignore[attr-defined]
    c = Case.__table__  # type: ignore[attr-defined]
    is_open = m.c.status == MilestoneStatus.OPEN

    def count_if(cond: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    query = (
        sa.select(
            m.c.owner,
            sa.func.count(),
            count_if(sa.and_(is_open, m.c.due >= as_of)),
            count_if(sa.and_(is_open, m.c.due < as_of)),
            count_if(m.c.status == MilestoneStatus.MISSED),
        )
        .select_from(m.join(c, c.c.id == m.c.case_id))
        .where(*where)
        .group_by(m.c.owner)
    )
    rows = [
        {"owner": who, "total": int(n), "due": int(d), "overdue": int(o), "missed": int(x)}
        for who, n, d, o, x in conn.execute(query)
    ]
    return sorted(rows, key=lambda r: (-r["total"], r["owner"] or ""))


def deadline_list(
    conn: Connection,
    as_of: date,
    within: int = 3,
    owner: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Open milestones due within `within` days of `as_of` (overdue ones included) and missed
    milestones of cases still open; high risk first, then by due date; at most `limit`.

    `total` counts the whole list, `owners` totals it per owner (due, overdue, missed), each
    missed item names the supervisor it was `escalated_to` (policy `on_miss: escalate`), and
    with `owner` the list holds that user's milestones and those escalated to them
    (`escalated_to_owner` counts the latter). Set-based: two aggregates and one ordered page.
    """
    m = Milestone.__table__  # type: ignore[attr-defined]
    c = Case.__table__  # type: ignore[attr-defined]
    a = CycleAction.__table__  # type: ignore[attr-defined]
    where = _listed(as_of, within, owner)
    owners = _owner_totals(conn, where, as_of)
    rank = sa.case(
        *[(c.c.risk_tier == t, i) for i, t in enumerate(RISK_ORDER)], else_=len(RISK_ORDER)
    )
    escalation = (
        sa.select(a.c.reason).where(_escalation(m, a)).order_by(a.c.id).limit(1)
    ).scalar_subquery()
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
            sa.case((m.c.status == MilestoneStatus.MISSED, escalation), else_=None),
        )
        .select_from(m.join(c, c.c.id == m.c.case_id))
        .where(*where)
        .order_by(rank, m.c.due, m.c.id)
        .limit(limit)
    )
    items: list[dict[str, Any]] = []
    for mid, case_id, kind, stage, due, status, who, alerted, rule, tier, esc in conn.execute(
        query
    ):
        state = status.value
        if status == MilestoneStatus.OPEN and due < as_of:
            state = "overdue"
        items.append(
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
                "escalated_to": escalated_to_name(esc),
            }
        )
    total = sum(o["total"] for o in owners)
    escalated = None
    if owner is not None:
        escalated = total - sum(o["total"] for o in owners if o["owner"] == owner)
    return {"total": total, "deadlines": items, "owners": owners, "escalated_to_owner": escalated}


def deadlines(
    conn: Connection, as_of: date, within: int = 3, owner: str | None = None
) -> list[dict[str, Any]]:
    """The whole deadlines list (`deadline_list` without a limit)."""
    return list(deadline_list(conn, as_of, within, owner)["deadlines"])


def owner_known(conn: Connection, name: str) -> bool:
    """`name` owns a case or a milestone in the store (a user who left the roster still does)."""
    m = Milestone.__table__  # type: ignore[attr-defined]
    c = Case.__table__  # type: ignore[attr-defined]
    found = sa.select(
        sa.or_(
            sa.exists().where(c.c.owner == name),
            sa.exists().where(m.c.owner == name),
        )
    )
    return bool(conn.execute(found).scalar())
