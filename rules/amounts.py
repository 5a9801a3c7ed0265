"""Money, in one place: yuan as Decimal quantised to fen, integer fen for the store, figures and
Chinese capitals (大写金额) for documents.

Capitals follow the convention of Chinese bank instruments (《正确填写票据和结算凭证的基本规定》):
the amount is prefixed with 人民币; an amount ending in yuan or in jiao ends with 整
(人民币壹拾元整, 人民币壹拾元伍角整); an amount with fen has no 整 (人民币壹拾元零伍分);
zero is 人民币零元整. cn2an does the digits: it truncates extra decimals and writes no 整
after whole jiao, so we quantise half-up to fen first and add the 整 ourselves.
"""

from __future__ import annotations

import re
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


# Figures as people type them: plain digits ("1000", "12345.67"), or commas every three digits
# ("1,000", "12,345.67"). "10,00" or "1,0000" are not thousands separators: a European decimal
# comma or a typo, so refused rather than guessed (10,00 is not 1,000.00).
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII)
_SIGNED = re.compile(r"[+-][0-9.,]+", re.ASCII)


def parse_yuan(text: str) -> Decimal:
    """A positive amount of yuan typed by a person: "1000", "1,000", "12,345.67".

    Refused (ValueError, one line): commas that are not thousands separators ("10,00",
    "1,0000", ",100", "1,,000"), signs, exponents, zero and anything that is not a figure.
    """
    value = text.strip()
    if _PLAIN.fullmatch(value) is None and _GROUPED.fullmatch(value) is None:
        if _SIGNED.fullmatch(value):
            raise ValueError(f"{text} is not a positive amount of yuan")
        if "," in value:
            raise ValueError(
                f"{text!r} is not an amount in yuan: commas may only separate thousands "
                "(1,000 or 12,345.67)"
            )
        raise ValueError(f"{text!r} is not an amount in yuan (e.g. 50000.00 or 50,000.00)")
    amount = Decimal(value.replace(",", ""))
    if amount == 0:
        raise ValueError(f"{text} is not a positive amount of yuan")
    return amount


def quantize_fen(value: Decimal | int | str) -> Decimal:
    """Yuan rounded to fen, half up: 12345.675 -> 12345.68, 0.005 -> 0.01.

    A negative amount that rounds to nothing is zero, not "-0.00" (-0.001 -> 0.00). An amount
    too large to count in fen at the context's precision is a ValueError.
    """
    try:
        amount = to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"amount too large to count in fen: {value}") from None
    return abs(amount) if amount.is_zero() else amount


def yuan_to_fen(value: Decimal | int | str) -> int:
    """Integer fen (how the store keeps money): 12345.675 yuan -> 1234568."""
    return int(quantize_fen(value) / FEN)


def fen_to_yuan(value: int) -> Decimal:
    """Yuan from integer fen: 1234568 -> Decimal('12345.68')."""
    return (Decimal(value) * FEN).quantize(FEN)


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
