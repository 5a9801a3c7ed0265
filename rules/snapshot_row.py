"""Validation of one row of the daily delinquency snapshot (design.md, "Delinquency snapshot file").

Pure and fast: a million rows go through `parse_row`. Amounts become integer fen, never floats.

What is refused (one reason per row, the first found): a missing or malformed field; a negative
amount; digits that are not ASCII 0-9 (full-width, Arabic-Indic: rules/snapshot_text.py); a date
that is not YYYY-MM-DD (an ISO week date `2026-W48-1` or `20261102` included) or lies outside
DATE_MIN..DATE_MAX (`9999-12-31`); days past due that the dates do not allow (DPD above 0 must
equal as-of minus due date within the intake's `dpd_tolerance_days`); an ID number with a wrong
check digit; an account or customer id that is not printable ASCII once zero-width characters are
removed and NFKC applied; text longer than its column holds or holding a NUL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from operator import itemgetter, mul
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from rules.snapshot_text import digits_problem, key_problem, normalise_key

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
_PHONE = re.compile(r"\+?[\d\- ]{5,20}", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)  # not 20261102, not a week date 2026-W48-1
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)  # a sane window for any snapshot date
DEFAULT_DPD_TOLERANCE_DAYS = 3
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


class IntakeSettings(BaseModel):
    """The bank's intake settings (`<policy>/intake.yaml`, all optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # days_past_due above 0 must equal as-of minus due_date within this many days
    dpd_tolerance_days: int = Field(default=DEFAULT_DPD_TOLERANCE_DAYS, ge=0, le=31)


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
    foreign = digits_problem(value, column)
    if foreign is not None:
        raise RowError(foreign)
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
    digits = digits_problem(value, column)
    if digits is not None:
        raise RowError(digits)
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column}: {value!r} is not a valid date (YYYY-MM-DD)") from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise RowError(f"{column}: {value} is outside {DATE_MIN}..{DATE_MAX}")
    return day


def parse_dpd(value: str) -> int:
    value = value.strip()
    if not value:
        raise RowError("days_past_due: missing")
    foreign = digits_problem(value, "days_past_due")
    if foreign is not None:
        raise RowError(foreign)
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


def _key(value: str, column: str) -> str:
    """An account or customer id as a key (rules/snapshot_text.py): ASCII digits, zero-width
    characters removed, NFKC; RowError when what remains is not printable ASCII."""
    if not value.isascii():
        problem = digits_problem(value, column)
        if problem is None:
            value = normalise_key(value)
            problem = key_problem(value, column)
        if problem is not None:
            raise RowError(problem)
    return _required(value, column)


def _check_text(values: Sequence[str]) -> None:
    """Raise RowError for the first value (in TEXT_LIMITS order) too long or holding a NUL."""
    for (column, limit), value in zip(TEXT_LIMITS.items(), values, strict=True):
        if len(value) > limit:
            raise RowError(f"{column}: longer than {limit} characters")
        if "\x00" in value:
            raise RowError(f"{column}: contains a NUL character")


def _id_number(value: str) -> str:
    value = _required(value, "id_number")
    digits = digits_problem(value, "id_number")
    if digits is not None:
        raise RowError(digits)
    if not _ID_NUMBER.fullmatch(value):
        raise RowError("id_number: not 18 characters (17 digits + digit or X) nor 15 digits")
    if len(value) == 18 and id_check_digit(value[:17]) != value[17].upper():
        raise RowError("id_number: check digit does not match")
    return value


def _phone(value: str, column: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    digits = digits_problem(value, column)
    if digits is not None:
        raise RowError(digits)
    if not _PHONE.fullmatch(value):
        raise RowError(f"{column}: not a phone number")
    return value


class RowParser:
    """Parses CSV records (lists of cells) whose columns are named by the header."""

    def __init__(
        self,
        columns: Sequence[str],
        as_of: date | None = None,
        dpd_tolerance_days: int = DEFAULT_DPD_TOLERANCE_DAYS,
    ) -> None:
        """`as_of`: the snapshot's date, against which days past due are checked (None: not
        checked, for a row read on its own)."""
        self._as_of, self._tolerance = as_of, dpd_tolerance_days
        index = {c: i for i, c in enumerate(columns)}
        missing = [c for c in REQUIRED_COLUMNS if c not in index]
        if missing:
            raise ValueError(f"missing columns: {', '.join(missing)}")
        self._cells = itemgetter(*(index[c] for c in REQUIRED_COLUMNS))
        self._card = index.get("card_number")
        self._account = index["account_id"]

    def parse_line(self, record: Sequence[str], problem: str | None) -> SnapshotRow:
        """`parse`, for a line the reader already refused (`problem`) a RowError."""
        if problem is not None:
            raise RowError(problem)
        return self.parse(record)

    def account_cell(self, record: Sequence[str]) -> str:
        """The account id as the record gives it (before it is normalised)."""
        return record[self._account].strip() if len(record) > self._account else ""

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
                raise RowError(
                    digits_problem(card, "card_number") or "card_number: not 12 to 19 digits"
                )
        email = email.strip()
        if email and "@" not in email:
            raise RowError("email: not an email address")
        if not name.strip():
            raise RowError("name: missing")
        account_id = _key(account_id, "account_id")
        customer_id = _key(customer_id, "customer_id")
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
        due = parse_date(due_date, "due_date") or date.min
        days_past_due = parse_dpd(dpd)
        if self._as_of is not None and days_past_due > 0:
            self._check_dpd(days_past_due, due)
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
            due,
            days_past_due,
            parse_date(last_payment_date, "last_payment_date", False),
            parse_amount(last_payment_amount, "last_payment_amount", False),
            em_name or None,
            _phone(em_phone, "emergency_contact_phone"),
            card,
        )

    def _check_dpd(self, dpd: int, due: date) -> None:
        """Days past due above 0 count from the due date: as-of minus due_date, within the
        intake's tolerance (a day or two of the bank's cut-off). A current account (DPD 0) may
        have its due date ahead or behind (paid), so it is not checked."""
        assert self._as_of is not None
        elapsed = (self._as_of - due).days
        if abs(dpd - elapsed) > self._tolerance:
            raise RowError(
                f"days_past_due: {dpd} does not match due_date {due} ({elapsed} days before "
                f"{self._as_of}; tolerance {self._tolerance})"
            )


class AccountKeys:
    """The first line of each account key in a file; a later row with the same key is a
    duplicate, named as ambiguous when its id was written differently (invisible or look-alike
    characters normalised away: which of the two is meant cannot be told)."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[int, str]] = {}

    def duplicate(self, key: str, line: int, written: str) -> str | None:
        """None for the first row of `key`, else the reason the row at `line` is refused."""
        first, first_written = self._first.setdefault(key, (line, written))
        if first == line:
            return None
        if written != first_written:
            return (
                f"account_id: {key!r} is ambiguous: the same as line {first} once invisible and "
                "look-alike characters are normalised"
            )
        return f"account_id: duplicate of line {first}"


def parse_row(raw: Mapping[str, str | None]) -> SnapshotRow:
    """Validate one row given as column -> text (convenience for tests and single rows)."""
    columns = list(REQUIRED_COLUMNS) + list(OPTIONAL_COLUMNS)
    return RowParser(columns).parse([raw.get(c) or "" for c in columns])
