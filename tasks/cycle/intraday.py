"""The intraday deadline check: between daily cycles, mark milestones met from the events
recorded since, and alert owners of milestones coming due. Misses are left to the next daily
cycle (a deadline is missed once its day is over), which also applies the policy's on_miss."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.cycle import ActionKind
from rules.enums import ActionStatus, CaseStatus, Channel, MilestoneStatus, RunStatus
from tasks.cycle.context import action_key, step_slot
from tasks.cycle.core import PolicyBundle
from tasks.cycle.deadlines import DueDates, alert_lead, event_names, met_event, milestone_def
from tasks.cycle.plan import BatchPlan
from tasks.cycle.read import (
    CASE,
    MILESTONE,
    MilestoneRow,
    milestone_columns,
    read_done_steps,
    read_events,
)
from tasks.cycle.runs import DEADLINE_CHECK, finish_run, start_run
from tasks.cycle.write import write_plan


def _open_milestones(conn: Any) -> list[MilestoneRow]:
    m, c = MILESTONE, CASE
    rows = conn.execute(
        sa.select(*milestone_columns())
        .select_from(m.join(c, c.c.id == m.c.case_id))
        .where(m.c.status == MilestoneStatus.OPEN, c.c.status == CaseStatus.OPEN)
        .order_by(m.c.case_id, m.c.id)
    )
    return [MilestoneRow._make(r) for r in rows]


def check_deadlines(
    engine: Engine, as_of: date, bundle: PolicyBundle, alert_working_days: int = 1
) -> dict[str, Any]:
    """Mark met milestones, alert upcoming ones; one run row (flow `deadline_check`)."""
    policy = bundle.policy
    dues = DueDates(bundle.calendar)
    _flags, met_names = event_names(policy)
    plan = BatchPlan()
    totals = plan.totals
    due_today = overdue = 0
    with engine.begin() as conn:
        run_id = start_run(conn, as_of, policy.version, flow=DEADLINE_CHECK)
        milestones = _open_milestones(conn)
        lo = min((m.case_id for m in milestones), default=0)
        hi = max((m.case_id for m in milestones), default=-1)
        events = read_events(conn, lo, hi, met_names, as_of)
        done = read_done_steps(conn, lo, hi, as_of)

        def act(m: MilestoneRow, kind: ActionKind, step: str, reason: str) -> None:
            key = action_key(m.case_id, step, policy.version, as_of)
            if step_slot(m.case_id, step) in done:
                totals.skipped += 1
                return
            done.add(step_slot(m.case_id, step))
            totals.actions[kind.value] += 1
            plan.actions.append(
                {
                    "run_id": run_id, "as_of": as_of, "case_id": m.case_id, "kind": kind,
                    "step": step, "key": key, "policy_version": policy.version,
                    "status": ActionStatus.DONE, "reason": reason, "channel": Channel.INTERNAL,
                    "template": None,
                }
            )  # fmt: skip

        for m in milestones:
            mdef = milestone_def(policy, m.stage, m.kind)
            met = met_event(
                mdef.met_by if mdef else [], events.get(m.case_id, []), m.opened_on, as_of
            )
            base = {"b_id": m.id, "status": m.status, "closed_on": None, "reason": None,
                    "alerted_on": m.alerted_on, "owner": m.owner}  # fmt: skip
            if met is not None:
                reason = f"{met[0]} on {met[1].isoformat()}"
                plan.milestone_updates[m.id] = {
                    **base,
                    "status": MilestoneStatus.MET,
                    "closed_on": as_of,
                    "reason": reason,
                }
                act(m, ActionKind.MILESTONE_MET, f"met:{m.id}", f"{m.kind}: {reason}")
                continue
            if m.due < as_of:
                overdue += 1
            elif m.due == as_of:
                due_today += 1
            if (
                m.alerted_on is None
                and dues.alert_day(m.due, alert_lead(mdef, alert_working_days)) <= as_of
            ):
                plan.milestone_updates[m.id] = {**base, "alerted_on": as_of}
                act(m, ActionKind.MILESTONE_ALERT, f"alert:{m.id}",
                    f"{m.kind} due {m.due.isoformat()} ({m.owner or 'no owner'})")  # fmt: skip
        write_plan(conn, plan)
    warning = bundle.calendar.warning_for(as_of)
    if warning:
        totals.warn(warning)
    totals.cases = len(milestones)
    finish_run(engine, run_id, totals, RunStatus.SUCCEEDED)
    return {
        "run_id": run_id,
        "as_of": as_of.isoformat(),
        "open_milestones": len(milestones),
        "due_today": due_today,
        "overdue": overdue,
        "actions": dict(sorted(totals.actions.items())),
        "skipped": totals.skipped,
        "warnings": list(totals.warnings),
    }


def intraday_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# Deadline check {summary['as_of']} (run {summary['run_id']})",
        "",
        f"- open milestones: {summary['open_milestones']}",
        f"- due today: {summary['due_today']}",
        f"- overdue (the next daily cycle records the miss): {summary['overdue']}",
    ]
    lines += [f"- {kind}: {n}" for kind, n in summary["actions"].items()]
    lines += [f"- warning: {w}" for w in summary["warnings"]]
    return "\n".join(lines)
