"""Amounts for documents: quantised to fen, in figures and in Chinese capitals (大写金额).

Capitals follow the convention of Chinese bank instruments (《正确填写票据和结算凭证的基本规定》):
the amount is prefixed with 人民币; an amount ending in yuan or in jiao ends with 整
(人民币壹拾元整, 人民币壹拾元伍角整); an amount with fen has no 整 (人民币壹拾元零伍分);
zero is 人民币零元整. cn2an does the digits: it truncates extra decimals and writes no 整
after whole jiao, so we quantise half-up to fen first and add the 整 ourselves.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

FEN = Decimal("0.01")
PREFIX = "人民币"
WHOLE = "整"


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A Decimal from a Decimal, int or plain decimal string ("1234.5"; no thousands separators)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | float):
        raise ValueError(f"amount must be Decimal, int or str, not {type(value).__name__}")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


def quantize_fen(value: Decimal | int | str) -> Decimal:
    """Round to fen, half up: 12345.675 -> 12345.68, 0.005 -> 0.01."""
    return to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def format_yuan(value: Decimal | int | str) -> str:
    """Figures with thousands separators and two decimals: 12345.675 -> '12,345.68'."""
    return f"{quantize_fen(value):,.2f}"


def rmb_capitals(value: Decimal | int | str) -> str:
    """人民币 amount in capitals: 12345.675 -> 人民币壹万贰仟叁佰肆拾伍元陆角捌分.

    Negative amounts are refused: a demand for money never states one.
    """
    amount = quantize_fen(value)
    if amount < 0:
        raise ValueError(f"negative amount in capitals: {amount}")
    words: str = cn2an.an2cn(format(amount, "f"), "rmb")
    fen = int(amount * 100) % 10
    if fen == 0 and not words.endswith(WHOLE):
        words += WHOLE
    return PREFIX + words
