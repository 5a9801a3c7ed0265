"""Payment-order preconditions (CPL 2023 Art. 225, SPC CPL interpretation 2022 Art. 427), its fee
and the acceptance-fee top-up after an objection, and the respondents (guarantors not bound)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from rules.payment_order import (
    PartyRole,
    PaymentOrderFacts,
    Precondition,
    check_preconditions,
    payment_order_fee,
    respondents,
    suit_top_up,
)

GOOD = PaymentOrderFacts(
    claim=Decimal("20850.00"),
    money_claim=True,
    days_past_due=120,
    open_disputes=0,
    province_in_china=True,
    whereabouts_known=True,
    address_on_file=True,
    last_letter_returned=False,
    preservation_applied=False,
)


def test_every_precondition_holds_for_a_plain_card_debt() -> None:
    result = check_preconditions(GOOD)
    assert result.hold and result.failing == ()
    assert {c.condition for c in result.checks} == set(Precondition)
    assert all("Art." in c.article for c in result.checks)


@pytest.mark.parametrize(
    ("change", "failing", "words"),
    [
        ({"money_claim": False}, Precondition.MONEY_CLAIM, "not a claim for money"),
        ({"days_past_due": 0}, Precondition.MATURED, "not yet due"),
        ({"claim": Decimal("0")}, Precondition.FIXED_SUM, "nothing is owed"),
        ({"open_disputes": 2}, Precondition.NO_OTHER_DISPUTE, "2 open dispute"),
        ({"province_in_china": False}, Precondition.DEBTOR_IN_CHINA, "outside mainland"),
        ({"province_in_china": None}, Precondition.DEBTOR_IN_CHINA, "no province"),
        ({"whereabouts_known": False}, Precondition.DEBTOR_NOT_MISSING, "whereabouts unknown"),
        ({"address_on_file": False}, Precondition.SERVABLE_WITHOUT_NOTICE, "public notice"),
        ({"last_letter_returned": True}, Precondition.SERVABLE_WITHOUT_NOTICE, "退件"),
        ({"preservation_applied": True}, Precondition.NO_PRESERVATION, "preservation"),
    ],
)
def test_each_failing_precondition_is_named_with_its_reason(
    change: dict[str, Any], failing: Precondition, words: str
) -> None:
    result = check_preconditions(dataclasses.replace(GOOD, **change))
    assert not result.hold
    assert [c.condition for c in result.failing] == [failing]
    assert words in result.failing[0].reason
    assert result.as_dict()["failing"] == [failing.value]


def test_payment_order_fee_is_a_third_of_the_acceptance_fee() -> None:
    fee = payment_order_fee(Decimal("50000"))  # domain.md: 1,050 / 3 = 350
    assert fee.fee == Decimal("350.00")
    assert payment_order_fee(Decimal("20850")).fee == Decimal("107.08")  # (50 + 271.25) / 3


def test_top_up_counts_the_payment_order_fee_paid() -> None:
    top = suit_top_up(Decimal("50000")).top_up
    assert top is not None
    assert (top.lawsuit_fee, top.payment_order_fee_paid, top.balance) == (
        Decimal("1050.00"), Decimal("350.00"), Decimal("700.00"),
    )  # fmt: skip
    paid_more = suit_top_up(Decimal("50000"), paid=Decimal("2000")).top_up
    assert paid_more is not None and paid_more.balance == Decimal("0.00")  # never below zero


def test_the_application_names_the_debtor_only() -> None:
    parties = [("张三", PartyRole.DEBTOR), ("李四", PartyRole.GUARANTOR)]
    assert respondents(parties) == ["张三"]
