"""Promises and plans kept or broken by the daily cycle (tasks/negotiation/monitor.py), and the
negotiation stage reached from any DPD and any stage (policy/ladder.yaml), on both engines."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Case, CycleAction, Payment, PlanInstallment, Promise, RepaymentPlan
from models.audit import AuditEntry
from rules import events
from rules.allocation import PaymentSource
from rules.enums import (
    ActionKind,
    AuditAction,
    CaseStatus,
    InstallmentStatus,
    PlanKind,
    PlanStatus,
    PromiseStatus,
    Stage,
)
from tasks.cycle.core import PolicyBundle, run_day
from tasks.negotiation.flags import case_flags, set_flag
from tasks.policy import load_policy
from tests.factories import make_case

DAY = date(2026, 10, 1)  # every day run below is before today


@pytest.fixture(params=["sql", "python"])
def cycle_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", request.param)
    return str(request.param)


def _bundle() -> PolicyBundle:
    return PolicyBundle.load(None)


def _pay(s: Session, case_id: int, amount: str, on: date) -> None:
    s.add(
        Payment(
            case_id=case_id, account_id="x", amount=Decimal(amount), paid_on=on,
            allocated_fees=Decimal("0"), allocated_interest=Decimal("0"),
            allocated_principal=Decimal(amount), overpaid=Decimal("0"),
            source=PaymentSource.CLI,
        )
    )  # fmt: skip


def _promise(s: Session, case: Case, amount: str, due: date, made: date = DAY) -> int:
    assert case.id is not None
    p = Promise(case_id=case.id, amount=Decimal(amount), made_on=made, due_on=due)
    s.add(p)
    set_flag(s, case, events.PROMISE_TO_PAY, as_of=made, actor="t", detail="t",
             policy=load_policy())  # fmt: skip
    s.flush()
    assert p.id is not None
    return p.id


def _plan(s: Session, case: Case, amounts: list[str], first_due: date, approved: date) -> int:
    assert case.id is not None
    plan = RepaymentPlan(
        case_id=case.id, kind=PlanKind.INSTALLMENTS, status=PlanStatus.CURRENT,
        balance=sum(map(Decimal, amounts), Decimal(0)),
        total=sum(map(Decimal, amounts), Decimal(0)),
        months=len(amounts), first_due=first_due, proposed_by="demo.liqiang",
        proposed_on=approved, decided_by="demo.wangfang", decided_on=approved,
    )  # fmt: skip
    s.add(plan)
    s.flush()
    assert plan.id is not None
    for i, a in enumerate(amounts):
        s.add(PlanInstallment(plan_id=plan.id, seq=i + 1, amount=Decimal(a),
                              due_on=first_due + timedelta(days=30 * i)))  # fmt: skip
    pol = load_policy()
    for flag in (events.PLAN_REQUESTED, events.PLAN_CURRENT):
        set_flag(s, case, flag, as_of=approved, actor="t", detail="t", policy=pol)
    return plan.id


def test_a_promise_paid_in_full_is_kept_and_the_flag_clears(engine: Engine) -> None:
    with Session(engine) as s:
        case = make_case(s, dpd=20, stage=Stage.SOFT_REMINDER, as_of=DAY)
        pid = _promise(s, case, "500.00", DAY + timedelta(days=5))
        _pay(s, case.id or 0, "300.00", DAY + timedelta(days=1))
        _pay(s, case.id or 0, "200.00", DAY + timedelta(days=2))
        s.commit()
    result = run_day(engine, DAY + timedelta(days=3), _bundle())
    assert result["negotiation"]["promises_kept"] == 1
    with Session(engine) as s:
        p = s.get(Promise, pid)
        assert p is not None and p.status == PromiseStatus.KEPT and p.paid == Decimal("500.00")
        assert events.PROMISE_TO_PAY not in case_flags(s, p.case_id)


def test_a_short_promise_is_open_within_grace_and_broken_after(engine: Engine) -> None:
    due = DAY + timedelta(days=5)
    with Session(engine) as s:
        case = make_case(s, dpd=20, stage=Stage.SOFT_REMINDER, as_of=DAY)
        pid = _promise(s, case, "500.00", due)
        _pay(s, case.id or 0, "499.99", DAY + timedelta(days=1))
        s.commit()
    run_day(engine, due + timedelta(days=3), _bundle())  # the last day of grace (3 days)
    with Session(engine) as s:
        assert (p := s.get(Promise, pid)) is not None and p.status == PromiseStatus.OPEN
    result = run_day(engine, due + timedelta(days=4), _bundle())
    assert result["negotiation"]["promises_broken"] == 1
    with Session(engine) as s:
        assert (p := s.get(Promise, pid)) is not None and p.status == PromiseStatus.BROKEN
        names = s.exec(select(sa.text("event")).select_from(sa.text("timeline_event"))).all()
        assert events.PROMISE_BROKEN in names


def test_a_dpd_200_case_with_a_hardship_claim_enters_negotiation(
    engine: Engine, cycle_engine: str
) -> None:
    with Session(engine) as s:
        case = make_case(s, dpd=200, stage=Stage.LITIGATION, as_of=DAY)
        set_flag(s, case, events.HARDSHIP_CLAIMED, as_of=DAY, actor="t", detail="t",
                 policy=load_policy())  # fmt: skip
        case_id = case.id
        s.commit()
    run_day(engine, DAY, _bundle())
    with Session(engine) as s:
        c = s.get(Case, case_id)
        assert c is not None and c.stage == Stage.NEGOTIATION
        assert c.return_stage == Stage.LITIGATION  # the sticky stage it left


def test_a_broken_plan_returns_a_legal_case_to_its_stage_and_notifies_the_owner(
    engine: Engine,
) -> None:
    first_due = DAY + timedelta(days=10)
    with Session(engine) as s:
        case = make_case(s, dpd=200, stage=Stage.LITIGATION, as_of=DAY, owner="demo.zhaomin")
        plan_id = _plan(s, case, ["1000.00", "1000.00"], first_due, DAY)
        case_id = case.id
        s.commit()
    run_day(engine, DAY, _bundle())  # to negotiation, owned by a collector
    with Session(engine) as s:
        c = s.get(Case, case_id)
        assert c is not None and c.stage == Stage.NEGOTIATION
        owner = c.owner
    result = run_day(engine, first_due + timedelta(days=6), _bundle())  # 5 days' grace passed
    assert result["negotiation"]["plans_broken"] == 1
    with Session(engine) as s:
        plan = s.get(RepaymentPlan, plan_id)
        assert plan is not None and plan.status == PlanStatus.BROKEN
        assert "instalment 1" in (plan.reason or "")
        c = s.get(Case, case_id)
        assert c is not None and c.stage == Stage.LITIGATION and c.return_stage is None
        notes = s.exec(
            select(CycleAction).where(CycleAction.kind == ActionKind.OWNER_NOTIFIED)
        ).all()
        assert len(notes) == 1 and notes[0].reason.startswith(f"to {owner}: plan {plan_id} broken")


def test_a_kept_plan_is_not_broken_and_completes_as_settled(engine: Engine) -> None:
    first_due = DAY + timedelta(days=10)
    with Session(engine) as s:
        case = make_case(s, dpd=60, stage=Stage.FORMAL_DEMAND, as_of=DAY)
        plan_id = _plan(s, case, ["1000.00", "1000.01"], first_due, DAY)
        case_id = case.id or 0
        _pay(s, case_id, "1000.00", first_due)
        s.commit()
    run_day(engine, first_due + timedelta(days=20), _bundle())  # after the first's grace
    with Session(engine) as s:
        plan = s.get(RepaymentPlan, plan_id)
        assert plan is not None and plan.status == PlanStatus.CURRENT
        insts = s.exec(
            select(PlanInstallment)
            .where(PlanInstallment.plan_id == plan_id)
            .order_by(col(PlanInstallment.seq))
        ).all()
        assert [i.status for i in insts] == [InstallmentStatus.PAID, InstallmentStatus.DUE]
        _pay(s, case_id, "1000.01", first_due + timedelta(days=29))
        s.commit()
    result = run_day(engine, first_due + timedelta(days=31), _bundle())
    assert result["negotiation"]["plans_completed"] == 1
    with Session(engine) as s:
        c = s.get(Case, case_id)
        assert c is not None and c.status == CaseStatus.CLOSED and c.stage == Stage.SETTLED
        assert (plan := s.get(RepaymentPlan, plan_id)) is not None
        assert plan.status == PlanStatus.COMPLETED
        moves = s.exec(
            select(AuditEntry.data).where(
                AuditEntry.case_id == case_id, AuditEntry.action == AuditAction.STAGE_CHANGED
            )
        ).all()
        assert any('"to":"settled"' in d for d in moves)  # on the audit chain
