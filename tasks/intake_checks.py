"""What a snapshot row must be, as SQL over the staging table (tasks/intake_stage.py): one CASE
that gives the first problem of a row in the words and the order of rules/snapshot_row.py
(RowParser.parse), and the typed values of a row that has none.

SQL here works on figures and keys written in printable ASCII. A row whose account or customer
id, ID number, phones, card number, amounts, dates or days past due hold anything else (a
full-width digit, a look-alike letter, a tab, an invisible character) is marked ROUTE: Unicode
digit classes and NFKC are not SQL, so those rows (a handful in a file) are parsed by RowParser in
one pass (tasks/intake_validate.py). Text columns (name, email, address, province, emergency
contact name) are checked here whatever they hold: trimmed by Python's whitespace set (:ws).
"""

from __future__ import annotations

from collections.abc import Sequence

from rules.snapshot_row import DATE_MAX, DATE_MIN, MAX_DPD, TEXT_LIMITS
from tasks.intake_dialect import Dialect

ROUTE = "\x01route"  # the reason a row goes to the per-row parser
AMOUNTS = ("credit_limit", "principal", "interest", "fees", "minimum_due")
# the columns whose characters decide whether SQL can read a row
FIGURES = (
    "account_id", "customer_id", "id_number", "phone", *AMOUNTS, "due_date", "days_past_due",
    "last_payment_date", "last_payment_amount", "emergency_contact_phone",
)  # fmt: skip
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_NOT_A_DATE = "is not a valid date (YYYY-MM-DD)"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class RowChecks:
    """SQL for one staged file: `columns` are its staging columns (the header's)."""

    def __init__(self, dialect: Dialect, columns: Sequence[str]) -> None:
        self.d = dialect
        self.card = "card_number" in columns

    # -- values, as the parser reads them ---------------------------------------------------
    def stripped(self, column: str) -> str:
        """A figure or key without surrounding spaces (printable ASCII: only spaces are
        whitespace there)."""
        return f"trim({column})"

    def text(self, column: str) -> str:
        """A text column trimmed as str.strip() trims (name is kept as given)."""
        return column if column == "name" else self.d.ws_trim(column)

    def fen(self, column: str) -> str:
        """An amount's integer fen from its stripped text (a valid amount)."""
        v = self.stripped(column)
        pos = self.d.position("'.'", v)
        scale = f"CASE WHEN {pos} = 0 THEN 100 WHEN {pos} = length({v}) - 1 THEN 10 ELSE 1 END"
        return f"(CAST(replace({v}, '.', '') AS BIGINT) * {scale})"

    def dpd(self) -> str:
        """Days past due of a valid row ('-0' is 0)."""
        return f"CAST(replace({self.stripped('days_past_due')}, '-', '') AS INTEGER)"

    def card_value(self) -> str:
        return "NULLIF(replace(card_number, ' ', ''), '')" if self.card else "NULL"

    # -- the first problem ------------------------------------------------------------------
    def reason(self) -> str:
        """CASE giving a row's first problem (reader's problem, ROUTE, or the parser's reason),
        NULL when the row is good."""
        whens = [("problem IS NOT NULL", "problem"), (self._route(), _lit(ROUTE))]
        whens += self._card() + self._text_presence() + self._lengths()
        whens += self._date("due_date", required=True) + self._dpd()
        whens += self._id_number() + self._phone("phone")
        for column in AMOUNTS:
            whens += self._amount(column, required=True)
        whens += self._date("last_payment_date", required=False)
        whens += self._amount("last_payment_amount", required=False)
        whens += self._phone("emergency_contact_phone")
        body = " ".join(f"WHEN {cond} THEN {value}" for cond, value in whens)
        return f"CASE {body} END"

    def _route(self) -> str:
        columns = [*FIGURES, "card_number"] if self.card else list(FIGURES)
        return self.d.not_printable_ascii(" || ".join(columns))

    def _card(self) -> list[tuple[str, str]]:
        if not self.card:
            return []
        c = "replace(card_number, ' ', '')"
        ok = f"({self.d.digits(c)} AND length({c}) BETWEEN 12 AND 19)"
        return [(f"{c} <> '' AND NOT {ok}", _lit("card_number: not 12 to 19 digits"))]

    def _text_presence(self) -> list[tuple[str, str]]:
        email = self.text("email")
        at = self.d.position("'@'", email)
        return [
            (f"{email} <> '' AND {at} = 0",
             _lit("email: not an email address")),
            (f"{self.d.ws_trim('name')} = ''", _lit("name: missing")),
            (f"{self.stripped('account_id')} = ''", _lit("account_id: missing")),
            (f"{self.stripped('customer_id')} = ''", _lit("customer_id: missing")),
        ]  # fmt: skip

    def _lengths(self) -> list[tuple[str, str]]:
        out = []
        for column, limit in TEXT_LIMITS.items():
            value = self.stripped(column) if column in ("account_id", "customer_id") else None
            value = value or self.text(column)
            out.append(
                (f"length({value}) > {limit}", _lit(f"{column}: longer than {limit} characters"))
            )
        return out

    def _date(self, column: str, *, required: bool) -> list[tuple[str, str]]:
        v, d = self.stripped(column), self.d
        y, m, day = (f"CAST(substr({v}, {a}, {n}) AS INTEGER)" for a, n in ((1, 4), (6, 2), (9, 2)))
        leap = f"(({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0)"
        last = (
            f"CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
            f"WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
        )
        # CASE, not AND: PostgreSQL need not test the shape before it casts the digits
        valid = (
            f"(CASE WHEN {d.date_shape(v)} THEN {y} >= 1 AND {m} BETWEEN 1 AND 12 "
            f"AND {day} BETWEEN 1 AND {last} ELSE 1 = 0 END)"
        )
        given = "" if required else f"{v} <> '' AND "
        out = [(f"{v} = ''", _lit(f"{column}: missing"))] if required else []
        return [
            *out,
            (f"{given}NOT {valid}",
             f"{_lit(column + ': ')} || {d.py_repr(v)} || {_lit(' ' + _NOT_A_DATE)}"),
            (f"{given}{v} NOT BETWEEN '{DATE_MIN}' AND '{DATE_MAX}'",
             f"{_lit(column + ': ')} || {v} || {_lit(f' is outside {DATE_MIN}..{DATE_MAX}')}"),
        ]  # fmt: skip

    def _dpd(self) -> list[tuple[str, str]]:
        d, v = self.d, self.stripped("days_past_due")
        negative = f"substr({v}, 1, 1) = '-'"
        digits = f"(CASE WHEN {negative} THEN substr({v}, 2) ELSE {v} END)"
        whole = f"ltrim({digits}, '0')"
        top = str(MAX_DPD)
        dpd = f"CAST({digits} AS INTEGER)"
        due = self.stripped("due_date")
        elapsed = d.days_before_as_of(due)
        mismatch = (
            f"'days_past_due: ' || {d.text(dpd)} || ' does not match due_date ' || {due} || ' (' "
            f"|| {d.text(elapsed)} || ' days before ' || :as_of || '; tolerance ' "
            f"|| {d.text(':tolerance')} || ')'"
        )
        return [
            (f"{v} = ''", _lit("days_past_due: missing")),
            (f"NOT {d.digits(digits)}",
             f"'days_past_due: ' || {d.py_repr(v)} || ' is not a whole number'"),
            (f"{negative} AND {whole} <> ''", f"'days_past_due: -' || {whole} || ' is negative'"),
            (f"length({whole}) > {len(top)} "
             f"OR (length({whole}) = {len(top)} AND {whole} > '{top}')",
             _lit(f"days_past_due: more than {MAX_DPD}")),
            (f"CASE WHEN {dpd} > 0 THEN abs({dpd} - {elapsed}) > :tolerance ELSE 1 = 0 END",
             mismatch),
        ]  # fmt: skip

    def _id_number(self) -> list[tuple[str, str]]:
        d, v = self.d, self.stripped("id_number")
        shape = f"({d.digits_n(v, 18, '0-9Xx')} OR {d.digits_n(v, 15)})"
        total = " + ".join(
            f"CAST(substr({v}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(ID_WEIGHTS)
        )
        check = f"substr('10X98765432', ({total}) % 11 + 1, 1)"
        return [
            (f"{v} = ''", _lit("id_number: missing")),
            (f"NOT {shape}",
             _lit("id_number: not 18 characters (17 digits + digit or X) nor 15 digits")),
            (f"CASE WHEN length({v}) = 18 THEN {check} <> upper(substr({v}, 18, 1)) ELSE 1 = 0 END",
             _lit("id_number: check digit does not match")),
        ]  # fmt: skip

    def _phone(self, column: str) -> list[tuple[str, str]]:
        v = self.stripped(column)
        problem = _lit(f"{column}: not a phone number")
        return [(f"{v} <> '' AND NOT {self.d.phone_shape(v)}", problem)]

    def _amount(self, column: str, *, required: bool) -> list[tuple[str, str]]:
        d, v = self.d, self.stripped(column)
        given = "" if required else f"{v} <> '' AND "
        out = [(f"{v} = ''", _lit(f"{column}: missing"))] if required else []
        return [
            *out,
            (f"{given}substr({v}, 1, 1) = '-'",
             f"{_lit(column + ': negative amount ')} || {d.py_repr(v)}"),
            (f"{given}NOT {d.amount_shape(v)}",
             f"{_lit(column + ': ')} || {d.py_repr(v)} || ' is not an amount (e.g. 12345.67)'"),
        ]  # fmt: skip

    # -- a good row's values ----------------------------------------------------------------
    def canonical(self) -> list[tuple[str, str]]:
        """(column, SQL) rewriting a good row's figures as the quick test writes them: keys,
        ID number, phones and dates trimmed, amounts `yuan.ff`, days past due without sign or
        leading zeros, the card number without spaces (rows found good by the full CASE)."""
        d, s = self.d, self.stripped

        def yuan(column: str) -> str:
            fen = self.fen(column)
            return f"{d.text(f'{fen} / 100')} || '.' || {d.right(d.text(f'100 + {fen} % 100'), 2)}"

        out = [(c, s(c)) for c in ("account_id", "customer_id", "id_number", "phone")]
        out += [(c, yuan(c)) for c in AMOUNTS]
        out += [
            ("due_date", s("due_date")),
            ("days_past_due", d.text(self.dpd())),
            ("last_payment_date", s("last_payment_date")),
            ("last_payment_amount",
             f"CASE WHEN {s('last_payment_amount')} = '' THEN '' "
             f"ELSE {yuan('last_payment_amount')} END"),
            ("emergency_contact_phone", s("emergency_contact_phone")),
        ]  # fmt: skip
        if self.card:
            out.append(("card_number", "replace(card_number, ' ', '')"))
        return out

    def typed(self) -> list[tuple[str, str]]:
        """(name, SQL) of a good row's values in storage form, from its canonical cells."""
        d = self.d

        def opt(expr: str) -> str:
            return f"NULLIF({expr}, '')"

        def fen(column: str) -> str:
            return f"CAST(replace(s.{column}, '.', '') AS BIGINT)"

        return [
            ("line", "s.line"),
            ("account_id", "s.account_id"),
            ("customer_id", "s.customer_id"),
            ("name", "s.name"),
            ("id_number", "s.id_number"),
            ("phone", opt("s.phone")),
            ("email", opt(self.text("s.email"))),
            ("address", opt(self.text("s.address"))),
            ("province", opt(self.text("s.province"))),
            *((c, fen(c)) for c in AMOUNTS),
            ("due_date", d.as_date("s.due_date")),
            ("days_past_due", "CAST(s.days_past_due AS INTEGER)"),
            ("last_payment_date", d.as_date(opt("s.last_payment_date"))),
            ("last_payment_amount",
             f"CASE WHEN s.last_payment_amount = '' THEN NULL "
             f"ELSE {fen('last_payment_amount')} END"),
            ("emergency_contact_name", opt(self.text("s.emergency_contact_name"))),
            ("emergency_contact_phone", opt("s.emergency_contact_phone")),
            ("card_number", "NULLIF(s.card_number, '')" if self.card else "NULL"),
        ]  # fmt: skip
