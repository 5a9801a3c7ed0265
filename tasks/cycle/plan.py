"""A batch's plan of rows to write, and the recorder the evaluator writes it through: action
lines (deduplicated by idempotency key), timeline events and milestone changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rules.enums import ActionKind, ActionStatus, Channel, MilestoneStatus, RiskTier, Stage
from rules.policy import MilestoneDef
from tasks.audit import Entry
from tasks.cycle.context import CycleContext, RunTotals, step_slot
from tasks.cycle.read import Batch, CaseRow, MilestoneRow


@dataclass
class BatchPlan:
    """Rows to write for one batch (already filtered of existing action keys)."""

    case_updates: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    new_milestones: list[dict[str, Any]] = field(default_factory=list)
    milestone_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    new_reviews: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    stage_moves: list[Entry] = field(default_factory=list)  # the audit chain's rows
    totals: RunTotals = field(default_factory=RunTotals)


@dataclass
class CaseState:
    """A case's mutable state during evaluation."""

    row: CaseRow
    stage: Stage
    entered: date
    bucket: Any
    owner: str | None
    tier: RiskTier | None
    reasons: str | None
    needs_milestones: list[tuple[MilestoneDef, Stage, date]] = field(default_factory=list)

    def changed(self) -> bool:
        r = self.row
        return (
            self.stage != r.stage
            or self.entered != r.stage_entered_on
            or self.bucket != r.bucket
            or self.owner != r.owner
            or self.tier != r.risk_tier
            or self.reasons != r.risk_reasons
        )


class Recorder:
    """Records what a batch's evaluation decides into its `BatchPlan`."""

    def __init__(self, ctx: CycleContext, batch: Batch) -> None:
        self.ctx = ctx
        self.batch = batch
        self.plan = BatchPlan()
        self.as_of = ctx.as_of

    def action(
        self,
        case_id: int,
        kind: ActionKind,
        step: str,
        reason: str,
        *,
        status: ActionStatus = ActionStatus.DONE,
        channel: Channel | None = None,
        template: str | None = None,
    ) -> None:
        key = self.ctx.key(case_id, step)
        totals = self.plan.totals
        slot = step_slot(case_id, step)
        if slot in self.batch.done_steps:
            totals.skipped += 1
            return
        self.batch.done_steps.add(slot)
        totals.actions[kind.value] += 1
        self.plan.actions.append(
            {
                "run_id": self.ctx.run_id,
                "as_of": self.as_of,
                "case_id": case_id,
                "kind": kind,
                "step": step[:120],
                "key": key,
                "policy_version": self.ctx.version,
                "status": status,
                "reason": reason,
                "channel": channel,
                "template": template,
            }
        )

    def timeline(self, case_id: int, event: str, detail: str) -> None:
        self.plan.timeline.append(
            {
                "case_id": case_id,
                "as_of": self.as_of,
                "event": event,
                "detail": detail,
                "actor": "daily_cycle",
            }
        )

    def milestone_update(self, m: MilestoneRow, **values: Any) -> None:
        """Change a milestone (merged per milestone: an alert then a waiver keep both)."""
        row = self.plan.milestone_updates.setdefault(
            m.id,
            {
                "b_id": m.id,
                "status": m.status,
                "closed_on": None,
                "reason": None,
                "alerted_on": m.alerted_on,
                "owner": m.owner,
            },
        )
        row.update(values)

    def still_open(self, m: MilestoneRow) -> bool:
        row = self.plan.milestone_updates.get(m.id)
        status = row["status"] if row is not None else m.status
        return bool(status == MilestoneStatus.OPEN)
