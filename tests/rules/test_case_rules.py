"""The opening stage of a new case comes from the ladder's entry conditions (one rule, shared
with the daily cycle), and the closing rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from rules.buckets import scheme_from_data
from rules.case_rules import closing_outcome, opening_stage, opens_case
from rules.enums import Bucket, Outcome, RiskTier, Stage
from rules.policy import Policy
from tasks.policy import load_policy


@dataclass(frozen=True)
class Facts:
    bucket: Bucket
    dpd: int
    balance: Decimal = Decimal("5000")
    risk_tier: RiskTier | None = None
    events: frozenset[str] = field(default_factory=frozenset)


@pytest.fixture(scope="module")
def shipped() -> Policy:
    return load_policy(None)


@pytest.mark.parametrize(
    ("dpd", "stage"),
    [
        (0, Stage.EARLY_WARNING),
        (1, Stage.SOFT_REMINDER),
        (30, Stage.SOFT_REMINDER),
        (31, Stage.FORMAL_DEMAND),
        (90, Stage.FORMAL_DEMAND),
        # lawyer_letter matches DPD > 90 but needs a legal review: the case opens in the nearest
        # earlier stage that needs none, and the daily cycle opens the review.
        (91, Stage.FORMAL_DEMAND),
        (400, Stage.FORMAL_DEMAND),
    ],
)
def test_opening_stage_follows_the_shipped_ladder(shipped: Policy, dpd: int, stage: Stage) -> None:
    bucket = shipped.buckets.bucket_for(dpd)
    assert opening_stage(shipped, Facts(bucket, dpd)) is stage


def test_opening_stage_follows_a_banks_buckets(shipped: Policy) -> None:
    """A bank whose M1 ends at DPD 15: DPD 20 is M2, so the case opens in formal_demand (the
    old built-in table opened it in soft_reminder whatever buckets.yaml said)."""
    short = scheme_from_data(
        {"buckets": [{"bucket": "M0", "max_dpd": 0}, {"bucket": "M1", "max_dpd": 15},
                     {"bucket": "M2", "max_dpd": 60}, {"bucket": "M3", "max_dpd": 90},
                     {"bucket": "M4"}]}
    )  # fmt: skip
    policy = Policy.build(shipped.stages, shipped.risk, short, shipped.label)
    bucket = policy.buckets.bucket_for(20)
    assert bucket is Bucket.M2
    assert opening_stage(policy, Facts(bucket, 20)) is Stage.FORMAL_DEMAND


def test_event_stages_are_never_opening_stages(shipped: Policy) -> None:
    """negotiation needs a recorded event: a new case with none cannot open there."""
    facts = Facts(Bucket.M2, 45, events=frozenset({"hardship_claimed"}))
    assert opening_stage(shipped, facts) is Stage.FORMAL_DEMAND


def test_closing_and_opening_rules() -> None:
    assert closing_outcome(max_dpd=10, dpd=0, balance_fen=100) is Outcome.CURED
    assert closing_outcome(max_dpd=0, dpd=0, balance_fen=100) is None
    assert closing_outcome(max_dpd=10, dpd=5, balance_fen=0) is Outcome.PAID
    assert opens_case(is_new_account=True, dpd=0, balance_fen=1)
    assert not opens_case(is_new_account=False, dpd=0, balance_fen=1)
