"""The demo's simulated debtors and supervisors of one day, after the collectors' calls: debtors
who promised pay on the day or don't; a few debtors dispute (hardship, charges, force majeure,
identity theft) with a written statement as evidence; supervisors and legal decide the disputes
that waited a day; collectors propose repayment plans to the debtors in hardship; supervisors
approve most plans (four-eyes: never their own) and reject some; debtors on a plan pay most
instalments on their due day and miss some. Everything goes through the same tasks as the
commands (`pay`, `dispute`, `dispute resolve`, `plan propose`, `review approve|reject`), so the
daily cycle then keeps or breaks the promises and plans as in a real bank.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from duecourse.cli.demo_contacts import draw
from duecourse.settings import Settings
from models import Case, Dispute, PlanInstallment, Promise, RepaymentPlan
from models.review import Review
from rules import events
from rules.allocation import PaymentSource
from rules.enums import (
    CaseStatus,
    DecisionVia,
    DisputeKind,
    DisputeStatus,
    InstallmentStatus,
    PlanKind,
    PlanStatus,
    PromiseStatus,
    ReviewKind,
    ReviewStatus,
    Role,
    Stage,
)
from rules.errors import DuecourseError
from rules.roster import User
from tasks.calendar import load_calendar
from tasks.negotiation.disputes import DisputeSetting, open_dispute, resolve_dispute
from tasks.negotiation.flags import case_flags
from tasks.negotiation.plans import propose_plan
from tasks.negotiation.policy import load_negotiation_policy
from tasks.payments.record import record_payment
from tasks.policy import load_policy, load_roster
from tasks.reviews import decide_review

KEEP_PROMISE = 0.6  # a debtor who promised pays on the promised day
DISPUTE_SHARE = 0.004  # of the open cases in collection, a day
DISPUTE_KINDS: tuple[tuple[DisputeKind, float], ...] = (
    (DisputeKind.HARDSHIP, 0.55),
    (DisputeKind.DISPUTED_CHARGES, 0.2),
    (DisputeKind.FORCE_MAJEURE, 0.15),
    (DisputeKind.IDENTITY_THEFT, 0.1),
)
UPHELD = {
    DisputeKind.HARDSHIP: 0.85,
    DisputeKind.DISPUTED_CHARGES: 0.3,
    DisputeKind.FORCE_MAJEURE: 0.5,
    DisputeKind.IDENTITY_THEFT: 0.3,
}
PLAN_APPROVED = 0.85
PAY_INSTALMENT = 0.75
STATEMENTS = {
    DisputeKind.HARDSHIP: "本人失业，收入中断，申请个性化分期还款。demo: lost job",
    DisputeKind.DISPUTED_CHARGES: "对账单中的年费与违约金有异议。demo: disputes the annual fee",
    DisputeKind.FORCE_MAJEURE: "因住院治疗无法按期还款。demo: in hospital",
    DisputeKind.IDENTITY_THEFT: "本人从未申领此卡，身份被冒用。demo: never applied for the card",
}
COLLECTION = (Stage.SOFT_REMINDER, Stage.FORMAL_DEMAND, Stage.LAWYER_LETTER)


def _people(settings: Settings) -> dict[Role, list[User]]:
    out: dict[Role, list[User]] = {}
    for u in load_roster(settings.policy_dir):
        out.setdefault(u.role, []).append(u)
    return out


def _pick_kind(rng: random.Random) -> DisputeKind:
    return draw(rng, DISPUTE_KINDS, DisputeKind.HARDSHIP)


def _pay(session: Session, case_id: int, amount: Decimal, day: date, ref: str) -> bool:
    try:
        record_payment(
            session, str(case_id), amount, day, ref, source=PaymentSource.FILE, actor="demo.bank"
        )
    except DuecourseError:  # the case closed meanwhile, or owes less than that by now
        return False
    return True


def debtors_pay_promises(session: Session, day: date, rng: random.Random) -> int:
    """Debtors whose promise falls due today pay it, or not (the cycle marks it kept/broken)."""
    paid = 0
    due = session.exec(
        select(Promise).where(Promise.status == PromiseStatus.OPEN, Promise.due_on == day)
    ).all()
    for p in due:
        if rng.random() < KEEP_PROMISE and _pay(session, p.case_id, p.amount, day, f"DEMO-P{p.id}"):
            paid += 1
    return paid


def debtors_dispute(
    session: Session, settings: Settings, day: date, rng: random.Random, inbox: Path
) -> int:
    """A few debtors in collection dispute, each with a written statement as evidence."""
    setting = DisputeSetting(
        negotiation=load_negotiation_policy(settings.policy_dir),
        policy=load_policy(settings.policy_dir),
        calendar=load_calendar(settings.policy_dir),
        users=load_roster(settings.policy_dir),
        documents_dir=settings.documents_dir,
    )
    cases = session.exec(
        select(Case.id).where(Case.status == CaseStatus.OPEN, col(Case.stage).in_(COLLECTION))
    ).all()
    opened = 0
    for case_id in cases:
        if rng.random() >= DISPUTE_SHARE:
            continue
        kind = _pick_kind(rng)
        statement = inbox / f"statement-{case_id}-{day}.txt"
        statement.write_text(STATEMENTS[kind] + "\n", encoding="utf-8")
        try:
            open_dispute(
                session, str(case_id), kind, STATEMENTS[kind], [statement],
                actor="demo.liqiang", setting=setting,
            )  # fmt: skip
        except DuecourseError:
            continue
        opened += 1
    return opened


def reviewers_decide_disputes(
    session: Session, people: dict[Role, list[User]], day: date, rng: random.Random
) -> Counter[str]:
    """Disputes that waited a day are decided by a person of the review's role."""
    done: Counter[str] = Counter()
    rows = session.exec(
        select(Dispute, Review)
        .join(Review, col(Review.id) == col(Dispute.review_id))
        .where(Dispute.status == DisputeStatus.OPEN, Review.status == ReviewStatus.PENDING,
               Dispute.opened_on < day)
    ).all()  # fmt: skip
    for dispute, review in rows:
        deciders = [
            u for u in people.get(review.required_role, []) if u.name != review.requested_by
        ]
        if not deciders:
            continue
        upheld = rng.random() < UPHELD[dispute.kind]
        note = "demo: statement and evidence checked" if upheld else "demo: not supported"
        try:
            resolve_dispute(
                session, str(dispute.case_id), upheld=upheld, note=note, user=deciders[0],
                kind=dispute.kind,
            )  # fmt: skip
        except DuecourseError:
            continue
        done["upheld" if upheld else "rejected"] += 1
    return done


def collectors_propose_plans(
    session: Session, people: dict[Role, list[User]], day: date, rng: random.Random
) -> int:
    """Debtors in negotiation on a hardship claim get a plan proposed by a collector: monthly
    instalments from a few days ahead, so some fall due while the demo runs."""
    collectors = people.get(Role.COLLECTOR, [])
    proposed = 0
    cases = session.exec(
        select(Case).where(Case.status == CaseStatus.OPEN, Case.stage == Stage.NEGOTIATION)
    ).all()
    busy = set(
        session.exec(
            select(RepaymentPlan.case_id).where(
                col(RepaymentPlan.status).in_([PlanStatus.PROPOSED, PlanStatus.CURRENT])
            )
        ).all()
    )
    for case in cases:
        assert case.id is not None
        if case.id in busy or not collectors:
            continue
        flags = case_flags(session, case.id)
        if events.HARDSHIP_CLAIMED not in flags or events.DISPUTE_OPEN in flags:
            continue
        proposer = next((u for u in collectors if u.name == case.owner), collectors[0])
        try:
            propose_plan(
                session, str(case.id), kind=PlanKind.INSTALLMENTS, months=rng.choice([6, 12, 24]),
                first_due=day + timedelta(days=rng.randint(2, 5)), waive_fees=rng.random() < 0.5,
                note="demo: hardship, income halved", user=proposer,
            )  # fmt: skip
        except DuecourseError:
            continue
        proposed += 1
    return proposed


def supervisors_decide_plans(
    session: Session, people: dict[Role, list[User]], day: date, rng: random.Random
) -> Counter[str]:
    """Plans proposed before today are approved (most) or rejected by a supervisor who did not
    propose them: the approval renders the agreement."""
    done: Counter[str] = Counter()
    pending = session.exec(
        select(Review).where(Review.kind == ReviewKind.PLAN, Review.status == ReviewStatus.PENDING,
                             Review.opened_on < day)
    ).all()  # fmt: skip
    for review in pending:
        checkers = [
            u for u in people.get(review.required_role, []) if u.name != review.requested_by
        ]
        if not checkers:
            continue
        approve = rng.random() < PLAN_APPROVED
        try:
            decide_review(
                session, review.id or 0, user=checkers[0], approve=approve,
                comment=None if approve else "demo: income not evidenced", as_of=day,
                via=DecisionVia.CLI,
            )  # fmt: skip
        except DuecourseError:
            continue
        done["approved" if approve else "rejected"] += 1
    return done


def debtors_pay_instalments(session: Session, day: date, rng: random.Random) -> int:
    """Debtors on a current plan pay the instalment due today, most of them."""
    paid = 0
    rows = session.exec(
        select(PlanInstallment, RepaymentPlan)
        .join(RepaymentPlan, col(RepaymentPlan.id) == col(PlanInstallment.plan_id))
        .where(RepaymentPlan.status == PlanStatus.CURRENT, PlanInstallment.due_on == day,
               PlanInstallment.status == InstallmentStatus.DUE)
    ).all()  # fmt: skip
    for inst, plan in rows:
        ref = f"DEMO-I{inst.id}"
        if rng.random() < PAY_INSTALMENT and _pay(session, plan.case_id, inst.amount, day, ref):
            paid += 1
    return paid


def negotiation_day(settings: Settings, day: date, rng: random.Random) -> Counter[str]:
    """One day of the debtors' and deciders' side (see the module's doc); commits."""
    people = _people(settings)
    inbox = settings.home / "evidence-inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    t: Counter[str] = Counter()
    with Session(settings.engine) as session:
        t["promises:paid"] += debtors_pay_promises(session, day, rng)
        t["instalments:paid"] += debtors_pay_instalments(session, day, rng)
        t["disputes:opened"] += debtors_dispute(session, settings, day, rng, inbox)
        for k, n in reviewers_decide_disputes(session, people, day, rng).items():
            t[f"disputes:{k}"] += n
        t["plans:proposed"] += collectors_propose_plans(session, people, day, rng)
        for k, n in supervisors_decide_plans(session, people, day, rng).items():
            t[f"plans:{k}"] += n
        session.commit()
    return t


def negotiation_table(engine: sa.Engine) -> list[tuple[str, str, int]]:
    """Promises, disputes and plans by status at the end of the demo."""
    out: list[tuple[str, str, int]] = []
    with engine.connect() as conn:
        for table, label in (("promise", "promises"), ("dispute", "disputes"),
                             ("repayment_plan", "plans")):  # fmt: skip
            rows = conn.execute(
                sa.text(f"SELECT status, count(*) FROM {table} GROUP BY status ORDER BY status")
            ).all()
            out.extend((label, str(status), int(n)) for status, n in rows)
    return out
