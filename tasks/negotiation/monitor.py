"""Keeping promises and plans, in the daily cycle (before its batches).

Set-based: one query finds the day's candidates (open promises; current plans with what the case
paid since each was approved), so the work is proportional to what happens, not to the book.

Promises: an open promise whose payments since it was made reach its amount is `kept` (at once,
even before its date); one still short after its date plus the grace period (policy) is `broken`.
Either way `promise_to_pay` clears; a broken promise sends the case back up the ladder (to the
legal stage it came from, if any: `flags.resume`).

Plans: the payments since the plan was approved fill its instalments in order. An instalment
covered keeps the plan current (`paid`, with the day it was covered); one still short after its due
day plus the grace period (policy) breaks the plan: `plan_broken`, the flags cleared, collection
restarts at the policy's stage (or the legal stage the case left), and the owner is notified by an
action line. A plan whose every instalment is covered is `completed` and closes the case as settled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models import Case, CycleAction, Payment, PlanInstallment, Promise, RepaymentPlan
from models.types import utcnow
from rules import events
from rules.amounts import format_yuan
from rules.enums import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    InstallmentStatus,
    Outcome,
    PlanStatus,
    PromiseStatus,
    Stage,
)
from rules.negotiation_policy import NegotiationPolicy
from rules.policy import Policy
from tasks.audit import record_many, stage_change
from tasks.contacts.record import add_event
from tasks.negotiation.flags import clear_flag, resume
from tasks.reviews import withdraw_closed_reviews

ACTOR = "daily_cycle"


@dataclass
class MonitorTotals:
    promises_kept: int = 0
    promises_broken: int = 0
    installments_paid: int = 0
    plans_broken: int = 0
    plans_completed: int = 0
    resumed: int = 0

    def counts(self) -> dict[str, int]:
        """The non-zero counts, for the run's summary."""
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class Day:
    """One day's keeping: the session, the day, the policy and what it did."""

    session: Session
    as_of: date
    negotiation: NegotiationPolicy
    totals: MonitorTotals
    run_id: int | None = None
    policy_version: str = ""


def _payments_by_case(
    session: Session, case_ids: set[int], since: date
) -> dict[int, list[Payment]]:
    out: dict[int, list[Payment]] = defaultdict(list)
    if not case_ids:
        return out
    rows = session.exec(
        select(Payment)
        .where(col(Payment.case_id).in_(case_ids), Payment.paid_on >= since)
        .order_by(col(Payment.paid_on), col(Payment.id))
    ).all()
    for p in rows:
        out[p.case_id].append(p)
    return out


def _paid_between(payments: list[Payment], start: date, end: date) -> Decimal:
    return sum((p.amount for p in payments if start <= p.paid_on <= end), Decimal("0"))


def keep_promises(day: Day) -> None:
    """Mark the open promises kept or broken (see the module's doc)."""
    session, as_of, totals = day.session, day.as_of, day.totals
    grace = day.negotiation.promise.grace_days
    promises = session.exec(
        select(Promise).where(Promise.status == PromiseStatus.OPEN, Promise.made_on <= as_of)
    ).all()
    if not promises:
        return
    since = min(p.made_on for p in promises)
    payments = _payments_by_case(session, {p.case_id for p in promises}, since)
    broken_cases: list[int] = []
    for p in promises:
        end = p.due_on + timedelta(days=grace)
        paid = _paid_between(payments[p.case_id], p.made_on, min(end, as_of))
        p.paid = paid
        if paid >= p.amount:
            p.status, p.closed_on = PromiseStatus.KEPT, as_of
            event, totals.promises_kept = events.PROMISE_KEPT, totals.promises_kept + 1
            detail = f"promise {p.id} kept: {format_yuan(paid)} paid of {format_yuan(p.amount)}"
        elif end < as_of:
            p.status, p.closed_on = PromiseStatus.BROKEN, as_of
            event, totals.promises_broken = events.PROMISE_BROKEN, totals.promises_broken + 1
            detail = (
                f"promise {p.id} broken: {format_yuan(paid)} paid of {format_yuan(p.amount)} "
                f"by {p.due_on} (+{grace} days' grace)"
            )
            broken_cases.append(p.case_id)
        else:
            session.add(p)
            continue
        session.add(p)
        add_event(session, case_id=p.case_id, event=event, as_of=as_of, detail=detail, actor=ACTOR)
        clear_flag(
            session, p.case_id, events.PROMISE_TO_PAY, as_of=as_of, actor=ACTOR, detail=detail
        )
    for case_id in broken_cases:
        case = session.get(Case, case_id)
        if case is not None and resume(
            session, case, as_of=as_of, actor=ACTOR, why="promise broken"
        ):
            totals.resumed += 1


def _notify_owner(day: Day, case: Case, text: str, step: str) -> None:
    """An action line telling the case's owner (their work list reads the day's lines)."""
    if day.run_id is None:
        return
    assert case.id is not None
    key = f"{case.id}|{step}|{day.as_of.isoformat()}"
    if day.session.exec(select(CycleAction.id).where(CycleAction.key == key)).first() is not None:
        return
    day.session.add(
        CycleAction(
            run_id=day.run_id, as_of=day.as_of, case_id=case.id,
            kind=ActionKind.OWNER_NOTIFIED, step=step, key=key,
            policy_version=day.policy_version, status=ActionStatus.DONE,
            reason=f"to {case.owner or 'the team'}: {text}",
        )
    )  # fmt: skip


def _close_settled(session: Session, case: Case, as_of: date, why: str) -> None:
    assert case.id is not None
    old = case.stage
    case.status, case.stage, case.outcome = CaseStatus.CLOSED, Stage.SETTLED, Outcome.SETTLED
    case.closed_on, case.updated_at, case.return_stage = as_of, utcnow(), None
    session.add(case)
    add_event(session, case_id=case.id, event=events.CLOSED, as_of=as_of, detail=why, actor=ACTOR)
    session.flush()
    record_many(session, [stage_change(case.id, old, Stage.SETTLED, why, on=as_of, actor=ACTOR)])
    withdraw_closed_reviews(session.connection(), as_of, case_id=case.id, actor=ACTOR)


def keep_plans(day: Day) -> None:
    """Fill the current plans' instalments from the payments and break or complete the plans
    (see the module's doc)."""
    session, as_of = day.session, day.as_of
    plans = session.exec(
        select(RepaymentPlan).where(RepaymentPlan.status == PlanStatus.CURRENT)
    ).all()
    if not plans:
        return
    by_plan: dict[int, list[PlanInstallment]] = defaultdict(list)
    for inst in session.exec(
        select(PlanInstallment)
        .where(col(PlanInstallment.plan_id).in_([p.id for p in plans]))
        .order_by(col(PlanInstallment.plan_id), col(PlanInstallment.seq))
    ).all():
        by_plan[inst.plan_id].append(inst)
    since = min(p.decided_on or p.proposed_on for p in plans)
    payments = _payments_by_case(session, {p.case_id for p in plans}, since)
    for plan in plans:
        assert plan.id is not None
        start = plan.decided_on or plan.proposed_on
        paid_list = [p for p in payments[plan.case_id] if start <= p.paid_on <= as_of]
        missed = _fill(day, plan, by_plan[plan.id], paid_list)
        case = session.get(Case, plan.case_id)
        if case is None:
            continue
        if all(i.status == InstallmentStatus.PAID for i in by_plan[plan.id]):
            _complete(day, plan, case)
        elif missed is not None:
            _break(day, plan, case, missed)


def _fill(
    day: Day, plan: RepaymentPlan, installments: list[PlanInstallment], payments: list[Payment]
) -> PlanInstallment | None:
    """Spread the payments over the instalments in order; the first instalment missed beyond
    its grace period, if any."""
    grace = day.negotiation.plan.grace_days
    pool = [(p.paid_on, p.amount) for p in payments]
    spent = running = cum_due = Decimal("0")
    missed: PlanInstallment | None = None
    idx = 0
    for inst in installments:
        cum_due += inst.amount
        covered_on: date | None = None
        while running < cum_due and idx < len(pool):
            covered_on, amount = pool[idx]
            running += amount
            idx += 1
        inst.paid = max(Decimal("0"), min(inst.amount, running - spent))
        spent += inst.paid
        if running >= cum_due:
            if inst.status != InstallmentStatus.PAID:
                inst.status = InstallmentStatus.PAID
                inst.paid_on = covered_on or inst.paid_on or day.as_of
                day.totals.installments_paid += 1
                add_event(
                    day.session, case_id=plan.case_id, event=events.INSTALLMENT_PAID,
                    as_of=day.as_of, actor=ACTOR,
                    detail=f"plan {plan.id}: instalment {inst.seq} of "
                    f"{format_yuan(inst.amount)} due {inst.due_on} paid",
                )  # fmt: skip
        elif inst.due_on + timedelta(days=grace) < day.as_of and missed is None:
            inst.status = InstallmentStatus.MISSED
            missed = inst
        day.session.add(inst)
    return missed


def _complete(day: Day, plan: RepaymentPlan, case: Case) -> None:
    assert case.id is not None
    plan.status, plan.ended_on = PlanStatus.COMPLETED, day.as_of
    plan.reason = "every instalment paid"
    day.session.add(plan)
    day.totals.plans_completed += 1
    detail = f"plan {plan.id} completed: {format_yuan(plan.total)} paid in full"
    add_event(day.session, case_id=case.id, event=events.PLAN_COMPLETED, as_of=day.as_of,
              detail=detail, actor=ACTOR)  # fmt: skip
    for flag in (events.PLAN_CURRENT, events.PLAN_REQUESTED):
        clear_flag(day.session, case.id, flag, as_of=day.as_of, actor=ACTOR, detail=detail)
    if case.status == CaseStatus.OPEN:
        _close_settled(day.session, case, day.as_of, f"closed as settled: {detail}")


def _break(day: Day, plan: RepaymentPlan, case: Case, missed: PlanInstallment) -> None:
    assert case.id is not None
    grace = day.negotiation.plan.grace_days
    plan.status, plan.ended_on = PlanStatus.BROKEN, day.as_of
    plan.reason = (
        f"instalment {missed.seq} of {format_yuan(missed.amount)} due {missed.due_on} "
        f"unpaid after {grace} days' grace"
    )
    day.session.add(plan)
    day.totals.plans_broken += 1
    detail = f"plan {plan.id} broken: {plan.reason}"
    add_event(day.session, case_id=case.id, event=events.PLAN_BROKEN, as_of=day.as_of,
              detail=detail, actor=ACTOR)  # fmt: skip
    for flag in (events.PLAN_CURRENT, events.PLAN_REQUESTED, events.HARDSHIP_CLAIMED):
        clear_flag(day.session, case.id, flag, as_of=day.as_of, actor=ACTOR, detail=detail)
    if case.status != CaseStatus.OPEN:
        return
    moved = resume(
        day.session, case, as_of=day.as_of, actor=ACTOR, why="plan broken",
        restart=day.negotiation.plan.restart_stage,
    )  # fmt: skip
    if moved:
        day.totals.resumed += 1
    restart = (moved or case.stage).value
    _notify_owner(
        day, case, f"{detail}; collection restarts at {restart}", f"plan:{plan.id}:broken"
    )


def monitor_negotiation(
    conn: Connection,
    as_of: date,
    policy: Policy,
    negotiation: NegotiationPolicy,
    *,
    run_id: int | None = None,
) -> MonitorTotals:
    """The day's promise and plan keeping, in the caller's transaction (see the module's doc)."""
    totals = MonitorTotals()
    with Session(bind=conn) as session:
        day = Day(session, as_of, negotiation, totals, run_id, policy.version)
        keep_promises(day)
        keep_plans(day)
        session.flush()
    return totals
