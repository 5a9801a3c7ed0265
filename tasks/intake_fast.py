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
    def number(x: str, low: int, high: int) -> str:
        return f"({x} ~ '^[1-9][0-9]{{{low - 1},{high - 1}}}$')"

    @staticmethod
    def date(x: str) -> str:
        y, m, day = (f"CAST(substr({x}, {a}, {n}) AS INTEGER)" for a, n in ((1, 4), (6, 2), (9, 2)))
        leap = f"({y} % 4 = 0 AND ({y} % 100 <> 0 OR {y} % 400 = 0))"
        last = (
            f"CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
            f"WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
        )
        return (
            f"(CASE WHEN {x} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN {x} {_BETWEEN} "
            f"AND {m} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND {last} ELSE 1 = 0 END)"
        )

    @staticmethod
    def amounts(columns: list[str]) -> str:
        return "(" + " AND ".join(f"{c} ~ '^[0-9]{{1,13}}\\.[0-9]{{2}}$'" for c in columns) + ")"

    @staticmethod
    def dpd(x: str) -> str:
        return f"({x} ~ '^[0-9]{{1,9}}$')"


def fast_ok(c: RowChecks) -> str:
    """SQL true for a row that is certainly good, its figures needing no trimming."""
    d = c.d
    f: type[_Sqlite] | type[_Pg] = _Pg if d.pg else _Sqlite
    first, last = ("ascii", "right") if d.pg else ("unicode", "substr")

    def ends(x: str) -> str:  # no whitespace at either end (x is ASCII)
        tail = f"{last}({x}, {'1' if d.pg else '-1'})"
        return f"{first}({x}) > 32 AND {first}({tail}) > 32"

    dpd = "CAST(days_past_due AS INTEGER)"
    card = [f"(card_number = '' OR {f.number('card_number', 12, 19)})"] if c.card else []
    tests = [
        "problem IS NULL",
        d.ascii_only("account_id || customer_id"),
        ends("account_id"),
        ends("customer_id"),
        "length(account_id) <= 64 AND length(customer_id) <= 64",
        f"(email = '' OR {d.position(chr(39) + '@' + chr(39), 'email')} > 0)",
        f"{first}(name) > 32 AND {first}(name) NOT IN ({_WIDE_SPACES})",
        "length(name) <= 200 AND length(email) <= 254 AND length(address) <= 500 "
        "AND length(province) <= 32 AND length(emergency_contact_name) <= 200",
        f.date("due_date"),
        f.dpd("days_past_due"),
        f"(CASE WHEN {dpd} = 0 THEN 1 = 1 "
        f"ELSE abs({dpd} - {d.days_before_as_of('due_date')}) <= :tolerance END)",
        f"(CASE WHEN length(id_number) = 18 THEN {f.number('substr(id_number, 1, 17)', 17, 17)} "
        f"AND {_checksum(d, 'id_number')} ELSE {f.number('id_number', 15, 15)} END)",
        f"(phone = '' OR {f.number('phone', 5, 18)})",
        f.amounts(list(AMOUNTS)),
        f"(last_payment_date = '' OR {f.date('last_payment_date')})",
        f"(last_payment_amount = '' OR {f.amounts(['last_payment_amount'])})",
        f"(emergency_contact_phone = '' OR {f.number('emergency_contact_phone', 5, 18)})",
        *card,
    ]
    return "(" + " AND ".join(f"({t})" for t in tests) + ")"
