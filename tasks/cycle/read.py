"""Batch reads of the case store as columns: one query per concern per batch of cases.

Cases are read in id order between two ids (`lo <= id <= hi`), with the account's figures as
integer fen and the customer's contactability; on PostgreSQL the batch's case rows are locked
(`FOR UPDATE OF collection_case`) until the batch's transaction commits.

Case flags (the ladder's `events`, e.g. `promise_to_pay`) are timeline events: an event named
`<flag>` sets the flag and `<flag>_cleared` clears it; the latest of the two wins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models import CardAccount, Case, Customer, CycleAction, Milestone, Review, TimelineEvent
from rules import events
from rules.enums import (
    Bucket,
    CaseStatus,
    MilestoneStatus,
    ReviewKind,
    ReviewStatus,
    RiskTier,
    Stage,
)
from tasks.cycle.context import step_slot

CASE = Case.__table__  # type: ignore[attr-defined]
ACCOUNT = CardAccount.__table__  # type: ignore[attr-defined]
CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
TIMELINE = TimelineEvent.__table__  # type: ignore[attr-defined]
MILESTONE = Milestone.__table__  # type: ignore[attr-defined]
REVIEW = Review.__table__  # type: ignore[attr-defined]
ACTION = CycleAction.__table__  # type: ignore[attr-defined]

CLEARED_SUFFIX = events.CLEARED_SUFFIX


def _fen(col: Any) -> Any:
    """A Money column read as its stored integer fen (no Decimal per value)."""
    return sa.type_coerce(col, sa.BigInteger).label(col.name)


class CaseRow(NamedTuple):
    id: int
    stage: Stage
    bucket: Bucket
    owner: str | None
    risk_tier: RiskTier | None
    risk_reasons: str | None
    stage_entered_on: date
    dpd: int
    principal: int  # fen
    interest: int
    fees: int
    credit_limit: int
    last_payment_date: date | None
    last_payment_amount: int | None
    minimum_due: int
    phone: str | None
    email: str | None


class MilestoneRow(NamedTuple):
    id: int
    case_id: int
    kind: str
    stage: Stage
    entry_on: date
    opened_on: date
    due: date
    status: MilestoneStatus
    owner: str | None
    on_miss: str
    alerted_on: date | None


@dataclass
class ReviewState:
    """A case's reviews as the ladder needs them."""

    approved: set[Stage]
    pending: set[Stage]
    rejected_since: dict[Stage, date]  # target -> latest opened_on of a rejected review
    approved_since: dict[Stage, date] = field(default_factory=dict)  # same, approved ones


@dataclass
class Batch:
    lo: int
    hi: int
    cases: list[CaseRow]
    events: dict[int, list[tuple[str, date]]]  # case -> (event, as_of) in time order
    milestones: dict[int, list[MilestoneRow]]
    reviews: dict[int, ReviewState]
    done_steps: set[str]  # step_slot()s already recorded on the day, any policy version


def batch_bounds(conn: Connection, size: int) -> list[tuple[int, int]]:
    """Id ranges of the open cases, `size` cases each, in id order."""
    ids = [
        r[0]
        for r in conn.execute(
            sa.select(CASE.c.id).where(CASE.c.status == CaseStatus.OPEN).order_by(CASE.c.id)
        )
    ]
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def read_cases(conn: Connection, lo: int, hi: int) -> list[CaseRow]:
    c, a, cu = CASE, ACCOUNT, CUSTOMER
    query = (
        sa.select(
            c.c.id,
            c.c.stage,
            c.c.bucket,
            c.c.owner,
            c.c.risk_tier,
            c.c.risk_reasons,
            c.c.stage_entered_on,
            a.c.days_past_due,
            _fen(a.c.principal),
            _fen(a.c.interest),
            _fen(a.c.fees),
            _fen(a.c.credit_limit),
            a.c.last_payment_date,
            _fen(a.c.last_payment_amount),
            _fen(a.c.minimum_due),
            cu.c.phone,
            cu.c.email,
        )
        .select_from(c.join(a, a.c.id == c.c.account_id).join(cu, cu.c.id == c.c.customer_id))
        .where(c.c.status == CaseStatus.OPEN, c.c.id >= lo, c.c.id <= hi)
        .order_by(c.c.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=c)
    return [CaseRow._make(r) for r in conn.execute(query)]


def read_events(
    conn: Connection, lo: int, hi: int, names: Iterable[str], as_of: date
) -> dict[int, list[tuple[str, date]]]:
    """Timeline events with one of `names` recorded up to `as_of`, per case, in time order."""
    wanted = sorted(set(names))
    out: dict[int, list[tuple[str, date]]] = defaultdict(list)
    if not wanted:
        return out
    t = TIMELINE
    rows = conn.execute(
        sa.select(t.c.case_id, t.c.event, t.c.as_of)
        .where(
            t.c.case_id >= lo,
            t.c.case_id <= hi,
            t.c.event.in_(wanted),
            t.c.as_of <= as_of,
        )
        .order_by(t.c.case_id, t.c.as_of, t.c.id)
    )
    for case_id, event, on in rows:
        out[case_id].append((event, on))
    return out


def flags_from(events: list[tuple[str, date]], flag_names: frozenset[str]) -> frozenset[str]:
    """The flags set on a case: the latest of `<flag>` / `<flag>_cleared` wins."""
    state: dict[str, bool] = {}
    for event, _on in events:
        if event in flag_names:
            state[event] = True
        elif event.endswith(CLEARED_SUFFIX) and event[: -len(CLEARED_SUFFIX)] in flag_names:
            state[event[: -len(CLEARED_SUFFIX)]] = False
    return frozenset(k for k, v in state.items() if v)


def milestone_columns() -> list[Any]:
    """The milestone columns in MilestoneRow's order."""
    m = MILESTONE
    return [
        m.c.id,
        m.c.case_id,
        m.c.kind,
        m.c.stage,
        m.c.entry_on,
        m.c.opened_on,
        m.c.due,
        m.c.status,
        m.c.owner,
        m.c.on_miss,
        m.c.alerted_on,
    ]


def read_milestones(conn: Connection, lo: int, hi: int) -> dict[int, list[MilestoneRow]]:
    """Open milestones of the batch's open cases, and every milestone of their current entry."""
    m, c = MILESTONE, CASE
    rows = conn.execute(
        sa.select(*milestone_columns())
        .select_from(m.join(c, c.c.id == m.c.case_id))
        .where(
            m.c.case_id >= lo,
            m.c.case_id <= hi,
            c.c.status == CaseStatus.OPEN,
            m.c.legal_event_id.is_(None),  # a court step's: tasks/legal_clock.py checks it
            sa.or_(
                m.c.status == MilestoneStatus.OPEN,
                sa.and_(m.c.stage == c.c.stage, m.c.entry_on == c.c.stage_entered_on),
            ),
        )
        .order_by(m.c.case_id, m.c.id)
    )
    out: dict[int, list[MilestoneRow]] = defaultdict(list)
    for r in rows:
        row = MilestoneRow._make(r)
        out[row.case_id].append(row)
    return out


def read_reviews(conn: Connection, lo: int, hi: int) -> dict[int, ReviewState]:
    r = REVIEW
    out: dict[int, ReviewState] = {}
    rows = conn.execute(
        sa.select(r.c.case_id, r.c.target_stage, r.c.status, r.c.opened_on).where(
            r.c.case_id >= lo, r.c.case_id <= hi, r.c.kind == ReviewKind.STAGE
        )
    )
    for case_id, target, status, opened_on in rows:
        state = out.setdefault(case_id, ReviewState(set(), set(), {}))
        if status == ReviewStatus.APPROVED:
            state.approved.add(target)
            prev = state.approved_since.get(target)
            state.approved_since[target] = opened_on if prev is None else max(prev, opened_on)
        elif status == ReviewStatus.PENDING:
            state.pending.add(target)
        elif status == ReviewStatus.REJECTED:
            prev = state.rejected_since.get(target)
            state.rejected_since[target] = opened_on if prev is None else max(prev, opened_on)
    return out


def read_done_steps(conn: Connection, lo: int, hi: int, as_of: date) -> set[str]:
    """Steps already recorded for these cases on `as_of` (under any policy version)."""
    a = ACTION
    rows = conn.execute(
        sa.select(a.c.case_id, a.c.step).where(
            a.c.as_of == as_of, a.c.case_id >= lo, a.c.case_id <= hi
        )
    )
    return {step_slot(case_id, step) for case_id, step in rows}


def read_batch(
    conn: Connection, lo: int, hi: int, as_of: date, event_names: Iterable[str]
) -> Batch:
    return Batch(
        lo=lo,
        hi=hi,
        cases=read_cases(conn, lo, hi),
        events=read_events(conn, lo, hi, event_names, as_of),
        milestones=read_milestones(conn, lo, hi),
        reviews=read_reviews(conn, lo, hi),
        done_steps=read_done_steps(conn, lo, hi, as_of),
    )


def open_case_loads(conn: Connection) -> dict[str, int]:
    """Open cases per owner, the load owners are balanced by."""
    c = CASE
    rows = conn.execute(
        sa.select(c.c.owner, sa.func.count())
        .where(c.c.status == CaseStatus.OPEN, c.c.owner.is_not(None))
        .group_by(c.c.owner)
    )
    return {owner: int(n) for owner, n in rows}
