"""Risk tiers from the policy's weighted rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rules.enums import RiskTier
from rules.policy import RiskPolicy
from rules.risk import RiskFacts, risk_facts, score_many, score_risk
from tests.rules.policy_data import shipped

RISK = RiskPolicy.model_validate(shipped("risk"))
AS_OF = date(2026, 11, 20)


def test_high_balance_long_overdue_is_high_with_readable_reasons() -> None:
    facts = risk_facts(
        as_of=AS_OF,
        principal=Decimal("170000"),
        interest=Decimal("11000"),
        fees=Decimal("1000"),
        dpd=95,
        credit_limit=Decimal("200000"),
    )
    result = score_risk(facts, RISK)
    assert result.tier == RiskTier.HIGH
    assert result.points == 35 + 15 + 30 + 10 + 10  # both balance rules, both DPD, utilisation 91%
    assert result.reasons == ["balance 182,000 ≥ 100,000", "DPD 95 > 90", "utilisation 91% ≥ 90%"]


def test_small_recent_payer_is_low_and_unknowns_never_fire() -> None:
    facts = risk_facts(
        as_of=AS_OF,
        principal=Decimal("3000"),
        dpd=12,
        last_payment_date=date(2026, 11, 10),
        last_payment_amount=Decimal("200"),
    )
    assert facts.recent_partial_payment and facts.days_since_payment == 10
    assert facts.utilisation is None  # no credit limit given
    result = score_risk(facts, RISK)
    assert (result.tier, result.points, result.reasons) == (
        RiskTier.LOW,
        -15,
        ["recent partial payment"],
    )


def test_contactability_and_long_silence_raise_the_tier() -> None:
    base = RiskFacts(balance=Decimal("40000"), principal=Decimal("38000"), dpd=50)
    assert score_risk(base, RISK).tier == RiskTier.LOW  # 15 + 10
    silent = RiskFacts(
        balance=Decimal("40000"),
        principal=Decimal("38000"),
        dpd=50,
        days_since_payment=120,
        contactable=False,
    )
    result = score_risk(silent, RISK)
    assert result.tier == RiskTier.HIGH  # 15 + 10 + 15 + 20
    assert result.reasons[-2:] == ["no payment for 120 days", "not contactable"]


def test_thresholds_are_inclusive_and_batches_keep_order() -> None:
    risk = RiskPolicy.model_validate(
        {
            "tiers": {"high": 20, "medium": 10},
            "rules": [{"field": "dpd", "op": ">=", "value": 10, "points": 10, "reason": "dpd"}],
        }
    )
    tiers = [
        r.tier for r in score_many([RiskFacts(Decimal(0), Decimal(0), d) for d in (9, 10)], risk)
    ]
    assert tiers == [RiskTier.LOW, RiskTier.MEDIUM]


def test_old_payment_is_not_recent() -> None:
    facts = risk_facts(
        as_of=AS_OF,
        principal=Decimal("3000"),
        dpd=40,
        last_payment_date=date(2026, 9, 1),
        last_payment_amount=Decimal("200"),
    )
    assert not facts.recent_partial_payment and facts.days_since_payment == 80


def test_two_policies_never_share_reasons() -> None:
    def policy(reason: str) -> RiskPolicy:
        return RiskPolicy.model_validate(
            {
                "tiers": {"high": 20, "medium": 10},
                "rules": [{"field": "dpd", "op": ">", "value": 30, "points": 10, "reason": reason}],
            }
        )

    facts = RiskFacts(Decimal(0), Decimal(0), 45)
    assert score_risk(facts, policy("DPD {value}")).reasons == ["DPD 45"]
    assert score_risk(facts, policy("逾期 {value} 天")).reasons == ["逾期 45 天"]
    assert score_risk(facts, policy("DPD {value}")).reasons == ["DPD 45"]
