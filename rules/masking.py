"""Masking of personal data for display: ID numbers, phones, card numbers, addresses."""

from __future__ import annotations

import re


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(value: str | None) -> str:
    """`330106199001011234` -> `3301**********1234`."""
    if not value:
        return ""
    return _mask_middle(value, 4, 4)


def mask_phone(value: str | None) -> str:
    """`13812345678` -> `138****5678`; other lengths keep 3 + 4 (or less for short numbers)."""
    if not value:
        return ""
    if len(value) < 8:
        return _mask_middle(value, 1, 1)
    return _mask_middle(value, 3, 4)


def mask_card(value: str | None) -> str:
    """`6225880123456789` -> `6225 **** **** 6789`."""
    if not value:
        return ""
    digits = value.replace(" ", "")
    if len(digits) < 10:
        return _mask_middle(digits, 0, min(4, len(digits) // 2))
    return f"{digits[:4]} **** **** {digits[-4:]}"


def mask_email(value: str | None) -> str:
    if not value:
        return ""
    local, _, domain = value.partition("@")
    return (local[:1] + "***@" + domain) if domain else _mask_middle(value, 1, 0)


def mask_address(value: str | None) -> str:
    """Keep the first 6 characters (province and city), hide the street and number."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"


_ID_RE = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_CARD_RE = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def scrub_text(text: str) -> str:
    """Mask anything that looks like an ID number, card number or mobile phone in free text.

    Used by the logging filter, so a stray value in a log line or artifact is never shown whole.
    """
    text = _ID_RE.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2), text)
    text = _CARD_RE.sub(lambda m: f"{m.group(1)} **** **** {m.group(2)}", text)
    return _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
