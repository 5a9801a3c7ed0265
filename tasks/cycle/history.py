"""Run history: the `cycle_run` rows (daily cycles and deadline checks), newest first, as
JSON-safe data (counts, warnings, the Prefect flow run id; no personal data is stored there)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tasks.cycle.runs import RUN

_DB_INT_MAX = 2**31 - 1


def list_runs(conn: Connection, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many runs there are, the newest `limit` of them)."""
    total = int(conn.execute(sa.select(sa.func.count()).select_from(RUN)).scalar() or 0)
    rows = conn.execute(
        sa.select(RUN)
        .order_by(RUN.c.started_at.desc(), RUN.c.id.desc())
        .limit(min(limit, _DB_INT_MAX))
    )
    out = []
    for r in rows:
        counts: dict[str, int] = json.loads(r.counts or "{}")
        duration = (
            round((r.finished_at - r.started_at).total_seconds(), 1)
            if r.finished_at is not None and r.started_at is not None
            else None
        )
        out.append(
            {
                "run_id": r.id,
                "as_of": r.as_of,
                "flow": r.flow,
                "status": r.status,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "duration_seconds": duration,
                "cases": r.cases,
                "actions": counts,
                "actions_total": sum(counts.values()),
                "skipped": r.skipped,
                "warnings": json.loads(r.warnings or "[]"),
                "error": r.error,
                "flow_run_id": r.flow_run_id,
                "policy_version": r.policy_version,
            }
        )
    return total, out
