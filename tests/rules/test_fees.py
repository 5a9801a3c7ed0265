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
        ("0", "50.00"),
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
    [("20000", "100.00"), ("11000", "25.00"), ("10500", "20.83"), ("0", "16.67")],
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
    with pytest.raises(ValueError):
        court_fee(D("1"), "appeal")


def test_json_document():
    doc = court_fee(D("50000.004"), FeeKind.LAWSUIT).as_dict()
    assert doc["amount"] == "50000.00" and doc["fee"] == "1050.00"
    assert doc["kind"] == "lawsuit" and doc["halved"] is False
    assert doc["breakdown"][1] == {
        "label": "10,000-100,000: 2.5%",
        "base": "40000.00",
        "rate": "0.025",
        "fee": "1000.00",
    }


def test_an_amount_beyond_decimal_precision_is_refused_not_crashed():
    with pytest.raises(ValueError, match="too large"):
        court_fee(D("1e400"))
