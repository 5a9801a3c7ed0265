"""The policy validator rejects each kind of broken ladder, and passes the shipped one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from rules.buckets import DEFAULT_SCHEME
from rules.enums import Role, Stage
from rules.policy import EntryCondition
from rules.policy_validate import (
    Problem,
    dpd_intervals,
    entries_overlap,
    validate_policy,
)
from tests.rules.policy_data import build, roster, shipped, stage_data

KINDS = {"collection_letter", "reminder_sms", "reminder_email", "predue_sms", "predue_email"}


def problems(ladder: dict[str, Any] | None = None, **kw: Any) -> list[Problem]:
    users = kw.pop("users", roster())
    return validate_policy(build(ladder, **kw), KINDS, users)


def messages(found: list[Problem]) -> str:
    return "\n".join(p.message for p in found)


def test_the_shipped_policy_is_sound() -> None:
    assert problems() == []


def test_unknown_channel_and_role_fail_when_the_models_are_built() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "soft_reminder")["actions"][0]["channel"] = "pigeon"
    with pytest.raises(ValidationError, match="channel"):
        build(ladder)
    ladder = shipped("ladder")
    stage_data(ladder, "soft_reminder")["owner_role"] = "intern"
    with pytest.raises(ValidationError, match="owner_role"):
        build(ladder)


def test_unknown_template() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "formal_demand")["actions"][0]["template"] = "demand_lettre"
    found = problems(ladder)
    assert len(found) == 1
    assert found[0].path == ("stages", 2, "actions", 0, "template")
    assert "unknown template 'demand_lettre'" in found[0].message


def test_templated_channel_needs_a_template_and_a_call_takes_none() -> None:
    ladder = shipped("ladder")
    actions = stage_data(ladder, "soft_reminder")["actions"]
    del actions[1]["template"]  # the SMS
    actions[0]["template"] = "reminder_sms"  # the call
    text = messages(problems(ladder))
    assert "channel sms needs a template" in text
    assert "call takes no template" in text


def test_role_with_nobody_in_the_roster() -> None:
    users = [u for u in roster() if u.role != Role.LEGAL]
    found = problems(users=users)
    assert found and all("no user in the roster has role legal" in p.message for p in found)
    assert ("stages", 4, "owner_role") in {p.path for p in found}
    assert ("stages", 4, "review") in {p.path for p in found}


def test_stage_nothing_reaches() -> None:
    ladder = shipped("ladder")
    for s in ladder["stages"]:
        s["next"] = [n for n in s.get("next", []) if n != "litigation"]
    found = problems(ladder)
    assert [p.message for p in found] == [
        "nothing reaches stage litigation: it has no entry and no stage lists it in next"
    ]
    assert found[0].path == ("stages", 6, "stage")


def test_stage_that_cannot_reach_a_closed_outcome() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "enforcement")["next"] = ["litigation"]
    stage_data(ladder, "litigation")["next"] = ["enforcement"]
    stage_data(ladder, "payment_order")["next"] = ["litigation"]
    text = messages(problems(ladder))
    for stage in ("payment_order", "litigation", "enforcement"):
        assert f"stage {stage} cannot reach a closed outcome" in text
    assert "stage lawyer_letter cannot" not in text  # it still reaches settled


def test_overlapping_entries_by_bucket_and_dpd() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "lawyer_letter")["entry"] = {"min_dpd": 85}  # M3 is 61-90
    found = problems(ladder)
    assert {p.path for p in found} == {("stages", 4, "entry")}
    assert [p.message.split(":")[0] for p in found] == [
        "entry of lawyer_letter overlaps the entry of formal_demand",
        "entry of lawyer_letter overlaps the entry of negotiation",  # DPD 85 with an event
    ]


def test_overlap_when_an_event_stage_is_not_excluded() -> None:
    ladder = shipped("ladder")
    del stage_data(ladder, "formal_demand")["entry"]["without_events"]
    assert "negotiation overlaps the entry of formal_demand" in messages(problems(ladder))
    # excluding only some of negotiation's events still leaves a case matching both
    ladder = shipped("ladder")
    stage_data(ladder, "soft_reminder")["entry"]["without_events"] = ["hardship_claimed"]
    assert "negotiation overlaps the entry of soft_reminder" in messages(problems(ladder))


def test_duplicate_action_keys() -> None:
    ladder = shipped("ladder")
    actions = stage_data(ladder, "formal_demand")["actions"]
    actions[2]["key"] = "demand_call"
    found = problems(ladder)
    assert [p.message for p in found] == [
        "duplicate action key 'demand_call' in stage formal_demand"
    ]
    assert found[0].path == ("stages", 2, "actions", 2, "key")


def test_milestone_needs_an_offset_or_a_statutory_event() -> None:
    ladder = shipped("ladder")
    milestone = stage_data(ladder, "soft_reminder")["milestones"][0]
    del milestone["offset"]
    found = problems(ladder)
    assert [p.message for p in found] == [
        "milestone first_contact needs an offset or a statutory_event"
    ]
    milestone["offset"] = 3
    milestone["statutory_event"] = "judgment-served"
    assert "give an offset or a statutory_event" in messages(problems(ladder))


def test_unknown_statutory_event_fails_in_the_model() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "enforcement")["milestones"][0]["statutory_event"] = "performance-done"
    with pytest.raises(ValidationError, match="statutory_event"):
        build(ladder)


def test_next_must_name_a_declared_stage_other_than_itself() -> None:
    ladder = shipped("ladder")
    ladder["stages"] = [s for s in ladder["stages"] if s["stage"] != "written_off"]
    stage_data(ladder, "early_warning")["next"].append("early_warning")
    text = messages(problems(ladder))
    assert "next stage written_off is not in the ladder" in text
    assert "stage early_warning lists itself in next" in text


def test_stage_declared_twice_and_open_stage_without_owner() -> None:
    ladder = shipped("ladder")
    ladder["stages"].append({"stage": "paid"})
    del stage_data(ladder, "negotiation")["owner_role"]
    text = messages(problems(ladder))
    assert "stage paid is declared twice" in text
    assert "open stage negotiation needs an owner_role" in text


def test_entry_that_can_never_match_and_unknown_bucket() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "negotiation")["entry"]["max_dpd"] = 0  # min 1
    text = messages(problems(ladder))
    assert "entry can never match: its buckets and DPD bounds leave no DPD" in text
    buckets = {
        "buckets": [
            {"bucket": "M0", "max_dpd": 0},
            {"bucket": "M1", "max_dpd": 90},
            {"bucket": "M4"},
        ]
    }
    text = messages(problems(buckets=buckets))
    assert "bucket M2 is not in buckets" in text


def test_closed_stage_cannot_have_an_entry() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "settled")["entry"] = {"min_dpd": 720}
    assert "closed stage settled cannot have an entry" in messages(problems(ladder))


def test_repeats_need_an_interval_and_advance_needs_an_open_next() -> None:
    ladder = shipped("ladder")
    del stage_data(ladder, "soft_reminder")["actions"][0]["repeat_every_days"]
    stage_data(ladder, "enforcement")["milestones"][0]["on_miss"] = "advance"
    stage_data(ladder, "enforcement")["next"] = ["settled", "paid"]
    text = messages(problems(ladder))
    assert "action first_call: max_times needs repeat_every_days" in text
    assert "milestone enforcement_applied: on_miss advance but no open next stage" in text


def test_risk_rules_are_checked() -> None:
    risk = shipped("risk")
    risk["tiers"] = {"high": 30, "medium": 30}
    risk["rules"][0]["reason"] = "balance {amount}"
    risk["rules"][6]["op"] = ">"
    found = problems(risk=risk)
    assert {p.part for p in found} == {"risk"}
    text = messages(found)
    assert "tiers: high must be above medium" in text
    assert "reason does not format: KeyError: 'amount'" in text
    assert "recent_partial_payment is true or false: use == or !=" in text


def test_duplicate_user_names() -> None:
    users = roster()
    found = problems(users=[*users, users[0]])
    assert [(p.part, p.path) for p in found] == [("roster", ("users", 13, "name"))]


def test_template_and_roster_checks_can_be_skipped() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "formal_demand")["actions"][0]["template"] = "anything"
    assert validate_policy(build(ladder), None, None) == []


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ({"buckets": ["M1"]}, {"min_dpd": 30, "max_dpd": 40}, True),  # DPD 30 is M1
        ({"buckets": ["M1"]}, {"min_dpd": 31}, False),
        ({"buckets": ["M2", "M3"]}, {"buckets": ["M4"]}, False),
        ({"min_balance": "100000"}, {"max_balance": "99999.99"}, False),
        ({"min_balance": "100000"}, {"max_balance": "100000"}, True),  # inclusive bounds
        ({"risk_tiers": ["high"]}, {"risk_tiers": ["medium", "low"]}, False),
        ({"risk_tiers": ["high"]}, {}, True),
        ({"events": ["a"]}, {"events": ["b"]}, True),  # a case may carry both
        ({"events": ["a"]}, {"without_events": ["a"]}, False),
        ({"events": ["a", "b"]}, {"without_events": ["a"]}, True),
        ({"events": ["a"], "without_events": ["b"]}, {"events": ["b"]}, False),
        ({"buckets": ["M1"], "risk_tiers": ["high"]}, {"buckets": ["M1"], "min_balance": 1}, True),
    ],
)
def test_overlap_test(a: dict[str, Any], b: dict[str, Any], overlap: bool) -> None:
    ea, eb = EntryCondition.model_validate(a), EntryCondition.model_validate(b)
    assert entries_overlap(ea, eb, DEFAULT_SCHEME) is overlap
    assert entries_overlap(eb, ea, DEFAULT_SCHEME) is overlap


def test_dpd_intervals_follow_the_bucket_scheme() -> None:
    entry = EntryCondition(buckets=["M2", "M3", "M7+"], min_dpd=50)  # type: ignore[list-item]
    assert dpd_intervals(entry, DEFAULT_SCHEME) == [(50, 60), (61, 90), (181, 10**9)]
    assert EntryCondition(min_balance=Decimal("1")).min_balance == Decimal("1")


# -- issue 12 items 10 and 11: milestone events, review milestones, alert leads ------------------


def test_a_met_by_event_nothing_records_is_reported_where_it_is_named() -> None:
    ladder = shipped("ladder")
    milestone = stage_data(ladder, "lawyer_letter")["milestones"][0]
    milestone["met_by"] = ["review_decided", "review"]  # the name the decision used to record
    found = problems(ladder)
    assert [p.path for p in found] == [("stages", 4, "milestones", 0, "met_by", 1)]
    assert "met_by 'review' is not an event the product records" in found[0].message
    assert "review_decided" in found[0].message  # the known names are listed


def test_every_shipped_met_by_event_is_in_the_vocabulary() -> None:
    from rules.events import MILESTONE_EVENTS

    stages = shipped("ladder")["stages"]
    names = {e for s in stages for m in s.get("milestones", []) for e in m["met_by"]}
    assert names <= MILESTONE_EVENTS
    assert "review_decided" in names


def test_the_shipped_legal_review_opens_with_the_review() -> None:
    from rules.policy import MilestoneOpens

    lawyer = build().stage_def(Stage.LAWYER_LETTER)
    assert [m.kind for m in lawyer.review_milestones] == ["legal_review"]
    assert lawyer.review_milestones[0].opens == MilestoneOpens.REVIEW_REQUESTED
    assert [m.kind for m in lawyer.entry_milestones] == ["lawyer_letter_sent"]


def test_a_milestone_opening_with_a_review_needs_a_stage_with_one_owned_by_its_role() -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "formal_demand")["milestones"][0]["opens"] = "review_requested"
    found = problems(ladder)
    assert [p.path for p in found] == [("stages", 2, "milestones", 0, "opens")]
    assert "opens with the review, but stage formal_demand needs no review" in found[0].message
    ladder = shipped("ladder")
    stage_data(ladder, "lawyer_letter")["milestones"][0]["owner_role"] = "supervisor"
    found = problems(ladder)
    assert [p.path for p in found] == [("stages", 4, "milestones", 0, "owner_role")]
    assert "its owner_role must be legal, not supervisor" in found[0].message
    ladder = shipped("ladder")
    stage_data(ladder, "lawyer_letter")["milestones"][0]["opens"] = "review_approved"
    with pytest.raises(ValidationError, match="opens"):
        build(ladder)


@pytest.mark.parametrize("lead", [-1, "5", True, 1.5])
def test_alert_working_days_is_a_whole_number_of_days_from_zero(lead: Any) -> None:
    ladder = shipped("ladder")
    stage_data(ladder, "soft_reminder")["milestones"][0]["alert_working_days"] = lead
    with pytest.raises(ValidationError, match="alert_working_days"):
        build(ladder)


def test_alert_leads_default_to_one_day_and_no_statutory_deadline_opens_from_a_stage() -> None:
    """The shipped ladder opens no statutory milestone on stage entry: the court's periods run
    from the court steps' own dates (`duecourse legal event`, issue 19)."""
    leads = {m.kind: (m.statutory_event is not None, m.alert_working_days)
             for s in build().stages for m in s.milestones}  # fmt: skip
    assert leads["first_contact"] == (False, 1)
    assert {k: v for k, v in leads.items() if v[0]} == {}
    assert "court_acceptance" not in leads
