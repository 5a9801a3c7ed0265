"""The review queue as the web console shows it: `tasks.reviews.list_reviews`'s rows, filtered by
kind (the target stage), status, owner and due, paged, each with the deadline it is under.

A review is under two kinds of deadline: the milestone that measures the review itself (the
ladder's `opens: review_requested`, e.g. `legal_review`, two working days: it opened with the
review, for its target stage, on the day it was requested) and any statutory milestone still open
on the case (one with a `rule`, e.g. the court's acceptance of a payment order, CPL 2023 Art. 223).
The earlier of those is the review's `deadline`; the `due` filter keeps reviews whose deadline
falls on or before a day. Set-based: one count, one ordered page, one milestone read for the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import CardAccount, Case, Customer, Milestone
from models.review import Review
from rules.enums import MilestoneStatus, ReviewStatus, Stage
from tasks.bulk import MAX_ROW_ID
from tasks.reviews import _item, _list_conditions

MILESTONE = Milestone.__table__  # type: ignore[attr-defined]
REVIEW = Review.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: `status` None is every status; `target` a target stage; `owner`
    only that owner's cases (a collector's own); `due_by` only reviews whose deadline falls on
    or before that day."""

    status: ReviewStatus | None = ReviewStatus.PENDING
    target: Stage | None = None
    owner: str | None = None
    due_by: date | None = None


def _review_due() -> Any:
    """The earliest open milestone measuring the review (opened with it for its target stage)."""
    m, r = MILESTONE, REVIEW
    return (
        sa.select(sa.func.min(m.c.due))
        .where(
            m.c.case_id == r.c.case_id,
            m.c.stage == r.c.target_stage,
            m.c.entry_on == r.c.opened_on,
            m.c.status == MilestoneStatus.OPEN,
        )
        .scalar_subquery()
    )


def _statutory_due() -> Any:
    """The earliest open statutory milestone (one citing its article) of the review's case."""
    m, r = MILESTONE, REVIEW
    return (
        sa.select(sa.func.min(m.c.due))
        .where(
            m.c.case_id == r.c.case_id,
            m.c.rule.is_not(None),
            m.c.status == MilestoneStatus.OPEN,
        )
        .scalar_subquery()
    )


def _conditions(f: QueueFilter) -> list[Any]:
    conditions = list(_list_conditions(f.status, None))
    if f.target is not None:
        conditions.append(col(Review.target_stage) == f.target)
    if f.owner is not None:
        conditions.append(col(Case.owner) == f.owner)
    if f.due_by is not None:
        conditions.append(sa.or_(_review_due() <= f.due_by, _statutory_due() <= f.due_by))
    return conditions


def count_queue(session: Session, f: QueueFilter) -> int:
    """How many reviews the queue holds under `f` (every page)."""
    query = (
        select(sa.func.count())
        .select_from(Review)
        .join(Case, col(Case.id) == col(Review.case_id))
        .where(*_conditions(f))
    )
    return int(session.exec(query).one())


def review_queue(
    session: Session, f: QueueFilter, *, offset: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    """One page of the queue, oldest first (as `list_reviews`), each review with its
    `deadline` (see `deadlines_for`)."""
    query = (
        select(Review, Case, CardAccount, Customer.name)
        .join(Case, col(Case.id) == col(Review.case_id))
        .join(CardAccount, col(CardAccount.id) == col(Case.account_id))
        .join(Customer, col(Customer.id) == col(Case.customer_id))
        .where(*_conditions(f))
        .order_by(col(Review.opened_on), col(Review.id))
        .offset(min(max(offset, 0), MAX_ROW_ID))
        .limit(min(max(limit, 0), MAX_ROW_ID))
    )
    items = [_item(r, c, a, n) for r, c, a, n in session.exec(query).all()]
    deadlines = deadlines_for(session, items)
    return [{**item, "deadline": deadlines.get(item["id"])} for item in items]


def deadlines_for(session: Session, reviews: Sequence[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """review id -> its earliest open deadline `{kind, due, rule, statutory}`: the milestone
    measuring the review or a statutory milestone of its case, whichever falls first (reviews
    under neither are left out). `reviews` are `list_reviews`/`show_review` items."""
    case_ids = sorted({r["case_id"] for r in reviews})
    if not case_ids:
        return {}
    rows = session.exec(
        select(Milestone).where(
            col(Milestone.case_id).in_(case_ids), Milestone.status == MilestoneStatus.OPEN
        )
    ).all()
    by_case: dict[int, list[Milestone]] = {}
    for m in rows:
        by_case.setdefault(m.case_id, []).append(m)
    out: dict[int, dict[str, Any]] = {}
    for r in reviews:
        under = [
            m
            for m in by_case.get(r["case_id"], [])
            if m.rule is not None or (m.stage == r["target_stage"] and m.entry_on == r["opened_on"])
        ]
        if under:
            first = min(under, key=lambda m: (m.due, m.id or 0))
            out[r["id"]] = {
                "kind": first.kind,
                "due": first.due,
                "rule": first.rule,
                "statutory": first.rule is not None,
            }
    return out
