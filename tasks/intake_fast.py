"""The staged intake's quick test of a row: a cheap SQL condition that only a good row meets,
written the way the bank's files write their figures (no spaces around them, ASCII digits,
`12345.67`, a mobile number). A row that meets it needs no other check; the few that do not go
through the full CASE of tasks/intake_checks.py, which says exactly what is wrong (or finds
them good after all: a phone with dashes, an amount written `100`).

Each test implies the parser's rule, never the other way round. SQLite is given the cheapest
functions it has (a cast and back for digits, `date()` for a calendar date, one `printf` for
the amounts; GLOB costs microseconds a field there); PostgreSQL its regular expressions. Casts
on PostgreSQL are guarded by CASE, which it evaluates in order.
"""

from __future__ import annotations

from rules.snapshot_row import DATE_MAX, DATE_MIN
from tasks.intake_checks import AMOUNTS, ID_WEIGHTS, RowChecks
from tasks.intake_dialect import PY_WHITESPACE, Dialect

_BETWEEN = f"BETWEEN '{DATE_MIN}' AND '{DATE_MAX}'"
# whitespace that str.strip() removes beyond ASCII: a name opening with one is checked in full
_WIDE_SPACES = ", ".join(str(ord(ch)) for ch in PY_WHITESPACE if ord(ch) > 32)


def _checksum(d: Dialect, x: str) -> str:
    """The 18-character ID number x's check character matches its first 17 digits."""
    if d.pg:
        total = " + ".join(
            f"CAST(substr({x}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(ID_WEIGHTS)
        )
        return f"substr('10X98765432', ({total}) % 11 + 1, 1) = upper(substr({x}, 18, 1))"
    # SQLite: the 17 digits read once as an integer, its digits taken by arithmetic
    total = " + ".join(f"(n / {10 ** (16 - i)} % 10) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return (
        f"(SELECT substr('10X98765432', ({total}) % 11 + 1, 1) "
        f"FROM (SELECT CAST(substr({x}, 1, 17) AS INTEGER) AS n)) = upper(substr({x}, 18, 1))"
    )


class _Sqlite:
    @staticmethod
    def number(x: str, low: int, high: int) -> str:
        """x is a positive whole number of low..high ASCII digits without leading zeros."""
        return (
            f"(length({x}) BETWEEN {low} AND {high} AND CAST({x} AS INTEGER) > 0 "
            f"AND CAST(CAST({x} AS INTEGER) AS TEXT) = {x})"
        )

    @staticmethod
    def date(x: str) -> str:
        return f"(date({x}, '+0 days') = {x} AND {x} {_BETWEEN})"  # normalised: 02-29

    @staticmethod
    def amounts(columns: list[str]) -> str:
        """Every column is yuan with two decimals, 13 whole digits at most, not negative."""
        fmt = "|".join(["%.2f"] * len(columns))
        reals = ", ".join(f"CAST({c} AS REAL)" for c in columns)
        written = " || '|' || ".join(columns)
        return (
            f"(printf('{fmt}', {reals}) = {written} "
            f"AND instr({' || '.join(columns)}, '-') = 0 "
            f"AND max({', '.join(f'length({c})' for c in columns)}, 0) <= 16)"
        )

    @staticmethod
    def dpd(x: str) -> str:
        return (
            f"(length({x}) <= 9 AND CAST({x} AS INTEGER) >= 0 "
            f"AND CAST(CAST({x} AS INTEGER) AS TEXT) = {x})"
        )


class _Pg:
    @staticmethod
    def calendar(x: str) -> str:
        """x, already shaped YYYY-MM-DD in ASCII digits, is a calendar date in range."""
        y, m, day = (f"CAST(substr({x}, {a}, {n}) AS INTEGER)" for a, n in ((1, 4), (6, 2), (9, 2)))
        leap = f"({y} % 4 = 0 AND ({y} % 100 <> 0 OR {y} % 400 = 0))"
        last = (
            f"CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
            f"WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
        )
        return f"({x} {_BETWEEN} AND {m} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND {last})"


# PostgreSQL: regular expressions cost more than the rest of the test (a dozen a row; one over
# the joined figures costs more still), so the figures are joined by `|` and their digits
# removed with one translate(): what is left must be each figure's punctuation, in order
# (`--` for a date, `.` for an amount, an ID number's X), and each figure's length and the
# places of its punctuation then fix its shape
_DIGITS = "'0123456789'"
_SKELETON = (
    ("due_date", "'--'"), ("days_past_due", "''"),
    ("id_number", "CASE WHEN length(id_number) = 18 AND right(id_number, 1) IN ('X', 'x') "
                  "THEN right(id_number, 1) ELSE '' END"),
    ("phone", "''"), *((a, "'.'") for a in AMOUNTS),
    ("last_payment_date", "CASE WHEN last_payment_date = '' THEN '' ELSE '--' END"),
    ("last_payment_amount", "CASE WHEN last_payment_amount = '' THEN '' ELSE '.' END"),
    ("emergency_contact_phone", "''"),
)  # fmt: skip


def _pg_number(x: str, low: int, high: int) -> str:
    """x (digits only, by the skeleton) is a number of low..high digits, no leading zero."""
    return f"(length({x}) BETWEEN {low} AND {high} AND left({x}, 1) <> '0')"


def _pg_amount(x: str) -> str:
    """x (digits and one point, by the skeleton) is yuan with two decimals, 13 digits at most."""
    return f"(length({x}) BETWEEN 4 AND 16 AND substr({x}, length({x}) - 2, 1) = '.')"


def _pg_date(x: str) -> str:
    """x (digits and two dashes, by the skeleton) is YYYY-MM-DD."""
    return f"(length({x}) = 10 AND substr({x}, 5, 1) = '-' AND substr({x}, 8, 1) = '-')"


def _pg_figures(c: RowChecks) -> str:
    """PostgreSQL: every figure shaped as the quick test wants it, then, guarded by that (CASE:
    PostgreSQL need not evaluate AND in order), what the casts check (calendar dates, the ID
    number's check character, days past due against the due date)."""
    skeleton = [*_SKELETON, ("card_number", "''")] if c.card else list(_SKELETON)
    joined = " || '|' || ".join(col for col, _ in skeleton)
    expected = " || '|' || ".join(f"({e})" for _, e in skeleton)
    card = [f"(card_number = '' OR {_pg_number('card_number', 12, 19)})"] if c.card else []
    shapes = [
        f"translate({joined}, {_DIGITS}, '') = {expected}",
        _pg_date("due_date"),
        "length(days_past_due) BETWEEN 1 AND 9",
        f"(CASE WHEN length(id_number) = 18 THEN {_pg_number('id_number', 18, 18)} "
        f"ELSE {_pg_number('id_number', 15, 15)} END)",
        f"(phone = '' OR {_pg_number('phone', 5, 18)})",
        *(_pg_amount(a) for a in AMOUNTS),
        f"(last_payment_date = '' OR {_pg_date('last_payment_date')})",
        f"(last_payment_amount = '' OR {_pg_amount('last_payment_amount')})",
        f"(emergency_contact_phone = '' OR {_pg_number('emergency_contact_phone', 5, 18)})",
        *card,
    ]
    dpd = "CAST(days_past_due AS INTEGER)"
    # CASE, whose branches PostgreSQL takes in order: no cast sees a text it cannot read
    after = (
        f"CASE WHEN NOT {_Pg.calendar('due_date')} THEN 1 = 0 "
        f"WHEN NOT (CASE WHEN last_payment_date = '' THEN 1 = 1 "
        f"ELSE {_Pg.calendar('last_payment_date')} END) THEN 1 = 0 "
        f"WHEN NOT (CASE WHEN length(id_number) = 15 THEN 1 = 1 "
        f"ELSE {_checksum(c.d, 'id_number')} END) THEN 1 = 0 "
        f"ELSE {dpd} = 0 OR abs({dpd} - {c.d.days_before_as_of('due_date')}) <= :tolerance END"
    )
    return f"(CASE WHEN {' AND '.join(shapes)} THEN {after} ELSE 1 = 0 END)"


def _common(d: Dialect) -> list[str]:
    """The tests of the keys and text columns, the same on both databases."""
    first, last = ("ascii", "right") if d.pg else ("unicode", "substr")

    def ends(x: str) -> str:  # no whitespace at either end (x is ASCII)
        tail = f"{last}({x}, {'1' if d.pg else '-1'})"
        return f"{first}({x}) > 32 AND {first}({tail}) > 32"

    return [
        "problem IS NULL",
        d.ascii_only("account_id || customer_id"),
        ends("account_id"),
        ends("customer_id"),
        "length(account_id) <= 64 AND length(customer_id) <= 64",
        f"(email = '' OR {d.position(chr(39) + '@' + chr(39), 'email')} > 0)",
        f"{first}(name) > 32 AND {first}(name) NOT IN ({_WIDE_SPACES})",
        "length(name) <= 200 AND length(email) <= 254 AND length(address) <= 500 "
        "AND length(province) <= 32 AND length(emergency_contact_name) <= 200",
    ]


def _sqlite_figures(c: RowChecks) -> list[str]:
    f, dpd = _Sqlite, "CAST(days_past_due AS INTEGER)"
    card = [f"(card_number = '' OR {f.number('card_number', 12, 19)})"] if c.card else []
    return [
        f.date("due_date"),
        f.dpd("days_past_due"),
        f"(CASE WHEN {dpd} = 0 THEN 1 = 1 "
        f"ELSE abs({dpd} - {c.d.days_before_as_of('due_date')}) <= :tolerance END)",
        f"(CASE WHEN length(id_number) = 18 THEN {f.number('substr(id_number, 1, 17)', 17, 17)} "
        f"AND {_checksum(c.d, 'id_number')} ELSE {f.number('id_number', 15, 15)} END)",
        f"(phone = '' OR {f.number('phone', 5, 18)})",
        f.amounts(list(AMOUNTS)),
        f"(last_payment_date = '' OR {f.date('last_payment_date')})",
        f"(last_payment_amount = '' OR {f.amounts(['last_payment_amount'])})",
        f"(emergency_contact_phone = '' OR {f.number('emergency_contact_phone', 5, 18)})",
        *card,
    ]


def fast_ok(c: RowChecks) -> str:
    """SQL true for a row that is certainly good, its figures needing no trimming."""
    figures = [_pg_figures(c)] if c.d.pg else _sqlite_figures(c)
    return "(" + " AND ".join(f"({t})" for t in [*_common(c.d), *figures]) + ")"
