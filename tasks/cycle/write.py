"""Write one batch's plan: executemany of the changed rows only, in the batch's transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from models.types import utcnow
from tasks.cycle.evaluate import BatchPlan
from tasks.cycle.read import ACTION, CASE, MILESTONE, REVIEW, TIMELINE


def _insert_ignoring(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: the unique keys are the last line of defence."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def write_plan(conn: Connection, plan: BatchPlan) -> None:
    now = utcnow()
    if plan.case_updates:
        c = CASE
        conn.execute(
            sa.update(c)
            .where(c.c.id == sa.bindparam("b_id"))
            .values(
                stage=sa.bindparam("stage", type_=c.c.stage.type),
                stage_entered_on=sa.bindparam("stage_entered_on", type_=c.c.stage_entered_on.type),
                bucket=sa.bindparam("bucket", type_=c.c.bucket.type),
                owner=sa.bindparam("owner", type_=c.c.owner.type),
                risk_tier=sa.bindparam("risk_tier", type_=c.c.risk_tier.type),
                risk_reasons=sa.bindparam("risk_reasons", type_=c.c.risk_reasons.type),
                version=c.c.version + 1,
                updated_at=now,
            ),
            plan.case_updates,
        )
    if plan.milestone_updates:
        m = MILESTONE
        conn.execute(
            sa.update(m)
            .where(m.c.id == sa.bindparam("b_id"))
            .values(
                status=sa.bindparam("status", type_=m.c.status.type),
                closed_on=sa.bindparam("closed_on", type_=m.c.closed_on.type),
                reason=sa.bindparam("reason", type_=m.c.reason.type),
                alerted_on=sa.bindparam("alerted_on", type_=m.c.alerted_on.type),
                owner=sa.bindparam("owner", type_=m.c.owner.type),
                updated_at=now,
            ),
            list(plan.milestone_updates.values()),
        )
    stamp = {"created_at": now, "updated_at": now}
    _insert_ignoring(conn, MILESTONE, [{**r, **stamp} for r in plan.new_milestones])
    _insert_ignoring(conn, REVIEW, [{**r, "created_at": now} for r in plan.new_reviews])
    _insert_ignoring(conn, ACTION, [{**r, **stamp} for r in plan.actions])
    if plan.timeline:
        conn.execute(sa.insert(TIMELINE), [{**r, "at": now} for r in plan.timeline])
