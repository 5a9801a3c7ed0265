"""The review of the next legal step, opened after the daily cycle (issue 19 item 4).

A case in `lawyer_letter` whose lawyer's letter's payment deadline has passed with nothing paid
since, and no plan, promise or dispute standing, needs a decision on the next step: a payment
order (支付令) where its preconditions hold (CPL 2023 Art. 225; SPC CPL interpretation 2022
Art. 427), else a suit (CPL 2023 Art. 124). tasks/legal_next.py reads the facts and
rules/next_step.py decides; this opens the stage-move review to `payment_order` or `litigation`
for the legal role, with the reasons on the timeline. The approval lets the next daily cycle
move the case, like any approved review.

Set-based where it matters: one query finds the candidates (open cases in `lawyer_letter` with a
lawyer's letter on file and no review pending or decided since that letter); the facts are read
for those few only. A rejected step is not asked again until a newer letter is on file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Case, Document, Review
from rules.enums import CaseStatus, ReviewKind, ReviewStatus, Role, Stage
from rules.next_step import NextStep
from rules.policy import Policy
from tasks.legal_next import LAWYER_LETTER, next_step_for_case
from tasks.review_open import add_review

TARGET = {NextStep.PAYMENT_ORDER: Stage.PAYMENT_ORDER, NextStep.SUIT: Stage.LITIGATION}
ACTOR = "daily_cycle"


@dataclass
class StepReviews:
    opened: dict[str, int] = field(default_factory=dict)  # target stage -> reviews opened

    def as_dict(self) -> dict[str, int]:
        return dict(self.opened)


def _candidates(session: Session) -> list[int]:
    """Open cases in lawyer_letter with a lawyer's letter, and no stage review pending, or
    opened since their latest letter (a rejected step waits for a newer letter)."""
    c, d, r = Case.__table__, Document.__table__, Review.__table__  # type: ignore[attr-defined]
    latest = (
        sa.select(d.c.case_id, sa.func.max(d.c.as_of).label("letter_on"))
        .where(d.c.kind == LAWYER_LETTER)
        .group_by(d.c.case_id)
        .subquery()
    )
    asked = sa.select(r.c.id).where(
        r.c.case_id == c.c.id,
        r.c.kind == ReviewKind.STAGE,
        r.c.target_stage.in_([Stage.PAYMENT_ORDER, Stage.LITIGATION]),
        sa.or_(r.c.status == ReviewStatus.PENDING, r.c.opened_on >= latest.c.letter_on),
    )
    rows = session.execute(
        sa.select(c.c.id)
        .join(latest, latest.c.case_id == c.c.id)
        .where(c.c.status == CaseStatus.OPEN, c.c.stage == Stage.LAWYER_LETTER, ~asked.exists())
        .order_by(c.c.id)
    ).all()
    return [int(row[0]) for row in rows]


def open_step_reviews(engine: Engine, as_of: date, policy: Policy) -> StepReviews:
    """Open the day's next-step reviews (see the module's doc); commits."""
    out = StepReviews()
    with Session(engine) as session:
        for case_id in _candidates(session):
            answer = next_step_for_case(session, case_id, as_of)
            target = TARGET.get(answer.step)
            if target is None or not policy.has_stage(target):
                continue
            role = policy.stage_def(target).review or Role.LEGAL
            review = Review(
                case_id=case_id, kind=ReviewKind.STAGE, target_stage=target, required_role=role,
                opened_on=as_of, key=f"{case_id}|next_step:{target.value}|{as_of.isoformat()}",
                policy_version=policy.version, requested_by="system",
            )  # fmt: skip
            what = f"the move to {target.value} by {role.value}: " + "; ".join(answer.reasons)
            add_review(session, review, f"review {{}} of {what}", actor=ACTOR)
            out.opened[target.value] = out.opened.get(target.value, 0) + 1
        session.commit()
    return out
