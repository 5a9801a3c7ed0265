from __future__ import annotations

from decimal import Decimal

import pytest

from rules.amounts import format_yuan, parse_yuan, quantize_fen, rmb_capitals


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.00", "人民币零元整"),
        ("10.00", "人民币壹拾元整"),
        ("10.50", "人民币壹拾元伍角整"),  # bank convention: 整 after whole jiao
        ("100000.07", "人民币壹拾万元零柒分"),
        ("12345.675", "人民币壹万贰仟叁佰肆拾伍元陆角捌分"),  # half-up to .68, not truncated
        ("12345.67", "人民币壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("0.05", "人民币伍分"),
        ("1010.10", "人民币壹仟零壹拾元壹角整"),
        ("10.05", "人民币壹拾元零伍分"),
        ("0.004", "人民币零元整"),
        ("0.005", "人民币壹分"),
    ],
)
def test_capitals(amount: str, words: str) -> None:
    assert rmb_capitals(amount) == words
    assert rmb_capitals(Decimal(amount)) == words


def test_quantize_and_figures() -> None:
    assert quantize_fen("12345.675") == Decimal("12345.68")
    assert quantize_fen("2.345") == Decimal("2.35")
    assert format_yuan("1234567.8") == "1,234,567.80"
    assert rmb_capitals(3) == "人民币叁元整"


@pytest.mark.parametrize("bad", ["1,234.00", "abc", "NaN", 1.5, "-1.00"])
def test_refuses_what_is_not_a_plain_amount(bad: object) -> None:
    with pytest.raises(ValueError):
        rmb_capitals(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("tiny", ["-0.001", "-0.004", Decimal("-0.00"), Decimal("-0")])
def test_negative_zero_is_zero(tiny: str | Decimal) -> None:
    assert rmb_capitals(tiny) == "人民币零元整"  # not 负零元整
    assert format_yuan(tiny) == "0.00"
    assert str(quantize_fen(tiny)) == "0.00"


def test_a_negative_amount_that_rounds_to_a_fen_is_still_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        rmb_capitals("-0.005")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,000", "1000"),
        ("12,345.67", "12345.67"),
        ("1000", "1000"),
        ("1,234,567.8", "1234567.8"),
        (" 50000 ", "50000"),
        ("0.01", "0.01"),
    ],
)
def test_parse_yuan_accepts_plain_figures_and_thousands_separators(text: str, amount: str):
    assert parse_yuan(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("10,00", "commas may only separate thousands"),  # not 1,000.00
        ("1,0000", "commas may only separate thousands"),
        (",100", "commas may only separate thousands"),
        ("1,,000", "commas may only separate thousands"),
        ("12,34.5", "commas may only separate thousands"),
        ("-1", "-1 is not a positive amount of yuan"),
        ("-1,000", "not a positive amount"),
        ("0", "0 is not a positive amount of yuan"),
        ("0.00", "not a positive amount"),
        ("1e5", "is not an amount in yuan"),
        ("fifty", "is not an amount in yuan"),
        ("NaN", "is not an amount in yuan"),
        ("１０", "is not an amount in yuan"),  # full-width digits
        ("", "is not an amount in yuan"),
    ],
)
def test_parse_yuan_refuses_what_is_not_a_positive_figure(text: str, fragment: str):
    with pytest.raises(ValueError) as caught:
        parse_yuan(text)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_fen_round_trip_is_the_one_money_conversion() -> None:
    from rules.amounts import fen_to_yuan, yuan_to_fen

    assert yuan_to_fen(Decimal("12345.675")) == 1234568
    assert yuan_to_fen("0.004") == 0 and yuan_to_fen(-1) == -100
    assert fen_to_yuan(1234568) == Decimal("12345.68")
    assert fen_to_yuan(yuan_to_fen("99.99")) == Decimal("99.99")
