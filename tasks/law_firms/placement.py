"""Placing a case with a panel law firm, and recalling it.

Placing is a legal-role decision (design.md principle 6): `duecourse legal place`, or the
approval of a lawyer's-letter review (tasks/law_firms/approval.py). Without a firm named, the
case goes to the active firm with the lowest share of its capacity in use (rules/law_firms.py
`choose_firm`); a full firm takes no new case. The firm's first active lawyer signs its letters;
the placement keeps that lawyer's licence number.

A placement ends by recall: by hand (`duecourse legal recall`, a reason required), or when the
debt stops being the firm's to collect: a payment that closes the case (tasks/payments/record.py)
or an approved repayment plan. Each placement and recall writes a timeline line dated the day it
is taken (today, tasks.clock: legal records are never backdated nor dated ahead) and a row of
the audit chain (tasks/audit.py), last in its transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import Placement
from rules import events
from rules.enums import AuditAction, CaseStatus, Role
from rules.errors import DuecourseError, InputError, NotFoundError
from rules.law_firms import LawFirm, LawFirmPanel, choose_firm, takes_cases
from rules.masking import scrub_text
from rules.roster import User
from tasks import audit
from tasks.case_file import find_case
from tasks.clock import today
from tasks.contacts.record import add_event


def check_legal(user: User, what: str) -> None:
    """Placements are the legal department's decisions."""
    if user.role is not Role.LEGAL:
        raise DuecourseError(f"{what} needs the legal role; {user.name} is {user.role.value}")


def check_day(day: date | None) -> date:
    """The day a placement or recall is dated: today unless given, never after today."""
    now = today()
    if day is None:
        return now
    if day > now:
        raise DuecourseError(f"{day} is after today ({now}): a placement is dated when it is made")
    return day


def firm_loads(session: Session) -> dict[str, int]:
    """Open placements per firm id."""
    rows = session.exec(
        select(Placement.firm_id, sa.func.count())
        .where(col(Placement.recalled_on).is_(None))
        .group_by(col(Placement.firm_id))
    ).all()
    return {firm_id: int(n) for firm_id, n in rows}


def open_placement(session: Session, case_id: int) -> Placement | None:
    return session.exec(
        select(Placement).where(Placement.case_id == case_id, col(Placement.recalled_on).is_(None))
    ).first()


class NoFirmFree(DuecourseError):
    """No active panel firm has room for another case."""


def firm_for(panel: LawFirmPanel, loads: dict[str, int], firm_id: str | None) -> LawFirm:
    """The named firm if it can take a case, else the least loaded one (one clear line when
    none can)."""
    if firm_id is None:
        chosen = choose_firm(panel.firms, loads)
        if chosen is None:
            raise NoFirmFree(
                "no panel law firm can take the case: every active firm is at capacity or has "
                "no active lawyer (duecourse legal firms)"
            )
        return chosen
    firm = panel.firm(firm_id)
    if firm is None:
        known = ", ".join(f.id for f in panel.firms) or "none"
        raise NotFoundError(f"--firm: no panel firm {firm_id!r} (known: {known})")
    if not takes_cases(firm):
        raise DuecourseError(f"firm {firm.id} takes no new cases (inactive, or no active lawyer)")
    load = loads.get(firm.id, 0)
    if load >= firm.capacity:
        raise DuecourseError(f"firm {firm.id} is full: {load} open cases of {firm.capacity}")
    return firm


def place_case(
    session: Session,
    case_ref: str,
    *,
    user: User,
    panel: LawFirmPanel,
    firm_id: str | None = None,
    review_id: int | None = None,
    day: date | None = None,
) -> Placement:
    """Place an open case with a firm (see the module's doc) and flush; the caller commits."""
    check_legal(user, "placing a case with a law firm")
    on = check_day(day)
    case = find_case(session, case_ref)
    assert case.id is not None
    if case.status is CaseStatus.CLOSED:
        raise DuecourseError(f"case {case.id} is closed: there is nothing to place")
    current = open_placement(session, case.id)
    if current is not None:
        raise DuecourseError(
            f"case {case.id} is already placed with {current.firm_id} since "
            f"{current.placed_on} (duecourse legal recall first)"
        )
    firm = firm_for(panel, firm_loads(session), firm_id)
    lawyer = firm.signing_lawyer
    assert lawyer is not None  # firm_for takes only firms with an active lawyer
    placement = Placement(
        case_id=case.id,
        firm_id=firm.id,
        lawyer_licence=lawyer.licence,
        placed_on=on,
        placed_by=user.name,
        review_id=review_id,
    )
    session.add(placement)
    add_event(
        session,
        case_id=case.id,
        event=events.PLACED,
        as_of=on,
        detail=f"placed with {firm.name} ({firm.id}); signing lawyer {lawyer.name}, "
        f"licence {lawyer.licence}",
        actor=user.name,
    )
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise DuecourseError(
            f"case {case.id} was placed by someone else at the same time; nothing was recorded"
        ) from None
    audit.record(
        session, action=AuditAction.PLACEMENT, subject_type="placement",
        subject_id=placement.id or 0, case_id=case.id, actor=user.name,
        data={"firm": firm.id, "lawyer_licence": lawyer.licence, "on": on, "review": review_id},
    )  # fmt: skip
    return placement


def recall_open_placement(
    session: Session, case_id: int, *, day: date, reason: str, actor: str
) -> Placement | None:
    """End the case's open placement, if it has one (a payment closing the case, a plan
    approved, a recall by hand): the placement and a timeline line; the caller commits."""
    placement = open_placement(session, case_id)
    if placement is None:
        return None
    placement.recalled_on = max(day, placement.placed_on)
    placement.recalled_by = actor
    placement.recall_reason = reason
    session.add(placement)
    add_event(
        session,
        case_id=case_id,
        event=events.RECALLED,
        as_of=placement.recalled_on,
        detail=f"placement with {placement.firm_id} recalled: {scrub_text(reason)}",
        actor=actor,
    )
    audit.record(
        session, action=AuditAction.RECALL, subject_type="placement",
        subject_id=placement.id or 0, case_id=case_id, actor=actor,
        data={"firm": placement.firm_id, "on": placement.recalled_on, "reason": reason},
    )  # fmt: skip
    return placement


def recall_case(
    session: Session, case_ref: str, *, user: User, reason: str, day: date | None = None
) -> Placement:
    """`duecourse legal recall`: the legal role ends a case's open placement, saying why."""
    check_legal(user, "recalling a placement")
    if not reason.strip():
        raise InputError("--reason: say why the placement is recalled")
    on = check_day(day)
    case = find_case(session, case_ref)
    assert case.id is not None
    placement = recall_open_placement(
        session, case.id, day=on, reason=reason.strip(), actor=user.name
    )
    if placement is None:
        raise DuecourseError(f"case {case.id} has no open placement to recall")
    return placement


def list_firms(session: Session, panel: LawFirmPanel) -> list[dict[str, Any]]:
    """Each panel firm with its load (open placements) against its capacity."""
    loads = firm_loads(session)
    out = []
    for firm in panel.firms:
        lawyer = firm.signing_lawyer
        out.append(
            {
                "id": firm.id,
                "name": firm.name,
                "phone": firm.phone,
                "active": firm.active,
                "demo": firm.demo,
                "capacity": firm.capacity,
                "load": loads.get(firm.id, 0),
                "lawyers": [
                    {"name": lw.name, "licence": lw.licence, "active": lw.active}
                    for lw in firm.lawyers
                ],
                "signing_lawyer": lawyer.name if lawyer else None,
            }
        )
    return out
