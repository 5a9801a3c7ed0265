"""Recording a payment: allocation to the fen, the limitation event, closing a case as paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from models import Payment, Review, TimelineEvent
from rules import events
from rules.allocation import PaymentSource
from rules.enums import CaseStatus, Outcome, ReviewStatus, Role, Stage
from rules.errors import DuecourseError, InputError, NotFoundError
from tasks.case_file import build_case_file
from tasks.payments.record import record_payment
from tests.factories import make_case

DAY = date(2026, 11, 5)


def _events(session: Session, case_id: int) -> list[str]:
    rows = session.exec(
        select(TimelineEvent.event)
        .where(TimelineEvent.case_id == case_id)
        .order_by(col(TimelineEvent.id))
    ).all()
    return list(rows)


def test_partial_payment_allocates_to_the_fen_and_leaves_the_case_open(session: Session) -> None:
    case = make_case(session)  # fees 50.00, interest 800.00, principal 20,000.00
    assert case.id is not None
    out = record_payment(
        session, str(case.id), Decimal("850.01"), DAY, "TX-1", source=PaymentSource.CLI
    )
    session.commit()
    assert out["allocation"] == {
        "fees": Decimal("50.00"),
        "interest": Decimal("800.00"),
        "principal": Decimal("0.01"),
        "overpaid": Decimal("0.00"),
    }
    assert out["outstanding"] == Decimal("19999.99") and out["closed"] is False
    session.refresh(case)
    assert case.status is CaseStatus.OPEN
    received = session.exec(
        select(TimelineEvent).where(TimelineEvent.event == events.PAYMENT_RECEIVED)
    ).one()
    assert (
        received.as_of == DAY
        and "Art. 14" in received.detail
        and "principal 0.01" in received.detail
    )
    stored = session.exec(select(Payment)).one()
    assert stored.allocated_principal == Decimal("0.01") and stored.source is PaymentSource.CLI


def test_second_payment_sees_what_the_first_paid(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    record_payment(session, case.account_id, Decimal("30"), DAY, None, source=PaymentSource.CLI)
    out = record_payment(
        session, case.account_id, Decimal("30"), DAY, None, source=PaymentSource.CLI
    )
    # fees were 50: 30 then 20 more, the rest to interest
    assert out["allocation"]["fees"] == Decimal("20.00")
    assert out["allocation"]["interest"] == Decimal("10.00")
    assert session.exec(select(Payment)).all().__len__() == 2  # no reference: new each time


def test_full_payment_closes_the_case_as_paid(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    session.add(
        Review(
            case_id=case.id,
            target_stage=Stage.LAWYER_LETTER,
            required_role=Role.LEGAL,
            opened_on=DAY,
            status=ReviewStatus.PENDING,
            key=f"review-{case.id}",
            policy_version="test",
        )
    )
    session.commit()
    out = record_payment(
        session, str(case.id), Decimal("20900.00"), DAY, "TX-FULL", source=PaymentSource.FILE
    )
    session.commit()
    assert out["closed"] is True and out["allocation"]["overpaid"] == Decimal("50.00")
    session.refresh(case)
    assert (case.status, case.stage, case.outcome, case.closed_on) == (
        CaseStatus.CLOSED,
        Stage.PAID,
        Outcome.PAID,
        DAY,
    )
    assert _events(session, case.id)[-3:] == [
        events.PAYMENT_RECEIVED,
        events.CLOSED,
        events.REVIEW_WITHDRAWN,
    ]
    received = session.exec(
        select(TimelineEvent).where(TimelineEvent.event == events.PAYMENT_RECEIVED)
    ).one()
    assert received.detail.endswith("nothing left outstanding")
    review = session.exec(select(Review).where(Review.case_id == case.id)).one()
    assert review.status is ReviewStatus.WITHDRAWN
    # a closed case takes no more payments
    with pytest.raises(DuecourseError, match="closed"):
        record_payment(session, str(case.id), Decimal("1"), DAY, None, source=PaymentSource.CLI)


def test_case_file_lists_payments_newest_first(session: Session) -> None:
    case = make_case(session)
    assert case.id is not None
    record_payment(
        session, str(case.id), Decimal("10"), date(2026, 11, 3), "A", source=PaymentSource.CLI
    )
    record_payment(
        session, str(case.id), Decimal("20"), date(2026, 11, 4), "B", source=PaymentSource.CLI
    )
    session.commit()
    data = build_case_file(session, str(case.id))
    assert [p["reference"] for p in data["payments"]] == ["B", "A"]
    assert data["payments"][0]["allocated"] == "fees 20.00"


def test_refusals_are_one_line(session: Session) -> None:
    case = make_case(session)
    ref = str(case.id)
    with pytest.raises(InputError, match="more than 2 decimals"):
        record_payment(session, ref, Decimal("1.001"), DAY, None, source=PaymentSource.CLI)
    with pytest.raises(InputError, match="positive"):
        record_payment(session, ref, Decimal("0"), DAY, None, source=PaymentSource.CLI)
    with pytest.raises(DuecourseError, match="future"):
        record_payment(
            session, ref, Decimal("1"), date(2026, 11, 11), None, source=PaymentSource.CLI
        )
    with pytest.raises(NotFoundError):
        record_payment(session, "NOPE", Decimal("1"), DAY, None, source=PaymentSource.CLI)
    with pytest.raises(DuecourseError, match="no balances"):
        record_payment(
            session, ref, Decimal("1"), date(2026, 10, 1), None, source=PaymentSource.CLI
        )
    record_payment(session, ref, Decimal("1"), DAY, "R1", source=PaymentSource.CLI)
    with pytest.raises(DuecourseError, match="already recorded"):
        record_payment(session, ref, Decimal("1"), DAY, "R1", source=PaymentSource.CLI)
