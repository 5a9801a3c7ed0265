"""A scenario written into a store: its cases on the first day, then each day's changes as the
intake, the channels and the reviewers would make them (tasks/cycle_oracle/scenario.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import CardAccount, Case, Customer, TimelineEvent
from models.review import Review
from rules.approval import may_decide
from rules.buckets import DEFAULT_SCHEME
from rules.enums import CaseStatus, Outcome, ReviewStatus, Role, Stage
from rules.roster import User
from tasks.clock import pinned_today
from tasks.reviews import decide_review
from tests.tasks.cycle_oracle.scenario import AccountChange, CaseSeed, DayPlan, Scenario

ACTOR = "oracle"


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))


def account_id(case: int) -> str:
    return f"A{case + 1:06d}"


def _customer(i: int, seed: CaseSeed) -> Customer:
    return Customer(
        id=f"C{i + 1:06d}",
        name="测试客户",
        id_number="330106199001011234",
        phone="13812345678" if seed.phone else None,
        email=f"c{i + 1}@example.com" if seed.email else None,
        address="浙江省杭州市西湖区文三路100号",
        province="浙江",
    )


def _account(i: int, seed: CaseSeed, start: date) -> CardAccount:
    paid_on = start - timedelta(days=seed.paid_days_ago) if seed.paid_days_ago is not None else None
    return CardAccount(
        id=account_id(i),
        customer_id=f"C{i + 1:06d}",
        credit_limit=_yuan(seed.credit_limit),
        principal=_yuan(seed.principal),
        interest=_yuan(seed.interest),
        fees=_yuan(seed.fees),
        minimum_due=Decimal("100.00"),
        due_date=start - timedelta(days=seed.dpd),
        days_past_due=seed.dpd,
        last_payment_date=paid_on,
        last_payment_amount=None if seed.paid_amount is None else _yuan(seed.paid_amount),
        last_as_of=start,
    )


def _case(i: int, seed: CaseSeed, start: date) -> Case:
    entered = start - timedelta(days=seed.entered_days_ago)
    return Case(
        id=i + 1,
        account_id=account_id(i),
        customer_id=f"C{i + 1:06d}",
        bucket=DEFAULT_SCHEME.bucket_for(seed.dpd),  # stale under another scheme: refreshed
        stage=seed.stage,
        owner=seed.owner,
        risk_tier=seed.risk_tier,
        risk_reasons='["an earlier reason"]' if seed.risk_tier is not None else None,
        opened_on=entered - timedelta(days=10),
        stage_entered_on=entered,
        max_dpd=seed.dpd,
    )


def write_portfolio(engine: Engine, scenario: Scenario) -> None:
    """Customers, accounts and open cases (case id = number + 1) as of the first day."""
    with Session(engine) as s:
        s.add_all([_customer(i, c) for i, c in enumerate(scenario.cases)])
        s.flush()
        s.add_all([_account(i, c, scenario.start) for i, c in enumerate(scenario.cases)])
        s.flush()
        s.add_all([_case(i, c, scenario.start) for i, c in enumerate(scenario.cases)])
        s.commit()


def _change(s: Session, ch: AccountChange, day: date) -> None:
    account = s.get(CardAccount, account_id(ch.case))
    customer = s.get(Customer, f"C{ch.case + 1:06d}")
    assert account is not None and customer is not None
    if ch.dpd is not None:
        account.days_past_due = ch.dpd
    if ch.paid:
        paid = min(_yuan(ch.paid), account.principal)
        account.principal -= paid
        account.last_payment_date, account.last_payment_amount = day, paid
    if ch.phone is not None:
        customer.phone = "13812345678" if ch.phone else None
    if ch.email is not None:
        customer.email = f"c{ch.case + 1}@example.com" if ch.email else None


def decider(users: list[User], role: Role) -> User | None:
    """The first user (by name) who may decide a review needing `role`."""
    able = sorted((u for u in users if may_decide(u.role, role)), key=lambda u: u.name)
    return able[0] if able else None


def _decide(s: Session, pick: int, approve: bool, users: list[User], day: date) -> None:
    """Decide the `pick`-th (modulo their number) pending review of an open case, ordered by
    case and target stage, as the first user who may; nothing when none is pending."""
    pending = s.exec(
        select(Review)
        .join(Case, col(Case.id) == col(Review.case_id))
        .where(Review.status == ReviewStatus.PENDING, Case.status == CaseStatus.OPEN)
        .order_by(col(Review.case_id), col(Review.target_stage))
    ).all()
    if not pending:
        return
    review = pending[pick % len(pending)]
    user = decider(users, review.required_role)
    if user is None or review.id is None:
        return
    comment = None if approve else "not yet: more contact first"
    decide_review(s, review.id, user=user, approve=approve, comment=comment, as_of=day)
    s.commit()


def _close(s: Session, case: int, outcome: Outcome, day: date) -> None:
    """As the intake closes a case: status, stage and outcome, and a `closed` line."""
    stored = s.get(Case, case + 1)
    if stored is None or stored.status != CaseStatus.OPEN:
        return
    conn = s.connection()
    conn.execute(
        sa.update(Case.__table__)  # type: ignore[attr-defined]
        .where(sa.column("id") == case + 1)
        .values(
            status=CaseStatus.CLOSED, stage=Stage(outcome.value), outcome=outcome, closed_on=day
        )
    )
    s.add(
        TimelineEvent(
            case_id=case + 1,
            as_of=day,
            event="closed",
            detail=f"closed as {outcome.value}",
            actor="intake",
        )
    )
    s.commit()


def apply_day(
    engine: Engine, scenario: Scenario, index: int, day: date, plan: DayPlan | None = None
) -> None:
    """What happens before day `index`'s cycle: accounts age by the days since the previous
    one (past-due ones), then the plan's changes, events, decisions and closures. With `plan`
    (what happens between a day's run and its rerun), that plan's, without ageing."""
    ages = plan is None and index > 0
    plan = plan if plan is not None else scenario.days[index]
    with pinned_today(day), Session(engine) as s:
        if ages:
            a = CardAccount.__table__  # type: ignore[attr-defined]
            s.connection().execute(
                sa.update(a)
                .where(a.c.days_past_due > 0)
                .values(days_past_due=a.c.days_past_due + plan.step, last_as_of=day)
            )
        for ch in plan.changes:
            _change(s, ch, day)
        for case, event, back in plan.events:
            s.add(
                TimelineEvent(
                    case_id=case + 1,
                    as_of=day - timedelta(days=back),
                    event=event,
                    detail="recorded by the oracle",
                    actor=ACTOR,
                )
            )
        s.commit()
        for pick, approve in plan.decisions:
            _decide(s, pick, approve, scenario.policy_on(index).users, day)
        for case, outcome in plan.closures:
            s.expire_all()
            _close(s, case, outcome, day)
