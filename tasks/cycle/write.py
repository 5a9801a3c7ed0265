"""Write one batch's plan: executemany of the changed rows only, in the batch's transaction.

Through the driver (tasks.bulk), with values converted to their storage form once per value:
SQLAlchemy's per-row type processing costs more than the writes themselves at a million rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.engine import Connection

from models.types import utcnow
from tasks.bulk import db_date, db_time, insert_many, placeholder
from tasks.cycle.evaluate import BatchPlan

IGNORE_DUPLICATES = "ON CONFLICT DO NOTHING"  # the unique keys are the last line of defence

_CASE_SET = ("stage", "stage_entered_on", "bucket", "owner", "risk_tier", "risk_reasons")
_MILESTONE_SET = ("status", "closed_on", "reason", "alerted_on", "owner")
_MILESTONE_NEW = (
    "case_id", "kind", "stage", "entry_on", "opened_on", "due", "status", "owner",
    "owner_role", "on_miss", "rule", "policy_version",
)  # fmt: skip
_REVIEW_NEW = (
    "case_id", "target_stage", "required_role", "status", "opened_on", "key", "policy_version",
)  # fmt: skip
_ACTION_NEW = (
    "run_id", "as_of", "case_id", "kind", "step", "key", "policy_version", "status", "reason",
    "channel", "template",
)  # fmt: skip
_TIMELINE_NEW = ("case_id", "as_of", "event", "detail", "actor")


class _Storage:
    """Values in storage form (enum values, ISO dates on SQLite), memoised: a batch holds few
    distinct dates and enum members but hundreds of thousands of values."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.memo: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind is str or kind is int:
            return value
        hit = self.memo.get((kind, value))
        if hit is None:
            if isinstance(value, Enum):
                hit = value.value
            elif isinstance(value, datetime):
                hit = db_time(self.conn, value)
            elif isinstance(value, date):
                hit = db_date(self.conn, value)
            else:
                hit = value
            self.memo[(kind, value)] = hit
        return hit

    def rows(
        self, rows: Sequence[dict[str, Any]], columns: Sequence[str], *extra: Any
    ) -> list[tuple[Any, ...]]:
        return [tuple([self(r[c]) for c in columns]) + extra for r in rows]


def write_plan(conn: Connection, plan: BatchPlan) -> None:
    now = utcnow()
    ts = db_time(conn, now)
    ph = placeholder(conn)
    store = _Storage(conn)
    if plan.case_updates:
        sets = ", ".join(f"{c} = {ph}" for c in _CASE_SET)
        conn.exec_driver_sql(
            f"UPDATE collection_case SET {sets}, version = version + 1, updated_at = {ph} "
            f"WHERE id = {ph}",
            [(*[store(r[c]) for c in _CASE_SET], ts, r["b_id"]) for r in plan.case_updates],
        )
    if plan.milestone_updates:
        sets = ", ".join(f"{c} = {ph}" for c in _MILESTONE_SET)
        conn.exec_driver_sql(
            f"UPDATE milestone SET {sets}, updated_at = {ph} WHERE id = {ph}",
            [
                (*[store(r[c]) for c in _MILESTONE_SET], ts, r["b_id"])
                for r in plan.milestone_updates.values()
            ],
        )
    insert_many(
        conn,
        "milestone",
        [*_MILESTONE_NEW, "created_at", "updated_at"],
        store.rows(plan.new_milestones, _MILESTONE_NEW, ts, ts),
        on_conflict=IGNORE_DUPLICATES,
    )
    insert_many(
        conn,
        "review",
        [*_REVIEW_NEW, "created_at"],
        store.rows(plan.new_reviews, _REVIEW_NEW, ts),
        on_conflict=IGNORE_DUPLICATES,
    )
    insert_many(
        conn,
        "cycle_action",
        [*_ACTION_NEW, "created_at", "updated_at"],
        store.rows(plan.actions, _ACTION_NEW, ts, ts),
        on_conflict=IGNORE_DUPLICATES,
    )
    insert_many(
        conn,
        "timeline_event",
        [*_TIMELINE_NEW, "at"],
        store.rows(plan.timeline, _TIMELINE_NEW, ts),
    )
