"""The limitation clock of cases (rules/limitation.py) read from the store: one case's for its
case file, and the deadline check's warnings over every open case at once.

The warnings are set-based: one query gives each open case without a suit its latest limitation
event (the due date or the latest restarting event on its timeline), keeping only those whose
3 years can end within 90 days; the exact ends, on the business calendar, are then counted for
those few. The owner is told 90 days before the end, the legal department 30 days before; each
once per period (a restart opens a new period, and a new warning when it comes near).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models import CardAccount, Case, TimelineEvent
from models.types import utcnow
from rules import events as ev
from rules.calendar import BusinessCalendar
from rules.enums import CaseStatus, Role
from rules.limitation import (
    ESCALATE_LEGAL_DAYS,
    LIMITATION_EVENTS,
    LIMITATION_YEARS,
    RESTARTING_EVENTS,
    SUIT_EVENTS,
    WARN_OWNER_DAYS,
    Limitation,
    Readiness,
    demand_readiness,
    expiry,
    limitation,
)
from rules.periods import add_months
from rules.roster import User
from tasks.clock import today

WARNER = "deadline-check"


def case_limitation(
    session: Session, case: Case, *, as_of: date, calendar: BusinessCalendar
) -> Limitation | None:
    """The case's clock from its account's due date and its timeline's limitation events."""
    account = session.get(CardAccount, case.account_id)
    rows = session.exec(
        select(TimelineEvent).where(
            TimelineEvent.case_id == case.id, col(TimelineEvent.event).in_(LIMITATION_EVENTS)
        )
    ).all()
    due = account.due_date if account is not None else None
    events = [(r.event, r.as_of) for r in rows]
    return limitation(due, events, as_of=as_of, calendar=calendar)


def case_readiness(session: Session, case: Case) -> Readiness:
    """Effective-demand evidence (for the legal role only: the caller decides who sees it)."""
    account = session.get(CardAccount, case.account_id)
    delivered = session.exec(
        select(TimelineEvent).where(
            TimelineEvent.case_id == case.id, TimelineEvent.event == ev.DEMAND_DELIVERED
        )
    ).all()
    due = account.due_date if account else None
    return demand_readiness(due, [r.as_of for r in delivered])


@dataclass
class Warnings:
    warned: list[dict[str, Any]] = field(default_factory=list)
    escalated: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"limitation_warned": len(self.warned), "limitation_escalated": len(self.escalated)}


def _candidates_query(as_of: date) -> Any:
    """Open cases without a suit whose latest limitation event is old enough that 3 years from
    it end within WARN_OWNER_DAYS of `as_of` (a day of slack for 29 February and the move of
    an end off a rest day; the exact end is counted afterwards)."""
    c = Case.__table__  # type: ignore[attr-defined]
    a = CardAccount.__table__  # type: ignore[attr-defined]
    t = TimelineEvent.__table__  # type: ignore[attr-defined]
    threshold = add_months(as_of + timedelta(days=WARN_OWNER_DAYS + 1), -12 * LIMITATION_YEARS)
    # the latest restarting event of the case: an indexed lookup (timeline by case), made only
    # for the cases whose due date is itself old enough (most are not)
    old = a.c.due_date <= threshold
    # `old` inside the subqueries too: SQLite then looks them up after the account's due date
    # has filtered the case (else it would for every open case before joining the account)
    last = (
        sa.select(sa.func.max(t.c.as_of))
        .where(t.c.case_id == c.c.id, t.c.event.in_(RESTARTING_EVENTS), old)
        .scalar_subquery()
    )
    suit = sa.exists().where(t.c.case_id == c.c.id, t.c.event.in_(SUIT_EVENTS), old)
    at = sa.case((last > a.c.due_date, last), else_=a.c.due_date)
    return (
        sa.select(c.c.id, c.c.owner, at.label("at"))
        .select_from(c.join(a, a.c.id == c.c.account_id))
        .where(
            c.c.status == CaseStatus.OPEN,
            old,
            sa.or_(last.is_(None), last <= threshold),
            ~suit,
        )
        .order_by(c.c.id)
    )


def _already(conn: Connection, case_ids: list[int]) -> dict[tuple[int, str], date]:
    """The latest warning of each kind already given to these cases."""
    t = TimelineEvent.__table__  # type: ignore[attr-defined]
    out: dict[tuple[int, str], date] = {}
    for i in range(0, len(case_ids), 1000):
        chunk = case_ids[i : i + 1000]
        rows = conn.execute(
            sa.select(t.c.case_id, t.c.event, sa.func.max(t.c.as_of))
            .where(
                t.c.case_id.in_(chunk),
                t.c.event.in_((ev.LIMITATION_WARNED, ev.LIMITATION_ESCALATED)),
            )
            .group_by(t.c.case_id, t.c.event)
        )
        out.update({(cid, e): d for cid, e, d in rows})
    return out


def limitation_warnings(
    conn: Connection, as_of: date, calendar: BusinessCalendar, users: list[User]
) -> Warnings:
    """Warn owners 90 days before a case's limitation period ends and escalate to the legal
    department 30 days before; timeline lines, each once per period."""
    out = Warnings()
    rows = conn.execute(_candidates_query(as_of)).all()
    given = _already(conn, [r[0] for r in rows])
    legal = sorted(u.name for u in users if u.role is Role.LEGAL)
    ends: dict[date, date] = {}
    lines: list[dict[str, Any]] = []
    for case_id, owner, at in rows:
        at = at if isinstance(at, date) else date.fromisoformat(str(at)[:10])
        if at not in ends:
            ends[at] = expiry(at, calendar)[0]
        end = ends[at]
        left = (end - as_of).days
        if left < 0 or left > WARN_OWNER_DAYS:
            continue
        kind = ev.LIMITATION_ESCALATED if left <= ESCALATE_LEGAL_DAYS else ev.LIMITATION_WARNED
        earlier = given.get((case_id, kind))
        if earlier is not None and earlier >= at:
            continue  # told already in this period
        to = owner or "no owner"
        if kind == ev.LIMITATION_ESCALATED:
            to = f"legal ({legal[0]})" if legal else "legal (no legal user in the roster)"
        item = {"case_id": case_id, "expires": end.isoformat(), "days_left": left, "to": to}
        (out.escalated if kind == ev.LIMITATION_ESCALATED else out.warned).append(item)
        lines.append(
            {
                "case_id": case_id,
                "as_of": as_of,
                "event": kind,
                "detail": f"limitation period ends {end.isoformat()} ({left} days; Civil Code "
                f"Art. 188): {'escalated to' if kind == ev.LIMITATION_ESCALATED else 'owner'} "
                f"{to}; a delivered demand or the debtor's agreement restarts it (Art. 195)",
                "actor": WARNER,
                "at": utcnow(),
            }
        )
    if lines:
        conn.execute(sa.insert(TimelineEvent.__table__), lines)  # type: ignore[attr-defined]
    return out


def limitation_section(
    session: Session, case: Case, calendar: BusinessCalendar | None = None
) -> dict[str, Any] | None:
    """The case file's `limitation` (JSON-safe), as of today; the policy folder's calendar
    when none is given."""
    if calendar is None:
        from tasks.calendar import load_calendar

        calendar = load_calendar(None)
    clock = case_limitation(session, case, as_of=today(), calendar=calendar)
    return clock.as_dict() if clock is not None else None
