"""The intraday deadline check: between daily cycles, mark milestones met from the events
recorded since, and alert owners of milestones coming due. Misses are left to the next daily
cycle (a deadline is missed once its day is over), which also applies the policy's on_miss.

It never races the daily cycle nor an import: it takes the store lock (tasks.store_lock), uses
the cycle's own milestone check (`rules.milestone_checks.check_milestone`), and its updates apply
only to milestones still open (`write_plan`), so a milestone a cycle closed is never reopened."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from rules.enums import ActionKind, ActionStatus, CaseStatus, Channel, MilestoneStatus, RunStatus
from rules.milestone_checks import DueDates, Verdict, check_milestone, event_names, milestone_def
from tasks.cycle.context import action_key, step_slot
from tasks.cycle.core import PolicyBundle
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
from tasks.legal_clock import sweep_statutory
from tasks.limitation import limitation_warnings
from tasks.policy_versions import record_version
from tasks.store_lock import StoreLock, holder_text


def _open_milestones(conn: Any) -> list[MilestoneRow]:
    m, c = MILESTONE, CASE
    rows = conn.execute(
        sa.select(*milestone_columns())
        .select_from(m.join(c, c.c.id == m.c.case_id))
        .where(
            m.c.status == MilestoneStatus.OPEN,
            c.c.status == CaseStatus.OPEN,
            m.c.legal_event_id.is_(None),  # a court step's: tasks/legal_clock.py checks it
        )
        .order_by(m.c.case_id, m.c.id)
    )
    return [MilestoneRow._make(r) for r in rows]


def check_deadlines(
    engine: Engine, as_of: date, bundle: PolicyBundle, alert_working_days: int = 1
) -> dict[str, Any]:
    """Mark met milestones, alert upcoming ones; one run row (flow `deadline_check`)."""
    plan = BatchPlan()
    totals = plan.totals
    lock = StoreLock(engine, holder_text("a deadline check", as_of))
    lock.acquire()  # waits for a cycle or an import in progress: the check sees their results
    try:
        with engine.begin() as conn:
            run_id = start_run(conn, as_of, bundle.policy.version, flow=DEADLINE_CHECK)
            record_version(conn, bundle.policy)
            found = _check(conn, run_id, as_of, bundle, plan, alert_working_days)
            write_plan(conn, plan)
            # the court steps' statutory periods and the limitation clock (issue 19)
            legal = sweep_statutory(conn, as_of, bundle.calendar).counts()
            legal |= limitation_warnings(conn, as_of, bundle.calendar, bundle.users).counts()
            for name, n in legal.items():
                if n:
                    totals.actions[name] += n
        warning = bundle.calendar.warning_for(as_of)
        if warning:
            totals.warn(warning)
        totals.cases = found.open
        # finished while the lock is held: a row left `running` then means a dead process
        finish_run(engine, run_id, totals, RunStatus.SUCCEEDED)
    finally:
        lock.release()
    return {
        "run_id": run_id,
        "as_of": as_of.isoformat(),
        "open_milestones": found.open,
        "due_today": found.due_today,
        "overdue": found.overdue,
        "actions": dict(sorted(totals.actions.items())),
        "skipped": totals.skipped,
        "warnings": list(totals.warnings),
    }


class _Found(NamedTuple):
    open: int
    due_today: int
    overdue: int


def _check(
    conn: Connection,
    run_id: int,
    as_of: date,
    bundle: PolicyBundle,
    plan: BatchPlan,
    alert_working_days: int,
) -> _Found:
    """Check every open milestone of an open case with the daily cycle's own check; the plan
    gets the met and alerted ones (a miss is left to the next daily cycle)."""
    policy, totals = bundle.policy, plan.totals
    dues = DueDates(bundle.calendar)
    _flags, met_names = event_names(policy)
    milestones = _open_milestones(conn)
    lo = min((m.case_id for m in milestones), default=0)
    hi = max((m.case_id for m in milestones), default=-1)
    events = read_events(conn, lo, hi, met_names, as_of)
    done = read_done_steps(conn, lo, hi, as_of)

    def act(m: MilestoneRow, kind: ActionKind, step: str, reason: str) -> None:
        if step_slot(m.case_id, step) in done:
            totals.skipped += 1
            return
        done.add(step_slot(m.case_id, step))
        totals.actions[kind.value] += 1
        plan.actions.append(
            {
                "run_id": run_id, "as_of": as_of, "case_id": m.case_id, "kind": kind,
                "step": step, "key": action_key(m.case_id, step, policy.version, as_of),
                "policy_version": policy.version, "status": ActionStatus.DONE,
                "reason": reason, "channel": Channel.INTERNAL, "template": None,
            }
        )  # fmt: skip

    due_today = overdue = 0
    for m in milestones:
        check = check_milestone(
            due=m.due,
            opened_on=m.opened_on,
            alerted_on=m.alerted_on,
            mdef=milestone_def(policy, m.stage, m.kind),
            events=events.get(m.case_id, []),
            as_of=as_of,
            dues=dues,
            default_lead=alert_working_days,
        )
        base = {"b_id": m.id, "status": m.status, "closed_on": None, "reason": None,
                "alerted_on": m.alerted_on, "owner": m.owner}  # fmt: skip
        due_today += check.verdict is not Verdict.MET and m.due == as_of
        if check.verdict is Verdict.MET:
            reason = check.met_reason
            plan.milestone_updates[m.id] = {
                **base, "status": MilestoneStatus.MET, "closed_on": as_of, "reason": reason
            }  # fmt: skip
            act(m, ActionKind.MILESTONE_MET, f"met:{m.id}", f"{m.kind}: {reason}")
        elif check.verdict is Verdict.MISSED:
            overdue += 1
        elif check.verdict is Verdict.ALERT:
            plan.milestone_updates[m.id] = {**base, "alerted_on": as_of}
            act(m, ActionKind.MILESTONE_ALERT, f"alert:{m.id}",
                f"{m.kind} due {m.due.isoformat()} ({m.owner or 'no owner'})")  # fmt: skip
    return _Found(len(milestones), due_today, overdue)


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
