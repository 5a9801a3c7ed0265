"""Evaluate one batch of cases: bucket and risk refresh, milestone checks, the ladder, reviews,
the day's actions and owners. Produces a `BatchPlan` of rows to write; reads nothing itself.

Per case, in order: refresh bucket and risk; check the open milestones (met from recorded events,
missed after their due day with the policy's on_miss, alerted N working days before); ask the
ladder (`rules.ladder.next_actions`); move, or open a review; plan the actions due; then, for the
whole batch, assign owners where the stage's owner role has none (`rules.owners.assign_owners`)
and open the current stage entry's milestones with those owners.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from rules import events as ev
from rules.enums import (
    ActionKind,
    ActionStatus,
    Channel,
    MilestoneStatus,
    ReviewStatus,
    RiskTier,
    Role,
    Stage,
)
from rules.ladder import CaseFacts, DueAction, actions_due, next_actions
from rules.milestone_checks import (
    ESCALATE_STEP,
    ESCALATED_TO,
    SUBJECT_MILESTONE_KINDS,
    DueDates,
    Verdict,
    check_milestone,
    event_names,
    milestone_def,
)
from rules.owners import assign_owners, least_loaded, needs_new_owner
from rules.policy import MilestoneOpens
from rules.transitions import advance_target, approved_transitions
from tasks.audit import stage_change
from tasks.cycle.context import CycleContext, step_slot
from tasks.cycle.plan import BatchPlan, CaseState, Recorder
from tasks.cycle.read import Batch, CaseRow, MilestoneRow, ReviewState, flags_from
from tasks.cycle.risk_facts import risk_for


class BatchEvaluator(Recorder):
    def __init__(self, ctx: CycleContext, batch: Batch, due_dates: DueDates) -> None:
        super().__init__(ctx, batch)
        self.dues = due_dates
        self.policy = ctx.policy
        self.flag_names, _met = event_names(ctx.policy)
        self.stage_defs = {s.stage: s for s in ctx.policy.stages}
        self.reassigns: list[tuple[CaseState, MilestoneRow, str]] = []
        self.explicit = approved_transitions(ctx.policy)

    # -- the batch ---------------------------------------------------------------------------

    def run(self) -> BatchPlan:
        states = [self.evaluate(row) for row in self.batch.cases]
        self.assign(states)
        for st, m, what in self.reassigns:
            self.reassign(st, m, what)
        for st in states:
            self.open_milestones(st)
            if st.changed():
                self.plan.case_updates.append(
                    {
                        "b_id": st.row.id,
                        "stage": st.stage,
                        "stage_entered_on": st.entered,
                        "bucket": st.bucket,
                        "owner": st.owner,
                        "risk_tier": st.tier,
                        "risk_reasons": st.reasons,
                    }
                )
        self.plan.totals.cases = len(states)
        return self.plan

    def evaluate(self, row: CaseRow) -> CaseState:
        as_of = self.as_of
        bucket = self.policy.buckets.bucket_for(row.dpd)
        result = risk_for(row, self.policy.risk, as_of)
        reasons = json.dumps(result.reasons, ensure_ascii=False)
        st = CaseState(
            row, row.stage, row.stage_entered_on, bucket, row.owner, result.tier, reasons
        )
        if row.risk_tier is None:
            self.plan.totals.risk_changes += 1  # first scoring: set, not a change to record
        elif row.risk_tier != result.tier:
            self.plan.totals.risk_changes += 1
            why = "; ".join(result.reasons) or "no risk rule applies"
            self.timeline(row.id, ev.RISK, f"{row.risk_tier.value} -> {result.tier.value}: {why}")
        events = self.batch.events.get(row.id, [])
        reviews = self.batch.reviews.get(row.id) or ReviewState(set(), set(), {})
        advance_to = self.check_milestones(st, events, reviews)
        facts = CaseFacts(
            case_id=row.id,
            stage=st.stage,
            bucket=bucket,
            dpd=row.dpd,
            balance=Decimal(row.principal + row.interest + row.fees).scaleb(-2),
            principal=Decimal(row.principal).scaleb(-2),
            credit_limit=Decimal(row.credit_limit).scaleb(-2),
            risk_tier=st.tier,
            stage_entered_on=st.entered,
            events=flags_from(events, self.flag_names),
            approved_stages=frozenset(reviews.approved),
            last_payment_date=row.last_payment_date,
            owner=st.owner,
        )
        decision = next_actions(facts, self.policy, as_of)
        if decision.new_stage is not None:
            self.move(st, decision.new_stage, "ladder", decision.actions_due)
        elif advance_to is not None:
            target_def = self.policy.stage_def(advance_to)
            if target_def.review is not None and advance_to not in reviews.approved:
                self.request_review(st, target_def.review, advance_to, reviews)
            else:
                self.move(st, advance_to, "milestone missed", actions_due(target_def, 0))
        elif (explicit := self.approved_transition(st, reviews)) is not None:
            self.move(st, explicit, "review approved", actions_due(self.stage_defs[explicit], 0))
        else:
            if decision.review_needed is not None:
                role, target = decision.review_needed
                self.request_review(st, role, target, reviews)
            self.plan_actions(st, decision.actions_due)
        if (
            not any(
                m.stage == st.stage
                and m.entry_on == st.entered
                and m.kind not in SUBJECT_MILESTONE_KINDS  # a dispute's: no stage entry's
                for m in self.batch.milestones.get(row.id, [])
            )
            and not any((s, e) == (st.stage, st.entered) for _m, s, e in st.needs_milestones)
            and self.policy.has_stage(st.stage)
        ):
            st.needs_milestones += [
                (m, st.stage, st.entered) for m in self.policy.stage_def(st.stage).entry_milestones
            ]
        return st

    # -- stages, reviews, actions --------------------------------------------------------------

    def move(self, st: CaseState, target: Stage, why: str, due: list[DueAction]) -> None:
        case_id, old = st.row.id, st.stage
        self.action(case_id, ActionKind.STAGE_MOVE, f"stage:{target.value}", f"{old} -> {target}")
        self.timeline(case_id, ev.STAGE, f"{old.value} -> {target.value} ({why})")
        self.plan.stage_moves.append(
            stage_change(case_id, old, target, why, on=self.as_of, policy_version=self.ctx.version)
        )
        for m in self.batch.milestones.get(case_id, []):
            if (
                self.still_open(m)
                and m.opened_on < self.as_of
                and (m.stage, m.entry_on) == (old, st.entered)
                and m.kind not in SUBJECT_MILESTONE_KINDS  # a dispute's outlives the stage
            ):
                reason = f"left {old.value} for {target.value}"
                self.milestone_update(
                    m, status=MilestoneStatus.WAIVED, closed_on=self.as_of, reason=reason
                )
                self.action(case_id, ActionKind.MILESTONE_WAIVED, f"waive:{m.id}", reason)
        st.stage, st.entered = target, self.as_of
        st.needs_milestones = [
            (m, target, self.as_of) for m in self.policy.stage_def(target).entry_milestones
        ]
        self.plan_actions(st, due)

    def approved_transition(self, st: CaseState, reviews: ReviewState) -> Stage | None:
        """A stage without entry conditions (reached only by an explicit transition, e.g. a
        payment order) whose review was approved during this stay, if the ladder allows it."""
        for target, opened_on in sorted(reviews.approved_since.items()):
            if (st.stage, target) in self.explicit and opened_on >= st.entered:
                return target
        return None

    def request_review(
        self, st: CaseState, role: Role, target: Stage, reviews: ReviewState
    ) -> None:
        if target in reviews.pending:
            return
        rejected = reviews.rejected_since.get(target)
        if rejected is not None and rejected >= st.entered:
            return  # rejected during this stay: not asked again until the case moves
        case_id = st.row.id
        key = self.ctx.key(case_id, f"review:{target.value}")
        reviews.pending.add(target)
        if step_slot(case_id, f"review:{target.value}") in self.batch.done_steps:
            self.plan.totals.skipped += 1
            return
        self.plan.new_reviews.append(
            {
                "case_id": case_id,
                "target_stage": target,
                "required_role": role,
                "status": ReviewStatus.PENDING,
                "opened_on": self.as_of,
                "key": key,
                "policy_version": self.ctx.version,
            }
        )
        reason = f"entering {target.value} needs {role.value} approval"
        self.action(case_id, ActionKind.REVIEW_OPENED, f"review:{target.value}", reason)
        self.timeline(case_id, ev.REVIEW_REQUESTED, f"review requested: {reason}")
        # Milestones that measure the review (`opens: review_requested`) open with it, keyed by
        # (case, target stage, the day it was requested, kind): a rerun never opens one twice.
        target_def = self.stage_defs.get(target)
        for mdef in target_def.review_milestones if target_def is not None else []:
            st.needs_milestones.append((mdef, target, self.as_of))

    def plan_actions(self, st: CaseState, due: list[DueAction]) -> None:
        for action, n in due:
            self.action(
                st.row.id,
                ActionKind.for_channel(action.channel),
                f"{st.stage.value}:{action.key}#{n}",
                f"{st.stage.value} day {(self.as_of - st.entered).days}, occurrence {n}",
                status=ActionStatus.PLANNED,
                channel=action.channel,
                template=action.template,
            )

    # -- milestones ----------------------------------------------------------------------------

    def check_milestones(
        self, st: CaseState, events: list[tuple[str, date]], reviews: ReviewState
    ) -> Stage | None:
        """Met / missed / alert for the case's open milestones; a stage to advance to or None.
        A milestone of another stage entry is waived, except one measuring a review (it belongs
        to the review's target stage), which is waived once that review is no longer pending
        without its decision having met it."""
        advance: Stage | None = None
        case_id, as_of = st.row.id, self.as_of
        for m in self.batch.milestones.get(case_id, []):
            if m.status != MilestoneStatus.OPEN or m.opened_on >= as_of:
                # One opened today is checked from tomorrow (rules/transitions.py): a rerun of
                # the day finds nothing new to check.
                continue
            mdef = milestone_def(self.policy, m.stage, m.kind)
            of_review = mdef is not None and mdef.opens == MilestoneOpens.REVIEW_REQUESTED
            of_subject = m.kind in SUBJECT_MILESTONE_KINDS  # a dispute's: outlives the stage
            if (m.stage, m.entry_on) != (st.stage, st.entered) and not (of_review or of_subject):
                reason = f"stage entry ended ({m.stage.value} since {m.entry_on})"
                self.milestone_update(
                    m, status=MilestoneStatus.WAIVED, closed_on=as_of, reason=reason
                )
                self.action(case_id, ActionKind.MILESTONE_WAIVED, f"waive:{m.id}", reason)
                continue
            check = check_milestone(
                due=m.due,
                opened_on=m.opened_on,
                alerted_on=m.alerted_on,
                mdef=mdef,
                events=events,
                as_of=as_of,
                dues=self.dues,
                default_lead=self.ctx.alert_working_days,
            )
            if of_review and check.verdict is not Verdict.MET and m.stage not in reviews.pending:
                reason = f"review of the move to {m.stage.value} no longer pending"
                self.milestone_update(
                    m, status=MilestoneStatus.WAIVED, closed_on=as_of, reason=reason
                )
                self.action(case_id, ActionKind.MILESTONE_WAIVED, f"waive:{m.id}", reason)
            elif check.verdict is Verdict.MET:
                reason = check.met_reason
                self.milestone_update(m, status=MilestoneStatus.MET, closed_on=as_of, reason=reason)
                self.action(case_id, ActionKind.MILESTONE_MET, f"met:{m.id}", f"{m.kind}: {reason}")
            elif check.verdict is Verdict.MISSED:
                advance = self.missed(st, m) or advance
            elif check.verdict is Verdict.ALERT:
                self.milestone_update(m, alerted_on=as_of)
                self.action(
                    case_id,
                    ActionKind.MILESTONE_ALERT,
                    f"alert:{m.id}",
                    f"{m.kind} due {m.due.isoformat()} ({m.owner or 'no owner'})",
                    channel=Channel.INTERNAL,
                )
        return advance

    def missed(self, st: CaseState, m: MilestoneRow) -> Stage | None:
        case_id = st.row.id
        what = f"{m.kind} due {m.due.isoformat()} missed"
        advance: Stage | None = None
        follow = ""
        if m.on_miss == "escalate":
            boss = self.least_loaded(Role.SUPERVISOR, exclude=None)
            follow = f"{ESCALATED_TO}{boss}" if boss else "no supervisor in the roster"
            step = f"{ESCALATE_STEP}{m.id}"
            self.action(case_id, ActionKind.ESCALATED, step, f"{what}; {follow}")
        elif m.on_miss == "reassign":
            # After the batch's owners are assigned (rules.transitions: on-miss order), so that
            # the balancing of new owners does not depend on the order misses are found in.
            # Closed now (a move later today must not waive it); its reason is completed then.
            self.milestone_update(m, status=MilestoneStatus.MISSED, closed_on=self.as_of)
            self.reassigns.append((st, m, what))
            return None
        elif m.on_miss == "advance":
            advance = advance_target(self.policy, st.stage)
            follow = f"advance to {advance.value}" if advance is not None else ""
        self.record_miss(st, m, f"{what}; {follow}" if follow else what)
        return advance

    def reassign(self, st: CaseState, m: MilestoneRow, what: str) -> None:
        """A missed milestone's `reassign`: the least-loaded other user of the stage's role."""
        case_id = st.row.id
        role = self.owner_role(st.stage)
        new = self.least_loaded(role, exclude=st.owner) if role else None
        if new is not None:
            self.change_owner(st, new)
            follow = f"reassigned {st.row.owner or '-'} -> {new}"
            self.timeline(case_id, ev.OWNER, f"{follow} ({what})")
        else:
            follow = "nobody else to reassign to"
        self.action(case_id, ActionKind.REASSIGNED, f"reassign:{m.id}", f"{what}; {follow}")
        self.record_miss(st, m, f"{what}; {follow}")

    def record_miss(self, st: CaseState, m: MilestoneRow, reason: str) -> None:
        case_id = st.row.id
        self.milestone_update(m, status=MilestoneStatus.MISSED, closed_on=self.as_of, reason=reason)
        self.action(case_id, ActionKind.MILESTONE_MISSED, f"missed:{m.id}", reason)
        self.timeline(case_id, ev.MILESTONE_MISSED, reason)
        self.plan.totals.missed.append(
            {"case_id": case_id, "kind": m.kind, "due": m.due.isoformat(), "owner": m.owner}
        )

    def open_milestones(self, st: CaseState) -> None:
        for mdef, stage, entry_on in st.needs_milestones:
            due, due_latest, rule = self.dues.due(mdef, entry_on)
            owner = st.owner if self.owner_role(st.stage) == mdef.owner_role else None
            if owner is None:
                owner = self.least_loaded(mdef.owner_role, exclude=None)
            self.plan.new_milestones.append(
                {
                    "case_id": st.row.id,
                    "kind": mdef.kind,
                    "stage": stage,
                    "entry_on": entry_on,
                    "opened_on": self.as_of,
                    "due": due,
                    "due_latest": due_latest,
                    "status": MilestoneStatus.OPEN,
                    "owner": owner,
                    "owner_role": mdef.owner_role,
                    "on_miss": mdef.on_miss,
                    "rule": rule,
                    "policy_version": self.ctx.version,
                }
            )
            step = f"milestone:{stage.value}:{mdef.kind}:{entry_on.isoformat()}"
            self.action(
                st.row.id, ActionKind.MILESTONE_OPENED, step, f"{mdef.kind} due {due.isoformat()}"
            )

    # -- owners --------------------------------------------------------------------------------

    def owner_role(self, stage: Stage) -> Role | None:
        sdef = self.stage_defs.get(stage)
        return sdef.owner_role if sdef is not None else None

    def least_loaded(self, role: Role, exclude: str | None) -> str | None:
        return least_loaded(self.ctx.users, role, self.ctx.loads, exclude)

    def change_owner(self, st: CaseState, new: str) -> None:
        loads = self.ctx.loads
        if st.owner is not None and st.owner in loads:
            loads[st.owner] = max(0, loads[st.owner] - 1)
        loads[new] = loads.get(new, 0) + 1
        st.owner = new

    def assign(self, states: list[CaseState]) -> None:
        by_name = self.ctx.users_by_name
        wanted: list[tuple[int, Role, RiskTier | None]] = []
        index: dict[int, CaseState] = {}
        for st in states:
            role = self.owner_role(st.stage)
            if role is None:
                continue
            if needs_new_owner(st.owner, role, by_name):
                wanted.append((st.row.id, role, st.tier))
                index[st.row.id] = st
        if not wanted:
            return
        assignments, exceeded = assign_owners(wanted, self.ctx.users, self.ctx.loads)
        if exceeded:
            self.plan.totals.capacity_exceeded = True
        for case_id, name in assignments.items():
            st = index[case_id]
            old = st.owner
            self.change_owner(st, name)
            self.action(
                case_id,
                ActionKind.OWNER_ASSIGNED,
                f"owner:{st.stage.value}:{name}",
                f"{old or '-'} -> {name} ({self.owner_role(st.stage)})",
            )
            if old is not None:
                self.timeline(case_id, ev.OWNER, f"{old} -> {name} (role for {st.stage.value})")
        missing = [w for w in wanted if w[0] not in assignments]
        if missing:
            roles = sorted({w[1].value for w in missing})
            self.plan.totals.warn(f"no user in the roster for role(s) {', '.join(roles)}")
