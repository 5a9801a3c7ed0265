"""After a lawyer's letter's deadline passes unpaid, the next legal step's review opens: a
payment order where its preconditions hold, else a suit (issue 19 item 4); not before the
deadline, not with a promise open, and not twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Contact, Document, Promise, Review
from rules.enums import Channel, ContactStatus, ReviewStatus, Stage
from tasks.legal_step_reviews import open_step_reviews
from tasks.policy import load_policy
from tests.factories import make_case

LETTER_ON = date(2026, 10, 20)
DEADLINE = date(2026, 11, 3)


def _lawyer_letter_case(s: Session, *, returned: bool = False) -> int:
    case = make_case(s, dpd=150, stage=Stage.LAWYER_LETTER, as_of=LETTER_ON)
    assert case.id is not None
    s.add(
        Document(
            case_id=case.id, kind="lawyer_letter", number=f"LL-2026-{case.id:06d}", format="pdf",
            as_of=LETTER_ON, path="x.pdf", sha256="0" * 64, template="lawyer_letter/template.html",
            template_version=1, data=json.dumps({"deadline": DEADLINE.isoformat()}),
            idempotency_key=f"lawyer_letter:{case.id}",
        )
    )  # fmt: skip
    s.add(
        Contact(
            case_id=case.id, as_of=LETTER_ON, at=datetime(2026, 10, 20, 2, tzinfo=UTC),
            channel=Channel.MAIL, key=f"{case.id}|mail", demand=True,
            status=ContactStatus.RETURNED if returned else ContactStatus.DELIVERED,
            delivered_on=None if returned else date(2026, 10, 22),
        )
    )  # fmt: skip
    s.commit()
    return case.id


def _reviews(engine: Engine, case_id: int) -> list[Review]:
    with Session(engine) as s:
        return list(s.exec(select(Review).where(Review.case_id == case_id)).all())


def test_a_payment_order_review_opens_once_the_deadline_passed_unpaid(engine: Engine) -> None:
    with Session(engine) as s:
        case_id = _lawyer_letter_case(s)
    policy = load_policy()
    assert open_step_reviews(engine, DEADLINE, policy).as_dict() == {}  # not passed yet
    opened = open_step_reviews(engine, date(2026, 11, 4), policy).as_dict()
    assert opened == {"payment_order": 1}
    (review,) = _reviews(engine, case_id)
    assert review.target_stage == Stage.PAYMENT_ORDER and review.status == ReviewStatus.PENDING
    assert review.required_role.value == "legal"
    assert open_step_reviews(engine, date(2026, 11, 5), policy).as_dict() == {}  # not twice


def test_a_debtor_not_servable_goes_to_suit_and_a_promise_waits(engine: Engine) -> None:
    with Session(engine) as s:
        returned = _lawyer_letter_case(s, returned=True)
        promised = _lawyer_letter_case(s)
        s.add(Promise(case_id=promised, amount=Decimal("500"), made_on=date(2026, 11, 1),
                      due_on=date(2026, 11, 10)))  # fmt: skip
        s.commit()
    opened = open_step_reviews(engine, date(2026, 11, 4), load_policy()).as_dict()
    assert opened == {"litigation": 1}
    assert [r.target_stage for r in _reviews(engine, returned)] == [Stage.LITIGATION]
    assert _reviews(engine, promised) == []
