"""Jinja filters the templates use: amounts in figures and capitals, Chinese dates, card tails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from rules.amounts import format_yuan, rmb_capitals


def cn_date(value: date) -> str:
    """2026-11-02 -> 2026年11月2日."""
    return f"{value.year}年{value.month}月{value.day}日"


def last4(value: str) -> str:
    """The last four digits of a (masked) card number."""
    digits = [c for c in value if c.isdigit()]
    return "".join(digits[-4:])


def yuan(value: Decimal) -> str:
    return format_yuan(value)


FILTERS: dict[str, Callable[..., Any]] = {
    "cn_date": cn_date,
    "last4": last4,
    "yuan": yuan,
    "rmb_capitals": rmb_capitals,
}
