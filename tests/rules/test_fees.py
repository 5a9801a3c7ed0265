"""Court fees per 诉讼费用交纳办法 Arts. 13-16: tranches, one third, preservation cap, halving."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from rules.fees import FeeKind, court_fee

D = Decimal


def quick_formula(amount: Decimal) -> Decimal:
    """The courts' published quick formula (速算公式) for the Art. 13 property-case fee: an
    independent way to the same figure as summing tranches."""
    steps = [
        (D("10000"), None, D("50")),
        (D("100000"), D("0.025"), D("-200")),
        (D("200000"), D("0.02"), D("300")),
        (D("500000"), D("0.015"), D("1300")),
        (D("1000000"), D("0.01"), D("3800")),
        (D("2000000"), D("0.009"), D("4800")),
        (D("5000000"), D("0.008"), D("6800")),
        (D("10000000"), D("0.007"), D("11800")),
        (D("20000000"), D("0.006"), D("21800")),
    ]
    for upper, rate, plus in steps:
        if amount <= upper:
            exact = plus if rate is None else amount * rate + plus
            return exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    return (amount * D("0.005") + D("41800")).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_the_domain_example():
    lawsuit = court_fee(D("50000"))
    assert lawsuit.fee == D("1050.00")
    assert [line.fee for line in lawsuit.breakdown] == [D("50.00"), D("1000.00")]
    assert lawsuit.breakdown[1].base == D("40000.00") and lawsuit.breakdown[1].rate == D("0.025")
    order = court_fee(D("50000"), FeeKind.PAYMENT_ORDER)
    assert order.fee == D("350.00")
    assert "Art. 14" in order.rule


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("0.01", "50.00"),
        ("10000", "50.00"),
        ("10000.01", "50.00"),  # 0.01 x 2.5% = 0.00025 rounds to nothing
        ("10000.20", "50.01"),  # 0.005 rounds half up
        ("100000", "2300.00"),
        ("100000.50", "2300.01"),
        ("200000", "4300.00"),
        ("500000", "8800.00"),
        ("1000000", "13800.00"),
        ("2000000", "22800.00"),
        ("5000000", "46800.00"),
        ("10000000", "81800.00"),
        ("20000000", "141800.00"),
        ("30000000", "191800.00"),
    ],
)
def test_lawsuit_tranche_edges(amount: str, fee: str):
    result = court_fee(D(amount))
    assert result.fee == D(fee)
    assert result.fee == quick_formula(D(amount))
    assert sum(line.fee for line in result.breakdown) == result.fee


def test_lawsuit_matches_the_quick_formula_on_random_amounts():
    rng = random.Random(4)
    for _ in range(2000):
        amount = D(rng.randrange(0, 4_000_000_000)) / 100
        result = court_fee(amount)
        assert result.fee == quick_formula(amount), amount
        assert sum(line.fee for line in result.breakdown) == result.fee


@pytest.mark.parametrize(
    ("amount", "fee"),
    [("20000", "100.00"), ("11000", "25.00"), ("10500", "20.83"), ("1", "16.67")],
)
def test_payment_order_is_one_third_rounded_to_the_fen(amount: str, fee: str):
    result = court_fee(D(amount), "payment-order")
    assert result.fee == D(fee)
    assert sum(line.fee for line in result.breakdown) == result.fee
    assert result.breakdown[-1].label.startswith("payment order")


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("500", "30.00"),
        ("1000", "30.00"),
        ("1000.50", "30.01"),
        ("100000", "1020.00"),
        ("200000", "1520.00"),
        ("895000", "4995.00"),
        ("896000", "5000.00"),  # 30 + 990 + 0.5% x 796,000 = exactly the cap
        ("896001", "5000.00"),
        ("2000000", "5000.00"),
    ],
)
def test_preservation_tranches_and_cap(amount: str, fee: str):
    result = court_fee(D(amount), FeeKind.PRESERVATION)
    assert result.fee == D(fee)
    assert sum(line.fee for line in result.breakdown) == result.fee


def test_preservation_cap_shows_as_a_line():
    result = court_fee(D("2000000"), FeeKind.PRESERVATION)
    assert result.breakdown[-1].label.startswith("cap")
    assert result.breakdown[-1].fee == D("-5520.00")
    below = court_fee(D("895000"), FeeKind.PRESERVATION)
    assert not any(line.label.startswith("cap") for line in below.breakdown)


def test_halved_for_simple_procedure_settlement_or_withdrawal():
    result = court_fee(D("50000"), halved=True)
    assert result.fee == D("525.00") and result.halved
    assert "15-16" in result.rule
    assert sum(line.fee for line in result.breakdown) == result.fee
    odd = court_fee(D("10000.20"), halved=True)  # 50.01 / 2 = 25.005 -> 25.01
    assert odd.fee == D("25.01")


def test_halving_applies_to_the_lawsuit_fee_only():
    with pytest.raises(ValueError, match="lawsuit"):
        court_fee(D("50000"), FeeKind.PRESERVATION, halved=True)
    with pytest.raises(ValueError, match="lawsuit"):
        court_fee(D("50000"), FeeKind.PAYMENT_ORDER, halved=True)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        court_fee(D("-1"))
    with pytest.raises(ValueError, match="positive"):
        court_fee(D("0"))  # a zero claim has no fee: refused, not priced at 50 yuan
    with pytest.raises(ValueError, match="positive"):
        court_fee(D("0"), FeeKind.ENFORCEMENT)
    with pytest.raises(ValueError, match="needs an amount"):
        court_fee(None, FeeKind.LAWSUIT)
    with pytest.raises(ValueError):
        court_fee(D("1"), "appeal")


def test_json_document():
    doc = court_fee(D("50000.004"), FeeKind.LAWSUIT).as_dict()
    assert doc["amount"] == "50000.00" and doc["fee"] == "1050.00"
    assert doc["kind"] == "lawsuit" and doc["halved"] is False
    assert doc["fee_range"] is None and doc["top_up"] is None and doc["notes"] == []
    assert doc["breakdown"][1] == {
        "label": "10,000-100,000: 2.5%",
        "base": "40000.00",
        "rate": "0.025",
        "fee": "1000.00",
    }


def test_an_amount_beyond_decimal_precision_is_refused_not_crashed():
    with pytest.raises(ValueError, match="too large"):
        court_fee(D("1e400"))


def enforcement_quick_formula(amount: Decimal) -> Decimal:
    """The courts' published quick formula (速算公式) for the Art. 14(1) enforcement fee."""
    steps = [
        (D("10000"), None, D("50")),
        (D("500000"), D("0.015"), D("-100")),
        (D("5000000"), D("0.01"), D("2400")),
        (D("10000000"), D("0.005"), D("27400")),
    ]
    for upper, rate, plus in steps:
        if amount <= upper:
            exact = plus if rate is None else amount * rate + plus
            return exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    return (amount * D("0.001") + D("67400")).quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("1", "50.00"),
        ("10000", "50.00"),
        ("10000.34", "50.01"),  # 0.34 x 1.5% = 0.0051 rounds half up
        ("50000", "650.00"),
        ("500000", "7400.00"),
        ("600000", "8400.00"),
        ("5000000", "52400.00"),
        ("10000000", "77400.00"),
        ("30000000", "97400.00"),
    ],
)
def test_enforcement_tranche_edges(amount: str, fee: str):
    result = court_fee(D(amount), FeeKind.ENFORCEMENT)
    assert result.fee == D(fee)
    assert result.fee == enforcement_quick_formula(D(amount))
    assert sum(line.fee for line in result.breakdown) == result.fee
    assert "Art. 14(1)" in result.rule
    assert any("Art. 38" in note for note in result.notes)  # borne by the debtor, not prepaid


def test_enforcement_matches_the_quick_formula_on_random_amounts():
    rng = random.Random(14)
    for _ in range(2000):
        amount = D(rng.randrange(1, 3_000_000_000)) / 100
        result = court_fee(amount, FeeKind.ENFORCEMENT)
        assert result.fee == enforcement_quick_formula(amount), amount
        assert sum(line.fee for line in result.breakdown) == result.fee


def test_enforcement_without_an_amount_is_the_statutory_range_not_a_guess():
    result = court_fee(None, FeeKind.ENFORCEMENT)
    assert result.fee is None and result.amount is None
    assert result.fee_range == (D("50.00"), D("500.00"))
    assert "Art. 14(1)1" in result.rule
    assert any("court" in note for note in result.notes)
    doc = result.as_dict()
    assert doc["fee"] is None and doc["fee_range"] == {"min": "50.00", "max": "500.00"}
    with pytest.raises(ValueError, match="lawsuit fee only"):
        court_fee(None, FeeKind.ENFORCEMENT, halved=True)
    with pytest.raises(ValueError, match="lawsuit fee only"):
        court_fee(D("50000"), FeeKind.ENFORCEMENT, halved=True)


def test_preservation_not_involving_property_is_30_yuan():
    result = court_fee(None, FeeKind.PRESERVATION)
    assert result.fee == D("30.00") and "Art. 14(2)" in result.rule


@pytest.mark.parametrize(
    ("amount", "lawsuit", "paid", "balance"),
    [
        ("50000", "1050.00", "350.00", "700.00"),  # the domain example: 1,050 less 350
        ("10500", "62.50", "20.83", "41.67"),  # the one third rounded to the fen is credited
        ("1", "50.00", "16.67", "33.33"),
    ],
)
def test_lawsuit_after_payment_order_tops_up_the_difference(
    amount: str, lawsuit: str, paid: str, balance: str
):
    result = court_fee(D(amount), FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER)
    assert result.top_up is not None
    assert result.top_up.lawsuit_fee == D(lawsuit) == court_fee(D(amount)).fee
    assert result.top_up.payment_order_fee_paid == D(paid)
    assert result.top_up.balance == D(balance) == result.fee
    assert sum(line.fee for line in result.breakdown) == result.fee
    assert "Art. 195" in result.rule and "(R)" in result.rule
    assert result.as_dict()["top_up"] == {
        "lawsuit_fee": lawsuit,
        "payment_order_fee_paid": paid,
        "balance": balance,
    }


def test_lawsuit_after_payment_order_with_the_fee_actually_paid_and_halving():
    # the claim grew since the payment order (interest): the fee paid on the old claim counts
    grown = court_fee(D("60000"), FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER, paid=D("350"))
    assert grown.top_up is not None and grown.top_up.lawsuit_fee == D("1300.00")
    assert grown.fee == D("950.00")
    halved = court_fee(D("50000"), FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER, halved=True)
    assert halved.top_up is not None and halved.top_up.lawsuit_fee == D("525.00")
    assert halved.fee == D("175.00")
    over = court_fee(D("50000"), FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER, paid=D("2000"))
    assert over.fee == D("0.00")  # never negative: a refund is for the court
    assert sum(line.fee for line in over.breakdown) == over.fee
    with pytest.raises(ValueError, match="counts only"):
        court_fee(D("50000"), FeeKind.LAWSUIT, paid=D("350"))
