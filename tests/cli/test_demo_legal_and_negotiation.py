"""The demo's legal department and courts (duecourse/cli/demo_legal.py) carry a case in
payment_order through filing (with its package), acceptance, issue and service on plausible
days, each step with its own date; its debtors and deciders (demo_negotiation.py) propose a plan
to a debtor in hardship and a supervisor other than the proposer approves it the next day."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from duecourse.cli.demo_legal import legal_day
from duecourse.cli.demo_negotiation import negotiation_day
from duecourse.settings import Settings
from models import Contact, RepaymentPlan
from models.legal_event import LegalEventRow
from rules import events
from rules.enums import Channel, ContactStatus, PlanStatus, Stage
from tasks.clock import pinned_today
from tasks.negotiation.flags import set_flag
from tasks.policy import load_policy
from tests.factories import make_case

START = date(2026, 11, 2)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for var in ("DUECOURSE_POLICY_DIR", "DUECOURSE_DATABASE_URL", "DUECOURSE_HOME"):
        monkeypatch.delenv(var, raising=False)
    return Settings.resolve(home=str(tmp_path / "demo"))


def test_a_payment_order_goes_through_the_court_with_its_own_dates(settings: Settings) -> None:
    with Session(settings.engine) as s:
        case = make_case(s, dpd=200, stage=Stage.PAYMENT_ORDER, as_of=START)
        s.add(
            Contact(
                case_id=case.id or 0, as_of=START, at=datetime(2026, 11, 2, 2, tzinfo=UTC),
                channel=Channel.MAIL, key="delivered", demand=True,
                status=ContactStatus.DELIVERED, delivered_on=START,
            )
        )  # fmt: skip
        case.stage_entered_on = START
        s.add(case)
        s.commit()
        case_id = case.id
    rng = random.Random(1)
    for i in range(1, 12):
        day = START + timedelta(days=i)
        with pinned_today(day):
            legal_day(settings, day, rng)
    with Session(settings.engine) as s:
        steps = s.exec(
            select(LegalEventRow)
            .where(LegalEventRow.case_id == case_id)
            .order_by(col(LegalEventRow.id))
        ).all()
    assert [(r.event.value, r.on) for r in steps] == [
        ("payment-order.filed", START + timedelta(days=1)),
        ("payment-order.accepted", START + timedelta(days=3)),
        ("payment-order.issued", START + timedelta(days=7)),
        ("payment-order.served", START + timedelta(days=9)),
    ]
    packages = list((settings.home / "packages" / str(case_id)).glob("payment-order-*.zip"))
    assert len(packages) == 1
    settings.engine.dispose()


def test_a_debtor_in_hardship_gets_a_plan_approved_by_another_person(settings: Settings) -> None:
    with Session(settings.engine) as s:
        case = make_case(s, dpd=60, stage=Stage.NEGOTIATION, as_of=START, owner="demo.liqiang")
        set_flag(s, case, events.HARDSHIP_CLAIMED, as_of=START, actor="t", detail="t",
                 policy=load_policy())  # fmt: skip
        s.commit()
        case_id = case.id
    rng = random.Random(3)
    for day in (START, START + timedelta(days=1)):
        with pinned_today(day):
            negotiation_day(settings, day, rng)
    with Session(settings.engine) as s:
        plan = s.exec(select(RepaymentPlan).where(RepaymentPlan.case_id == case_id)).one()
    assert plan.proposed_by == "demo.liqiang"
    assert plan.status in (PlanStatus.CURRENT, PlanStatus.REJECTED)  # decided the next day
    assert plan.decided_by not in (None, plan.proposed_by)
    settings.engine.dispose()
