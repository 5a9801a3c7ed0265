from __future__ import annotations

from decimal import Decimal

import pytest

from rules.amounts import format_yuan, quantize_fen, rmb_capitals


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
