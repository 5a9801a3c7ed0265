"""Write one batch's plan: executemany of the changed rows only, in the batch's transaction.

Through the driver (tasks.bulk), each table's rows built as tuples in storage form directly
(enum values, ISO dates on SQLite, memoised): SQLAlchemy's per-row type processing costs more
than the writes themselves at a million rows.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy.engine import Connection

from models.types import utcnow
from rules.enums import MilestoneStatus
from tasks.audit import record_many
from tasks.bulk import db_date, db_time, insert_many, placeholder
from tasks.cycle.plan import BatchPlan

IGNORE_DUPLICATES = "ON CONFLICT DO NOTHING"  # the unique keys are the last line of defence

_MILESTONE_NEW = (
    "case_id",
    "kind",
    "stage",
    "entry_on",
    "opened_on",
    "due",
    "due_latest",
    "status",
    "owner",
    "owner_role",
    "on_miss",
    "rule",
    "policy_version",
    "created_at",
    "updated_at",
)
_REVIEW_NEW = (
    "case_id",
    "target_stage",
    "required_role",
    "status",
    "opened_on",
    "key",
    "policy_version",
    "created_at",
)
_ACTION_NEW = (
    "run_id",
    "as_of",
    "case_id",
    "kind",
    "step",
    "key",
    "policy_version",
    "status",
    "reason",
    "channel",
    "template",
    "created_at",
    "updated_at",
)
_TIMELINE_NEW = ("case_id", "as_of", "event", "detail", "actor", "at")


def _v(value: Enum | None) -> str | None:
    return None if value is None else str(value.value)


class _Dates:
    """Dates in storage form, memoised (a batch holds a few distinct dates)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.memo: dict[date | None, Any] = {None: None}

    def __call__(self, d: date | None) -> Any:
        hit = self.memo.get(d, self)
        if hit is self:
            hit = self.memo[d] = db_date(self.conn, d)
        return hit


def write_plan(conn: Connection, plan: BatchPlan) -> None:
    ts = db_time(conn, utcnow())
    ph = placeholder(conn)
    d = _Dates(conn)
    if plan.case_updates:
        conn.exec_driver_sql(
            f"UPDATE collection_case SET stage = {ph}, stage_entered_on = {ph}, bucket = {ph}, "
            f"owner = {ph}, risk_tier = {ph}, risk_reasons = {ph}, version = version + 1, "
            f"updated_at = {ph} WHERE id = {ph}",
            [
                (
                    _v(r["stage"]),
                    d(r["stage_entered_on"]),
                    _v(r["bucket"]),
                    r["owner"],
                    _v(r["risk_tier"]),
                    r["risk_reasons"],
                    ts,
                    r["b_id"],
                )
                for r in plan.case_updates
            ],
        )
    if plan.milestone_updates:
        conn.exec_driver_sql(
            # Only a milestone still open is changed (every update is of one read open): a
            # check that raced another never reopens what that one closed.
            f"UPDATE milestone SET status = {ph}, closed_on = {ph}, reason = {ph}, "
            f"alerted_on = {ph}, owner = {ph}, updated_at = {ph} "
            f"WHERE id = {ph} AND status = '{MilestoneStatus.OPEN.value}'",
            [
                (
                    _v(r["status"]),
                    d(r["closed_on"]),
                    r["reason"],
                    d(r["alerted_on"]),
                    r["owner"],
                    ts,
                    r["b_id"],
                )
                for r in plan.milestone_updates.values()
            ],
        )
    insert_many(
        conn,
        "milestone",
        _MILESTONE_NEW,
        [
            (
                r["case_id"],
                r["kind"],
                _v(r["stage"]),
                d(r["entry_on"]),
                d(r["opened_on"]),
                d(r["due"]),
                d(r["due_latest"]),
                _v(r["status"]),
                r["owner"],
                _v(r["owner_role"]),
                r["on_miss"],
                r["rule"],
                r["policy_version"],
                ts,
                ts,
            )
            for r in plan.new_milestones
        ],
        on_conflict=IGNORE_DUPLICATES,
    )
    insert_many(
        conn,
        "review",
        _REVIEW_NEW,
        [
            (
                r["case_id"],
                _v(r["target_stage"]),
                _v(r["required_role"]),
                _v(r["status"]),
                d(r["opened_on"]),
                r["key"],
                r["policy_version"],
                ts,
            )
            for r in plan.new_reviews
        ],
        on_conflict=IGNORE_DUPLICATES,
    )
    insert_many(
        conn,
        "cycle_action",
        _ACTION_NEW,
        [
            (
                r["run_id"],
                d(r["as_of"]),
                r["case_id"],
                r["kind"].value,
                r["step"],
                r["key"],
                r["policy_version"],
                r["status"].value,
                r["reason"],
                _v(r["channel"]),
                r["template"],
                ts,
                ts,
            )
            for r in plan.actions
        ],
        on_conflict=IGNORE_DUPLICATES,
    )
    insert_many(
        conn,
        "timeline_event",
        _TIMELINE_NEW,
        [
            (r["case_id"], d(r["as_of"]), r["event"], r["detail"], r["actor"], ts)
            for r in plan.timeline
        ],
    )
    record_many(conn, plan.stage_moves)  # last: the chain's lock is held to the commit
