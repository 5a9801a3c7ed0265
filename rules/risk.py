"""Risk tiers from the policy's weighted rules: points summed, tier by thresholds, reasons kept.

A rule fires when `facts.<field> <op> value` holds; a field whose value is unknown (None: no
payment on record, no credit limit) never fires. Every firing rule adds its points; the reasons
list gives one line per field, from the first firing rule of that field in the policy (so list a
field's stronger rule first). Reasons are the rules' own wording (policy data).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from rules.enums import RiskTier
from rules.policy import RiskPolicy, RiskRule

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
RECENT_PAYMENT_DAYS = 30


@dataclass(frozen=True)
class RiskFacts:
    """What the risk rules look at for one case."""

    balance: Decimal
    principal: Decimal
    dpd: int
    utilisation: Decimal | None = None  # balance / credit limit
    days_since_payment: int | None = None  # None: no payment on record
    recent_partial_payment: bool = False
    contactable: bool = True


@dataclass(frozen=True)
class RiskResult:
    tier: RiskTier
    points: int
    reasons: list[str] = field(default_factory=list)


def risk_facts(
    *,
    as_of: date,
    principal: Decimal,
    interest: Decimal = Decimal("0"),
    fees: Decimal = Decimal("0"),
    dpd: int,
    credit_limit: Decimal | None = None,
    last_payment_date: date | None = None,
    last_payment_amount: Decimal | None = None,
    contactable: bool = True,
    recent_days: int = RECENT_PAYMENT_DAYS,
) -> RiskFacts:
    """RiskFacts from an account's figures. A payment in the last `recent_days` days on an
    account still past due counts as a recent partial payment."""
    balance = principal + interest + fees
    utilisation = (balance / credit_limit).quantize(Decimal("0.0001")) if credit_limit else None
    days_since = (as_of - last_payment_date).days if last_payment_date else None
    paid_recently = (
        days_since is not None
        and 0 <= days_since <= recent_days
        and bool(last_payment_amount)
        and dpd > 0
    )
    return RiskFacts(
        balance=balance,
        principal=principal,
        dpd=dpd,
        utilisation=utilisation,
        days_since_payment=days_since,
        recent_partial_payment=paid_recently,
        contactable=contactable,
    )


def tier_for(points: int, risk: RiskPolicy) -> RiskTier:
    if points >= risk.tiers.high:
        return RiskTier.HIGH
    if points >= risk.tiers.medium:
        return RiskTier.MEDIUM
    return RiskTier.LOW


def _compiled(risk: RiskPolicy) -> list[tuple[str, Callable[[Any, Any], bool], Any, RiskRule]]:
    """(field, comparison, threshold, rule) per rule, cached per policy object."""
    key = id(risk)
    hit = _COMPILED.get(key)
    if hit is None or hit[0] is not risk:
        hit = (risk, [(r.field, OPS[r.op], r.value, r) for r in risk.rules])
        if len(_COMPILED) > 16:
            _COMPILED.clear()
        _COMPILED[key] = hit
    return hit[1]


_COMPILED: dict[
    int, tuple[RiskPolicy, list[tuple[str, Callable[[Any, Any], bool], Any, RiskRule]]]
] = {}


def reason_text(rule: RiskRule, value: Any) -> str:
    """The rule's reason with the case's value; a plain fallback if the format does not fit."""
    try:
        return rule.reason.format(
            value=value, threshold=rule.value, field=rule.field, points=rule.points
        )
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return f"{rule.field} {value} {rule.op} {rule.value}"


def _reason(rule: RiskRule, value: Any) -> str:
    """reason_text, remembered for whole-number and yes/no values (DPD, days: they repeat)."""
    if type(value) not in (int, bool):
        return reason_text(rule, value)
    key = (id(rule), value)
    text = _REASONS.get(key)
    if text is None or text[0] is not rule:
        if len(_REASONS) > 100_000:
            _REASONS.clear()
        text = _REASONS[key] = (rule, reason_text(rule, value))
    return text[1]


_REASONS: dict[tuple[int, Any], tuple[RiskRule, str]] = {}


def score_risk(facts: RiskFacts, risk: RiskPolicy) -> RiskResult:
    """Sum the points of every rule that fires; the tier follows the policy's thresholds."""
    points = 0
    reasons: list[str] = []
    explained: set[str] = set()
    for name, compare, threshold, rule in _compiled(risk):
        value = getattr(facts, name)
        if value is not None and compare(value, threshold):
            points += rule.points
            if name not in explained:
                reasons.append(_reason(rule, value))
                explained.add(name)
    return RiskResult(tier_for(points, risk), points, reasons)


def score_many(facts: Iterable[RiskFacts], risk: RiskPolicy) -> list[RiskResult]:
    """score_risk over a batch, in order."""
    return [score_risk(f, risk) for f in facts]
