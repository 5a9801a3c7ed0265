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


_ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])")
_ID15_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})\d{6}(\d{3})(?![\dA-Za-z])")  # pre-1999 IDs
_CARD_RE = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")
_CARD_GROUPED_RE = re.compile(r"(?<!\d[ -])(?<!\d)(\d{4})(?:[ -]\d{4}){2,3}[ -](\d{3,4})(?![\d])")
_PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")
# 021-62345678, 021-6234-5678, 0755 6123 4567, (021) 6234 5678
_LANDLINE_RE = re.compile(
    r"(?<![\d-])(?:\((0\d{2,3})\)\s?|(0\d{2,3})[- ])\d{3,4}[- ]?(\d{4})(?![\d-])"
)
# full-width digits (１３８…), as typed with a Chinese input method, are read as digits
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_EMAIL_RE = re.compile(r"([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# The identifying part of a Chinese address: house, building, unit and room numbers.
_ADDRESS_NO_RE = re.compile(r"\d+(?=\s*(?:号|室|栋|幢|单元|弄|楼|层))")


# A database URL's secrets: the password of `user:password@`, and the query parameters a driver
# takes as a password (libpq's `password`, `sslpassword`; `pass`, `passwd`, `pwd` of others),
# also in a libpq keyword string (`host=db password=...`).
SECRET_KEYS = ("sslpassword", "password", "passwd", "pass", "pwd")
_URL_USERINFO_RE = re.compile(r"(\b[A-Za-z][\w+.-]*://[^:/?#@\s]*:)[^@/?#\s]+@")
_SECRET_PARAM_RE = re.compile(
    rf"(?i)((?<![\w-])(?:{'|'.join(SECRET_KEYS)})\s*=\s*)(?:'[^']*'|[^&;#\s'\"]+)"
)


def hide_secrets(text: str) -> str:
    """Hide passwords in every form a database URL or connection string carries them:
    `postgresql://u:***@db/x`, `?password=***`, `&sslpassword=***`, `password=***`."""
    text = _URL_USERINFO_RE.sub(lambda m: f"{m.group(1)}***@", text)
    return _SECRET_PARAM_RE.sub(lambda m: f"{m.group(1)}***", text)


def has_secret(text: str) -> bool:
    """Whether `text` carries a password `hide_secrets` would hide."""
    return hide_secrets(text) != text


def scrub_text(text: str) -> str:
    """Mask anything that looks like personal data in free text: ID numbers (18 and 15 digits),
    card numbers (plain or grouped by four), mobile numbers (with or without +86 and
    separators), landlines (`021-6234-5678`, `(021) 62345678`), e-mail addresses, and the
    house, building and room numbers of an address. Full-width digits are read (and shown) as
    ASCII digits.

    Used by the logging set-up (every log record), artifacts, review comments and timeline
    details, so a stray value is never shown whole. Passwords of database URLs are hidden too
    (`hide_secrets`).
    """
    text = hide_secrets(text).translate(_FULL_WIDTH_DIGITS)
    text = _ID_RE.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2), text)
    text = _CARD_RE.sub(lambda m: f"{m.group(1)} **** **** {m.group(2)}", text)
    text = _CARD_GROUPED_RE.sub(lambda m: f"{m.group(1)} **** **** {m.group(2)}", text)
    text = _ID15_RE.sub(lambda m: m.group(1)[:4] + "*" * 8 + m.group(2), text)
    text = _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _LANDLINE_RE.sub(lambda m: f"{m.group(1) or m.group(2)}-****{m.group(3)}", text)
    text = _EMAIL_RE.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _ADDRESS_NO_RE.sub(lambda m: "*" * len(m.group(0)), text)
