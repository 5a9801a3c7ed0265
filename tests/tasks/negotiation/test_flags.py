"""Setting a negotiation flag or opening a dispute withdraws a pending review of a move up the
ladder (an approval would otherwise take the case past the claim), keeps the legal stage to
return to, and `resume` takes the case back there once the negotiation fails."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Case, Review, TimelineEvent
from rules import events
from rules.enums import ReviewKind, ReviewStatus, Role, Stage
from tasks.negotiation.flags import case_flags, clear_flag, resume, set_flag
from tasks.policy import load_policy
from tests.factories import make_case

DAY = date(2026, 11, 2)


def test_a_dispute_withdraws_the_pending_escalation_review(engine: Engine) -> None:
    with Session(engine) as s:
        case = make_case(s, dpd=120, stage=Stage.FORMAL_DEMAND, as_of=DAY)
        assert case.id is not None
        s.add(
            Review(
                case_id=case.id,
                kind=ReviewKind.STAGE,
                target_stage=Stage.LAWYER_LETTER,
                required_role=Role.LEGAL,
                opened_on=DAY,
                key="k",
                policy_version="v",
            )
        )
        s.flush()  # fmt: skip
        set_flag(s, case, events.DISPUTE_OPEN, as_of=DAY, actor="t", detail="t",
                 policy=load_policy())  # fmt: skip
        s.commit()
        review = s.exec(select(Review)).one()
        assert review.status == ReviewStatus.WITHDRAWN and review.comment == "dispute_open set"
        lines = s.exec(select(TimelineEvent.event).where(TimelineEvent.case_id == case.id)).all()
        assert events.REVIEW_WITHDRAWN in lines
        assert case_flags(s, case.id) == {events.DISPUTE_OPEN}


def test_a_legal_case_keeps_its_stage_and_resumes_there(engine: Engine) -> None:
    with Session(engine) as s:
        case = make_case(s, dpd=300, stage=Stage.PAYMENT_ORDER, as_of=DAY)
        assert case.id is not None
        set_flag(s, case, events.PROMISE_TO_PAY, as_of=DAY, actor="t", detail="t",
                 policy=load_policy())  # fmt: skip
        assert case.return_stage == Stage.PAYMENT_ORDER
        case.stage = Stage.NEGOTIATION  # as the next daily cycle moves it
        s.add(case)
        assert resume(s, case, as_of=DAY, actor="t", why="promise broken") is None  # still set
        clear_flag(s, case.id, events.PROMISE_TO_PAY, as_of=DAY, actor="t", detail="broken")
        assert resume(s, case, as_of=DAY, actor="t", why="promise broken") == Stage.PAYMENT_ORDER
        s.commit()
        back = s.get(Case, case.id)
        assert back is not None and back.stage == Stage.PAYMENT_ORDER and back.return_stage is None
