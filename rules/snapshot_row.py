"""Validation of one row of the daily delinquency snapshot (design.md, "Delinquency snapshot file").

Pure and fast: a million rows go through `parse_row`. Amounts become integer fen, never floats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from operator import itemgetter, mul
from typing import NamedTuple

REQUIRED_COLUMNS: tuple[str, ...] = (
    "account_id",
    "customer_id",
    "name",
    "id_number",
    "phone",
    "email",
    "address",
    "province",
    "credit_limit",
    "principal",
    "interest",
    "fees",
    "minimum_due",
    "due_date",
    "days_past_due",
    "last_payment_date",
    "last_payment_amount",
    "emergency_contact_name",
    "emergency_contact_phone",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("card_number",)

_AMOUNT = re.compile(r"(\d{1,13})(?:\.(\d{1,2}))?")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]|\d{15}", re.ASCII)  # full-width digits are not ID digits
_PHONE = re.compile(r"\+?[\d\- ]{5,20}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# The widest text each column holds (models/customer.py, models/account.py); PostgreSQL refuses
# longer text and any NUL character, so such a row is quarantined rather than failing the import.
TEXT_LIMITS: dict[str, int] = {
    "account_id": 64,
    "customer_id": 64,
    "name": 200,
    "email": 254,
    "address": 500,
    "province": 32,
    "emergency_contact_name": 200,
}
MAX_DPD = 2**31 - 1  # days_past_due and max_dpd are 32-bit integer columns


class SnapshotRow(NamedTuple):
    account_id: str
    customer_id: str
    name: str
    id_number: str
    phone: str | None
    email: str | None
    address: str | None
    province: str | None
    credit_limit: int  # fen
    principal: int
    interest: int
    fees: int
    minimum_due: int
    due_date: date
    days_past_due: int
    last_payment_date: date | None
    last_payment_amount: int | None
    emergency_contact_name: str | None
    emergency_contact_phone: str | None
    card_number: str | None

    @property
    def balance(self) -> int:
        """Principal + interest + fees, in fen."""
        return self.principal + self.interest + self.fees


class RowError(ValueError):
    """Why a row is quarantined: one readable sentence."""


_WEIGHT_SUM_48 = 48 * sum(_ID_WEIGHTS)


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(map(mul, first17.encode("ascii"), _ID_WEIGHTS)) - _WEIGHT_SUM_48
    return _ID_CHECK[total % 11]


def parse_amount(value: str, column: str, required: bool = True) -> int | None:
    """'12345.67' -> 1234567 fen. Negative, thousands separators or > 2 decimals are errors."""
    if len(value) > 3 and value[-3] == "." and value.isascii():  # the usual "12345.67"
        digits = value[:-3] + value[-2:]
        if digits.isdigit() and len(digits) <= 15:
            return int(digits)
    whole, dot, frac = value.partition(".")
    if (
        whole.isdigit()
        and whole.isascii()
        and len(whole) <= 13
        and (not dot or (frac.isdigit() and frac.isascii() and len(frac) <= 2))
    ):
        return int(whole) * 100 + (int(frac.ljust(2, "0")) if dot else 0)
    value = value.strip()
    if not value:
        if required:
            raise RowError(f"{column}: missing")
        return None
    if value.startswith("-"):
        raise RowError(f"{column}: negative amount {value!r}")
    m = _AMOUNT.fullmatch(value)
    if m is None:
        raise RowError(f"{column}: {value!r} is not an amount (e.g. 12345.67)")
    return int(m.group(1)) * 100 + int((m.group(2) or "").ljust(2, "0"))


def parse_date(value: str, column: str, required: bool = True) -> date | None:
    value = value.strip()
    if not value:
        if required:
            raise RowError(f"{column}: missing")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column}: {value!r} is not a valid date (YYYY-MM-DD)") from None


def parse_dpd(value: str) -> int:
    value = value.strip()
    if not value:
        raise RowError("days_past_due: missing")
    digits = value[1:] if value.startswith("-") else value
    if not (digits.isdigit() and digits.isascii()):
        raise RowError(f"days_past_due: {value!r} is not a whole number")
    dpd = int(value)
    if dpd < 0:
        raise RowError(f"days_past_due: {dpd} is negative")
    if dpd > MAX_DPD:
        raise RowError(f"days_past_due: more than {MAX_DPD}")  # not echoed: may be an ID
    return dpd


def _required(value: str, column: str) -> str:
    value = value.strip()
    if not value:
        raise RowError(f"{column}: missing")
    return value


def _check_text(values: Sequence[str]) -> None:
    """Raise RowError for the first value (in TEXT_LIMITS order) too long or holding a NUL."""
    for (column, limit), value in zip(TEXT_LIMITS.items(), values, strict=True):
        if len(value) > limit:
            raise RowError(f"{column}: longer than {limit} characters")
        if "\x00" in value:
            raise RowError(f"{column}: contains a NUL character")


def _id_number(value: str) -> str:
    value = _required(value, "id_number")
    if not _ID_NUMBER.fullmatch(value):
        raise RowError("id_number: not 18 characters (17 digits + digit or X) nor 15 digits")
    if len(value) == 18 and id_check_digit(value[:17]) != value[17].upper():
        raise RowError("id_number: check digit does not match")
    return value


def _phone(value: str, column: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if not _PHONE.fullmatch(value):
        raise RowError(f"{column}: not a phone number")
    return value


class RowParser:
    """Parses CSV records (lists of cells) whose columns are named by the header."""

    def __init__(self, columns: Sequence[str]) -> None:
        index = {c: i for i, c in enumerate(columns)}
        missing = [c for c in REQUIRED_COLUMNS if c not in index]
        if missing:
            raise ValueError(f"missing columns: {', '.join(missing)}")
        self._cells = itemgetter(*(index[c] for c in REQUIRED_COLUMNS))
        self._card = index.get("card_number")

    def parse(self, record: Sequence[str]) -> SnapshotRow:
        """Validate one record. Raises RowError with the first problem found."""
        (
            account_id, customer_id, name, id_number, phone, email, address, province,
            credit_limit, principal, interest, fees, minimum_due, due_date, dpd,
            last_payment_date, last_payment_amount, em_name, em_phone,
        ) = self._cells(record)  # fmt: skip
        card: str | None = None
        if self._card is not None:
            card = record[self._card].replace(" ", "") or None
            if card is not None and not (
                card.isdigit() and card.isascii() and 12 <= len(card) <= 19
            ):
                raise RowError("card_number: not 12 to 19 digits")
        email = email.strip()
        if email and "@" not in email:
            raise RowError("email: not an email address")
        if not name.strip():
            raise RowError("name: missing")
        account_id = _required(account_id, "account_id")
        customer_id = _required(customer_id, "customer_id")
        address, province, em_name = address.strip(), province.strip(), em_name.strip()
        texts = (account_id, customer_id, name, email, address, province, em_name)
        if (  # TEXT_LIMITS inline: this runs a million times a file
            len(account_id) > 64
            or len(customer_id) > 64
            or len(name) > 200
            or len(email) > 254
            or len(address) > 500
            or len(province) > 32
            or len(em_name) > 200
            or "\x00" in "".join(texts)
        ):
            _check_text(texts)
        return SnapshotRow(
            account_id,
            customer_id,
            name,
            _id_number(id_number),
            _phone(phone, "phone"),
            email or None,
            address or None,
            province or None,
            parse_amount(credit_limit, "credit_limit") or 0,
            parse_amount(principal, "principal") or 0,
            parse_amount(interest, "interest") or 0,
            parse_amount(fees, "fees") or 0,
            parse_amount(minimum_due, "minimum_due") or 0,
            parse_date(due_date, "due_date") or date.min,
            parse_dpd(dpd),
            parse_date(last_payment_date, "last_payment_date", False),
            parse_amount(last_payment_amount, "last_payment_amount", False),
            em_name or None,
            _phone(em_phone, "emergency_contact_phone"),
            card,
        )


def parse_row(raw: Mapping[str, str | None]) -> SnapshotRow:
    """Validate one row given as column -> text (convenience for tests and single rows)."""
    columns = list(REQUIRED_COLUMNS) + list(OPTIONAL_COLUMNS)
    return RowParser(columns).parse([raw.get(c) or "" for c in columns])
