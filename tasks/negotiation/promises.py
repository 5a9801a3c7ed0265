"""Promises to pay (承诺还款): `duecourse ptp` and a call logged with `--outcome promise`.

A promise is an amount the debtor undertakes to pay by a date. It is checked before it is kept:
the case is open, the amount is positive, to the fen and not above what the case owes today
(tasks/payments/record.outstanding), the date is not before today nor further out than the
policy's `promise.max_days_ahead` (policy/negotiation.yaml: the bank's figure, not law).

Recording one writes:
- the `promise` row, made today (tasks.clock.today: never backdated); an open earlier promise
  on the case becomes `superseded` (the debtor's latest word is the one watched);
- PROMISE_MADE on the timeline: the debtor agreeing to perform interrupts the limitation period
  (Civil Code Art. 195(2): 义务人同意履行义务; the legal track's clock reads the event);
- the PROMISE_TO_PAY flag (tasks/negotiation/flags.set_flag), which moves the case to the
  negotiation stage at the next daily cycle and pauses collection contacts until the promised
  date plus the grace period (rules/promise_pause.py).
The daily cycle marks it kept or broken (tasks/negotiation/monitor.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import Case, Promise
from rules import events
from rules.amounts import fen_to_yuan, format_yuan
from rules.enums import CaseStatus, Channel, PromiseStatus
from rules.errors import DuecourseError
from rules.masking import scrub_text
from rules.negotiation_policy import NegotiationPolicy
from rules.policy import Policy
from tasks.case_file import find_case
from tasks.clock import today
from tasks.contacts.record import add_event
from tasks.negotiation.flags import set_flag
from tasks.negotiation.policy import load_negotiation_policy
from tasks.negotiation.views import promise_dict
from tasks.negotiation.views import promises_for_case as promises_for_case  # re-exported
from tasks.payments.record import check_amount, outstanding
from tasks.policy import load_policy

NOTE_MAX = 500


def check_open(case: Case) -> None:
    """Only an open case takes a promise, a dispute or a plan."""
    if case.status != CaseStatus.OPEN:
        closed_as = f" as {case.outcome.value}" if case.outcome else ""
        raise DuecourseError(f"case {case.id} is closed{closed_as}: nothing left to negotiate")


def lock_case(session: Session, case_id: int) -> None:
    """Take the case's row lock (PostgreSQL) or the store's write lock (SQLite) until commit:
    two people recording a promise or a dispute on one case at once are served one after the
    other, so "one open promise" and "one open dispute per kind" hold under a race."""
    # a write that changes nothing (no version bump, no new updated_at): only its lock matters
    session.execute(
        sa.update(Case).where(col(Case.id) == case_id).values(updated_at=col(Case.updated_at))
    )


def check_due_on(due_on: date, day: date, policy: NegotiationPolicy) -> None:
    """The promised date: today at the earliest, `max_days_ahead` days out at the latest."""
    if due_on < day:
        raise DuecourseError(f"--by {due_on} is before today ({day}): a promise is to pay later")
    latest = day + timedelta(days=policy.promise.max_days_ahead)
    if due_on > latest:
        raise DuecourseError(
            f"--by {due_on} is more than {policy.promise.max_days_ahead} days ahead (latest "
            f"{latest}; policy promise.max_days_ahead)"
        )


def owed_fen(session: Session, case: Case, day: date) -> int:
    """What the case owes on `day`, in fen (heads overpaid count as nothing owed)."""
    return sum(max(v, 0) for v in outstanding(session, case, day).values())


def _supersede(session: Session, case_id: int, day: date) -> list[int]:
    """Open earlier promises of the case -> superseded; their ids."""
    ids = list(
        session.exec(
            select(Promise.id).where(
                Promise.case_id == case_id, Promise.status == PromiseStatus.OPEN
            )
        ).all()
    )
    if ids:
        session.execute(
            sa.update(Promise)
            .where(col(Promise.id).in_(ids))
            .values(status=PromiseStatus.SUPERSEDED, closed_on=day)
        )
    return [i for i in ids if i is not None]


def record_promise(
    session: Session,
    case_ref: str,
    amount: Decimal,
    due_on: date,
    *,
    channel: Channel | None = None,
    note: str | None = None,
    actor: str = "cli",
    contact_id: int | None = None,
    negotiation: NegotiationPolicy | None = None,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """Record a promise on the case (id or account id) and flush; the caller commits. Refused
    with one line: a bad amount, a closed case, more than is owed, a date out of range."""
    fen = check_amount(amount)
    day = today()
    negotiation = negotiation or load_negotiation_policy()
    check_due_on(due_on, day, negotiation)
    case = find_case(session, case_ref)
    assert case.id is not None
    lock_case(session, case.id)
    session.refresh(case)  # as it stands once the lock is ours
    check_open(case)
    owed = owed_fen(session, case, day)
    if fen > owed:
        raise DuecourseError(
            f"amount {format_yuan(fen_to_yuan(fen))} is more than case {case.id} owes "
            f"({format_yuan(fen_to_yuan(owed))})"
        )
    text = scrub_text(" ".join((note or "").split()))[:NOTE_MAX] or None
    superseded = _supersede(session, case.id, day)
    promise = Promise(
        case_id=case.id,
        amount=fen_to_yuan(fen),
        made_on=day,
        due_on=due_on,
        channel=channel,
        contact_id=contact_id,
        note=text,
        actor=actor,
    )
    session.add(promise)
    session.flush()
    via = f" by {channel.value}" if channel else ""
    replaced = f"; supersedes promise {', '.join(map(str, superseded))}" if superseded else ""
    add_event(
        session,
        case_id=case.id,
        event=events.PROMISE_MADE,
        as_of=day,
        detail=(
            f"promise {promise.id}{via}: {format_yuan(promise.amount)} by {due_on}{replaced} "
            "(the debtor agreeing to perform interrupts the limitation period: Civil Code "
            "Art. 195(2))"
        ),
        actor=actor,
    )
    set_flag(
        session,
        case,
        events.PROMISE_TO_PAY,
        as_of=day,
        actor=actor,
        detail=f"promise {promise.id}: {format_yuan(promise.amount)} by {due_on}",
        policy=policy or load_policy(),
    )
    session.flush()
    result = promise_dict(promise)
    result["superseded"] = superseded
    result["pause_until"] = due_on + timedelta(days=negotiation.promise.grace_days)
    return result
