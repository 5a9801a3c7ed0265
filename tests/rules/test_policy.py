"""The policy models: strict YAML shapes, entry matching, action days, the content version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from rules.buckets import DEFAULT_SCHEME
from rules.enums import Bucket, Channel, RiskTier, Stage
from rules.ladder import CaseFacts
from rules.policy import ActionDef, EntryCondition, StageDef
from tests.rules.policy_data import build, shipped, stage_data


def test_unknown_keys_are_rejected_and_models_are_frozen() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        ActionDef.model_validate({"key": "x", "channel": "call", "ofset_days": 1})
    action = ActionDef(key="x", channel=Channel.CALL)
    with pytest.raises(ValidationError):
        action.offset_days = 3


def test_occurrences_of_a_repeating_action() -> None:
    a = ActionDef(key="c", channel=Channel.CALL, offset_days=2, repeat_every_days=3, max_times=3)
    assert [d for d in range(15) if a.occurrence_on(d)] == [2, 5, 8]
    assert [a.occurrence_on(d) for d in (2, 5, 8)] == [1, 2, 3]
    once = ActionDef(key="o", channel=Channel.CALL, offset_days=1)
    assert [d for d in range(10) if once.occurrence_on(d)] == [1]


def test_entry_condition_matches_every_set_field() -> None:
    entry = EntryCondition(
        buckets=[Bucket.M2, Bucket.M3],
        max_balance=Decimal("50000"),
        risk_tiers=[RiskTier.HIGH],
        without_events=["dispute_open"],
    )
    case = CaseFacts(
        1, Stage.SOFT_REMINDER, Bucket.M2, 45, Decimal("50000"), risk_tier=RiskTier.HIGH
    )
    assert entry.matches(case)
    assert not entry.matches(
        CaseFacts(
            1, Stage.SOFT_REMINDER, Bucket.M2, 45, Decimal("50000.01"), risk_tier=RiskTier.HIGH
        )
    )
    assert not entry.matches(
        CaseFacts(1, Stage.SOFT_REMINDER, Bucket.M2, 45, Decimal("1"), risk_tier=RiskTier.LOW)
    )
    flagged = CaseFacts(
        1,
        Stage.SOFT_REMINDER,
        Bucket.M2,
        45,
        Decimal("1"),
        risk_tier=RiskTier.HIGH,
        events=frozenset({"dispute_open"}),
    )
    assert not entry.matches(flagged)


def test_version_is_stable_and_follows_meaning_not_spelling() -> None:
    a, b = build(), build()
    assert a.version == b.version and len(a.version) == 64
    # spelling a default out does not change it
    ladder = shipped("ladder")
    stage_data(ladder, "early_warning")["actions"][0]["max_times"] = 1
    assert build(ladder).version == a.version
    ladder = shipped("ladder")
    stage_data(ladder, "soft_reminder")["milestones"][0]["offset"] = 4
    assert build(ladder).version != a.version
    risk = shipped("risk")
    risk["tiers"]["high"] = 61
    assert build(risk=risk).version != a.version
    buckets = shipped("buckets")
    buckets["buckets"][1]["max_dpd"] = 29
    assert build(buckets=buckets).version != a.version


def test_policy_helpers() -> None:
    policy = build()
    assert policy.stage_def(Stage.FORMAL_DEMAND).owner_role is not None
    assert policy.stage_index(Stage.EARLY_WARNING) == 0
    assert policy.buckets == DEFAULT_SCHEME
    with pytest.raises(KeyError):
        build({"stages": [{"stage": "paid"}]}).stage_def(Stage.CURED)
    assert [s.stage for s in policy.entry_stages()] == [
        Stage.EARLY_WARNING,
        Stage.SOFT_REMINDER,
        Stage.FORMAL_DEMAND,
        Stage.NEGOTIATION,
        Stage.LAWYER_LETTER,
    ]
    assert StageDef(stage=Stage.PAID).next == []
