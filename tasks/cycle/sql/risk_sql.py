"""The risk policy compiled to SQL: each rule's test, its points and its reason text, over the
facts of the batch's work table (`w`), with the same meaning as rules/risk.py:

- money in integer fen, utilisation in ten-thousandths (rounded half-even, as Decimal.quantize),
  days as integers, yes/no as 0/1; a threshold is compared exactly (no float);
- an unknown fact (no payment on record, no credit limit) never fires;
- the reasons: one per field, from the first firing rule of that field, in rule order, as the
  JSON list the case stores and as the "; "-joined text a risk change's timeline line shows.

Reason formats are compiled for the specs a bank writes ({value}, {value:,.0f}, {value:.0%},
{value:,.2f}, {value:,} ...); a format the compiler does not know raises `Unsupported`, and the
cycle then decides the day with the reference evaluator instead (nothing is approximated).
"""

from __future__ import annotations

import json
import math
import string
from dataclasses import dataclass
from decimal import Decimal

from rules.policy import RiskPolicy, RiskRule
from rules.risk import RECENT_PAYMENT_DAYS, reason_text
from tasks.cycle.sql.dialect import Dialect


class Unsupported(Exception):
    """The policy says something this compiler does not put into SQL."""


# field -> (expression over the work table, scale of the stored integer, kind)
_FIELDS: dict[str, tuple[str, int, str]] = {
    "balance": ("w.bal", 100, "money"),
    "principal": ("w.prin", 100, "money"),
    "dpd": ("w.dpd", 1, "int"),
    "utilisation": ("w.util", 10_000, "ratio"),
    "days_since_payment": ("w.since_paid", 1, "int"),
    "recent_partial_payment": ("w.paid_recently", 1, "bool"),
    "contactable": ("w.contactable", 1, "bool"),
}
_SAMPLE = {
    "money": Decimal("1234.50"),
    "int": 42,
    "ratio": Decimal("0.9512"),
    "bool": True,
}


def compare(expr: str, op: str, threshold: Decimal) -> str:
    """`expr op threshold` for an integer expression and an exact (maybe fractional) threshold,
    false when the expression is NULL."""
    floor, ceil = math.floor(threshold), math.ceil(threshold)
    whole = floor == ceil
    body = {
        ">": f"{expr} > {floor}",
        ">=": f"{expr} >= {ceil}",
        "<": f"{expr} < {ceil}",
        "<=": f"{expr} <= {floor}",
        "==": f"{expr} = {floor}" if whole else "1 = 0",
        "!=": f"{expr} <> {floor}" if whole else "1 = 1",
    }[op]
    return f"({expr} IS NOT NULL AND {body})"


def half_even(num: str, den: int) -> str:
    """num / den rounded half to even, for a non-negative integer expression."""
    if den == 1:
        return num
    q, r = f"(({num}) / {den})", f"(({num}) % {den})"
    return (
        f"({q} + CASE WHEN 2 * {r} > {den} OR (2 * {r} = {den} AND {q} % 2 = 1) THEN 1 ELSE 0 END)"
    )


class _Formats:
    """SQL text of a fact's value under a format spec, for one dialect."""

    def __init__(self, d: Dialect) -> None:
        self.d = d

    def digits(self, expr: str, places: int) -> str:
        if self.d.sqlite:
            return f"printf('%0{places}d', {expr})"
        return f"lpad(CAST({expr} AS TEXT), {places}, '0')"

    def whole(self, expr: str, grouped: bool) -> str:
        return self.d.grouped(expr) if grouped else self.d.text(expr)

    def fixed(self, scaled: str, scale: int, places: int, grouped: bool) -> str:
        """A non-negative value held as an integer `scaled` = value * scale, shown with
        `places` decimals (rounded half-even)."""
        exp = round(math.log10(scale))
        if places > exp:
            raise Unsupported(f"{places} decimals of a value kept to {exp}")
        n = half_even(scaled, 10 ** (exp - places))
        if places == 0:
            return self.whole(n, grouped)
        unit = 10**places
        whole = self.whole(f"({n}) / {unit}", grouped)
        return f"{whole} || '.' || {self.digits(f'({n}) % {unit}', places)}"

    def value(self, kind: str, expr: str, spec: str) -> str:
        grouped = "," in spec
        bare = spec.replace(",", "")
        if kind == "bool":
            if spec:
                raise Unsupported(f"format {spec!r} of a yes/no value")
            return f"CASE WHEN {expr} = 1 THEN 'True' ELSE 'False' END"
        if kind == "int":
            if bare not in ("", "d"):
                raise Unsupported(f"format {spec!r} of a whole number")
            return self.whole(expr, grouped)
        scale = 100 if kind == "money" else 10_000
        if spec == "":
            return self.fixed(expr, scale, 2 if kind == "money" else 4, False)
        if bare.startswith(".") and bare.endswith("f") and bare[1:-1].isdigit():
            return self.fixed(expr, scale, int(bare[1:-1]), grouped)
        if kind == "ratio" and bare.startswith(".") and bare.endswith("%") and bare[1:-1].isdigit():
            places = int(bare[1:-1])  # value * 100 shown with `places` decimals
            return self.fixed(expr, 100, places, grouped) + " || '%'"
        raise Unsupported(f"format {spec!r} of {kind}")


@dataclass(frozen=True)
class CompiledRule:
    field: str
    test: str  # SQL: does the rule fire
    points: int
    text: str  # SQL: the reason as shown
    json_text: str  # SQL: the reason as a JSON string's inside


def _threshold(rule: RiskRule) -> Decimal:
    return Decimal(int(rule.value)) if isinstance(rule.value, bool) else Decimal(rule.value)


def _reason_parts(rule: RiskRule, kind: str) -> list[tuple[str, str | None]]:
    """The reason as (constant text, value spec or None) pieces; the fallback wording when the
    format fails in Python (rules.risk.reason_text)."""
    sample = reason_text(rule, _SAMPLE[kind])
    try:
        expected = rule.reason.format(
            value=_SAMPLE[kind], threshold=rule.value, field=rule.field, points=rule.points
        )
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return [(f"{rule.field} ", None), ("", ""), (f" {rule.op} {rule.value}", None)]
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in string.Formatter().parse(rule.reason):
        if literal:
            parts.append((literal, None))
        if name is None:
            continue
        if conversion:
            raise Unsupported(f"conversion !{conversion} in a risk reason")
        spec = spec or ""
        if name == "value":
            parts.append(("", spec))
        else:
            constants = {"threshold": rule.value, "field": rule.field, "points": rule.points}
            parts.append((format(constants[name], spec), None))
    rebuilt = "".join(text if spec is None else format(_SAMPLE[kind], spec) for text, spec in parts)
    if rebuilt != expected or sample != expected:
        raise Unsupported(f"risk reason {rule.reason!r}")
    return parts


def _join(pieces: list[str]) -> str:
    return " || ".join(pieces) if pieces else "''"


def compile_rule(rule: RiskRule, d: Dialect) -> CompiledRule:
    expr, scale, kind = _FIELDS[rule.field]
    test = compare(expr, rule.op, _threshold(rule) * scale)
    fmt = _Formats(d)
    shown: list[str] = []
    escaped: list[str] = []
    for text, spec in _reason_parts(rule, kind):
        if spec is None:
            shown.append(d.lit(text))
            escaped.append(d.lit(json.dumps(text, ensure_ascii=False)[1:-1]))
        else:
            value = fmt.value(kind, expr, spec)
            shown.append(value)
            escaped.append(value)  # digits, separators, %, True/False: nothing to escape
    return CompiledRule(rule.field, test, rule.points, _join(shown), _join(escaped))


class RiskSql:
    """The risk policy as SQL over the work table `w` (see the module docstring)."""

    def __init__(self, risk: RiskPolicy, d: Dialect) -> None:
        self.risk = risk
        self.rules = [compile_rule(r, d) for r in risk.rules]

    def points(self) -> str:
        terms = [
            f"CASE WHEN w.r{i} = 1 THEN {r.points} ELSE 0 END" for i, r in enumerate(self.rules)
        ]
        return " + ".join(terms) if terms else "0"

    def tier(self, points: str) -> str:
        t = self.risk.tiers
        return (
            f"CASE WHEN {points} >= {t.high} THEN 'high' "
            f"WHEN {points} >= {t.medium} THEN 'medium' ELSE 'low' END"
        )

    def _first_of_field(self, i: int) -> str:
        """Rule i fires and is the first firing rule of its field."""
        field = self.rules[i].field
        earlier = [f"w.r{j} = 0" for j in range(i) if self.rules[j].field == field]
        return " AND ".join([f"w.r{i} = 1", *earlier])

    def reasons_json(self) -> str:
        pieces = [
            f"CASE WHEN {self._first_of_field(i)} THEN ', \"' || {r.json_text} || '\"' ELSE '' END"
            for i, r in enumerate(self.rules)
        ]
        return f"'[' || substr({_join(pieces)}, 3) || ']'" if pieces else "'[]'"

    def reasons_text(self) -> str:
        """The reasons joined with '; ' ('' when none)."""
        pieces = [
            f"CASE WHEN {self._first_of_field(i)} THEN '; ' || {r.text} ELSE '' END"
            for i, r in enumerate(self.rules)
        ]
        return f"substr({_join(pieces)}, 3)" if pieces else "''"


RECENT_DAYS = RECENT_PAYMENT_DAYS
