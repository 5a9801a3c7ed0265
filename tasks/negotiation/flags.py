"""Case flags the negotiation sets and clears, and the way back out of negotiation.

A flag is a timeline line: `<flag>` sets it, `<flag>_cleared` clears it, the latest wins (the
daily cycle reads them the same way, tasks/cycle/read.py). The negotiation flags
(`hardship_claimed`, `plan_requested`, `promise_to_pay`) send a case to the `negotiation` stage
whatever its DPD, legal stages included (policy/ladder.yaml); the conduct flags (`dispute_open`,
`hardship_review`, `plan_current`) stop collection contacts (rules/conduct.py).

A legal stage is sticky: a case that leaves one for negotiation keeps it in `return_stage`, and
`resume` takes it back there when the negotiation fails (a broken plan or promise, a rejected
claim), not to soft collection.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import Case, Review, TimelineEvent
from models.types import utcnow
from rules import events
from rules.enums import ReviewKind, ReviewStatus, Stage
from rules.policy import Policy
from tasks.audit import record_many, stage_change
from tasks.contacts.record import add_event
from tasks.cycle.read import flags_from

NEGOTIATION_FLAGS = frozenset(
    {events.HARDSHIP_CLAIMED, events.PLAN_REQUESTED, events.PROMISE_TO_PAY}
)
ALL_FLAGS = NEGOTIATION_FLAGS | events.CONDUCT_FLAGS
# Flags that stop escalation: the debtor engages, or a dispute awaits its decision.
FREEZING = NEGOTIATION_FLAGS | {events.DISPUTE_OPEN}


def case_flags(session: Session, case_id: int) -> frozenset[str]:
    """The flags set on the case now: the latest of `<flag>` / `<flag>_cleared` wins, read as
    the daily cycle reads them (tasks/cycle/read.flags_from)."""
    names = set(ALL_FLAGS) | {events.cleared(f) for f in ALL_FLAGS}
    rows = session.exec(
        select(col(TimelineEvent.event), col(TimelineEvent.as_of))
        .where(TimelineEvent.case_id == case_id, col(TimelineEvent.event).in_(names))
        .order_by(col(TimelineEvent.as_of), col(TimelineEvent.id))
    ).all()
    return flags_from(list(rows), ALL_FLAGS)


def set_flag(
    session: Session,
    case: Case,
    flag: str,
    *,
    as_of: date,
    actor: str,
    detail: str,
    policy: Policy,
) -> None:
    """Set `flag` on the case. A negotiation flag on a case in a sticky (legal) stage records
    that stage in `return_stage` (the first one only: a second claim keeps it)."""
    assert case.id is not None and flag in ALL_FLAGS, flag
    add_event(session, case_id=case.id, event=flag, as_of=as_of, detail=detail, actor=actor)
    if flag in FREEZING:
        _withdraw_escalations(session, case.id, flag, as_of, actor)
    if (
        flag in NEGOTIATION_FLAGS
        and case.return_stage is None
        and case.stage != Stage.NEGOTIATION
        and policy.has_stage(case.stage)
        and policy.stage_def(case.stage).sticky
    ):
        case.return_stage = case.stage
        case.updated_at = utcnow()
        session.add(case)


def _withdraw_escalations(
    session: Session, case_id: int, flag: str, as_of: date, actor: str
) -> None:
    """A pending review of a move up the ladder answers a stay that has just changed: the debtor
    engaged or disputes. Withdrawn (an approval would otherwise move the case past the claim);
    should the ladder still want the move once the claim is over, the cycle asks again."""
    r = Review.__table__  # type: ignore[attr-defined]
    withdrawn = session.execute(
        sa.update(r)
        .where(
            r.c.case_id == case_id,
            r.c.status == ReviewStatus.PENDING,
            r.c.kind == ReviewKind.STAGE,
            r.c.target_stage != Stage.NEGOTIATION,
        )
        .values(status=ReviewStatus.WITHDRAWN, decided_at=utcnow(), comment=f"{flag} set")
        .returning(r.c.id, r.c.target_stage)
    ).all()
    for rid, target in withdrawn:
        add_event(
            session, case_id=case_id, event=events.REVIEW_WITHDRAWN, as_of=as_of, actor=actor,
            detail=f"review {rid} of the move to {Stage(target).value} withdrawn: {flag} set",
        )  # fmt: skip


def clear_flag(
    session: Session, case_id: int, flag: str, *, as_of: date, actor: str, detail: str
) -> None:
    """Clear `flag` on the case (a no-op line when it was not set is harmless: latest wins)."""
    assert flag in ALL_FLAGS, flag
    add_event(
        session, case_id=case_id, event=events.cleared(flag), as_of=as_of, detail=detail,
        actor=actor,
    )  # fmt: skip


def resume(
    session: Session,
    case: Case,
    *,
    as_of: date,
    actor: str,
    why: str,
    restart: Stage | None = None,
) -> Stage | None:
    """After a negotiation failed: a case in `negotiation` whose negotiation flags are all clear
    goes back to its `return_stage` (the legal stage it left), else to `restart` when given (the
    policy's restart stage for a broken plan), else stays for the ladder to place by its DPD at
    the next daily cycle. Returns the stage it moved to, or None."""
    assert case.id is not None
    session.flush()
    if case.stage != Stage.NEGOTIATION or case.status != "open":
        return None
    if case_flags(session, case.id) & NEGOTIATION_FLAGS:
        return None
    target = case.return_stage or restart
    if target is None:
        return None
    old = case.stage
    session.execute(
        sa.update(Case)
        .where(col(Case.id) == case.id)
        .values(stage=target, stage_entered_on=as_of, return_stage=None, updated_at=utcnow())
    )
    session.refresh(case)
    add_event(
        session, case_id=case.id, event=events.STAGE, as_of=as_of,
        detail=f"{old.value} -> {target.value} ({why})", actor=actor,
    )  # fmt: skip
    add_event(session, case_id=case.id, event=events.RESUMED, as_of=as_of, detail=why, actor=actor)
    record_many(session, [stage_change(case.id, old, target, why, on=as_of, actor=actor)])
    return target
