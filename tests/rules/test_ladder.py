"""next_actions: moves, reviews, stickiness, and which actions fall due on a day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from rules.buckets import DEFAULT_SCHEME
from rules.enums import Channel, RiskTier, Role, Stage
from rules.ladder import CaseFacts, Decision, DueAction, ReviewRequest, next_actions
from rules.policy import Policy
from tests.rules.policy_data import build, shipped, stage_data

ENTERED = date(2026, 11, 2)
POLICY = build()


def facts(stage: Stage, dpd: int, **kw: object) -> CaseFacts:
    base = CaseFacts(
        case_id=1,
        stage=stage,
        bucket=DEFAULT_SCHEME.bucket_for(dpd),
        dpd=dpd,
        balance=Decimal("20850.00"),
        principal=Decimal("20000.00"),
        credit_limit=Decimal("50000.00"),
        risk_tier=RiskTier.MEDIUM,
        stage_entered_on=ENTERED,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def keys(decision: Decision) -> list[tuple[str, int]]:
    return [(d.action.key, d.occurrence) for d in decision.actions_due]


def test_m2_case_moves_from_soft_reminder_to_formal_demand_with_its_day_zero() -> None:
    d = next_actions(facts(Stage.SOFT_REMINDER, 31), POLICY, date(2026, 11, 20))
    assert d.new_stage == Stage.FORMAL_DEMAND
    assert d.review_needed is None
    assert keys(d) == [("collection_letter", 1)]
    assert d.actions_due[0].action.channel == Channel.MAIL
    assert [m.kind for m in d.milestones_to_open] == ["formal_demand_sent"]


def test_staying_in_a_stage_gives_that_days_actions_only() -> None:
    case = facts(Stage.SOFT_REMINDER, 10)
    by_day = {n: keys(next_actions(case, POLICY, ENTERED + timedelta(n))) for n in range(0, 30)}
    assert by_day[0] == [("first_call", 1)]
    assert by_day[1] == [("reminder_sms", 1)]
    assert by_day[2] == [("first_call", 2)]
    assert by_day[4] == [("first_call", 3)]
    assert by_day[6] == []  # first_call max_times 3
    assert by_day[8] == [("reminder_sms", 2)]
    assert by_day[22] == [("reminder_sms", 4)]
    assert by_day[29] == []  # reminder_sms max_times 4
    assert all(
        not next_actions(case, POLICY, ENTERED + timedelta(n)).milestones_to_open for n in range(30)
    )


def test_entering_a_stage_that_needs_review_opens_a_review_instead() -> None:
    case = facts(Stage.FORMAL_DEMAND, 95, events=frozenset({"demand_delivered"}))
    d = next_actions(case, POLICY, ENTERED + timedelta(1))
    assert d.new_stage is None
    assert d.review_needed == ReviewRequest(Role.LEGAL, Stage.LAWYER_LETTER)
    assert keys(d) == [("demand_call", 1)]  # the current stage's work goes on meanwhile
    approved = replace(case, approved_stages=frozenset({Stage.LAWYER_LETTER}))
    d = next_actions(approved, POLICY, ENTERED + timedelta(1))
    assert d.new_stage == Stage.LAWYER_LETTER
    assert d.review_needed is None
    assert keys(d) == [("prepare_lawyer_letter", 1)]
    # legal_review opens with the review (opens: review_requested), not on entry
    assert [m.kind for m in d.milestones_to_open] == ["lawyer_letter_sent"]


def test_sticky_stage_does_not_move_back_when_dpd_falls() -> None:
    d = next_actions(facts(Stage.LAWYER_LETTER, 40), POLICY, ENTERED + timedelta(3))
    assert d.new_stage is None and d.review_needed is None
    assert keys(d) == [("legal_call", 1)]


def test_a_non_sticky_stage_moves_back_when_dpd_falls() -> None:
    d = next_actions(facts(Stage.FORMAL_DEMAND, 20), POLICY, ENTERED)
    assert d.new_stage == Stage.SOFT_REMINDER


def test_event_stage_entered_and_left_by_case_flags() -> None:
    engaged = facts(Stage.FORMAL_DEMAND, 45, events=frozenset({"hardship_claimed"}))
    d = next_actions(engaged, POLICY, ENTERED)
    assert d.new_stage == Stage.NEGOTIATION
    assert [m.kind for m in d.milestones_to_open] == ["negotiation_outcome"]
    # the flag cleared (e.g. the promise was broken): back to the DPD stage
    d = next_actions(facts(Stage.NEGOTIATION, 45), POLICY, ENTERED)
    assert d.new_stage == Stage.FORMAL_DEMAND


def test_sticky_stage_may_yield_to_an_event_stage() -> None:
    case = facts(Stage.LAWYER_LETTER, 80, events=frozenset({"plan_requested"}))
    assert next_actions(case, POLICY, ENTERED).new_stage == Stage.NEGOTIATION


def test_target_outside_next_does_not_move() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "early_warning")["next"] = ["soft_reminder", "cured", "paid"]
    policy = build(ladder)
    d = next_actions(facts(Stage.EARLY_WARNING, 45), policy, ENTERED + timedelta(1))
    assert d.new_stage is None and d.review_needed is None
    assert keys(d) == [("predue_email", 1)]


def test_closed_and_unmatched_cases_do_nothing() -> None:
    assert next_actions(facts(Stage.PAID, 0), POLICY, ENTERED) == Decision()
    # payment_order has no entry: a case there with M7+ DPD matches lawyer_letter, which is
    # not in payment_order's next; it stays and gets its own actions
    d = next_actions(facts(Stage.PAYMENT_ORDER, 200), POLICY, ENTERED)
    assert d.new_stage is None and keys(d) == [("file_payment_order", 1)]


def test_a_stage_the_policy_no_longer_has_moves_to_the_target() -> None:
    ladder = shipped("ladder")
    ladder["stages"] = [s for s in ladder["stages"] if s["stage"] != "early_warning"]
    policy = build(ladder)
    d = next_actions(facts(Stage.EARLY_WARNING, 10), policy, ENTERED)
    assert d.new_stage == Stage.SOFT_REMINDER
    assert next_actions(facts(Stage.EARLY_WARNING, 0), policy, ENTERED) == Decision()


@pytest.mark.parametrize("dpd", [0, 1, 30, 31, 60, 61, 90, 91, 180, 181, 720])
@pytest.mark.parametrize(
    "events",
    [
        frozenset(),
        frozenset({"promise_to_pay"}),
        frozenset({"demand_delivered"}),
        frozenset({"demand_delivered", "hardship_claimed"}),
        frozenset({"dispute_open"}),
    ],
)
def test_at_most_one_stage_matches_any_case(dpd: int, events: frozenset[str]) -> None:
    case = facts(Stage.EARLY_WARNING, dpd, events=events)
    matching = [s.stage for s in POLICY.entry_stages() if s.entry and s.entry.matches(case)]
    assert len(matching) <= 1
    assert POLICY.entry_stage_for(case) == (matching[0] if matching else None)
    # no stage at all: past DPD 90 without a delivered demand (going legal needs proof), or a
    # dispute open (escalation freezes); the case stays where it is
    unmatched = (dpd > 90 and not events & {"demand_delivered", "promise_to_pay",
                 "hardship_claimed"}) or "dispute_open" in events  # fmt: skip
    assert (not matching) == unmatched


def test_due_action_unpacks_as_a_pair() -> None:
    d = next_actions(facts(Stage.SOFT_REMINDER, 10), POLICY, ENTERED)
    action, occurrence = d.actions_due[0]
    assert isinstance(d.actions_due[0], DueAction)
    assert (action.key, occurrence) == ("first_call", 1)
    assert d.stage_after(Stage.SOFT_REMINDER) == Stage.SOFT_REMINDER
    assert isinstance(POLICY, Policy)
