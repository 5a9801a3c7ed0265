"""The promise pause (bank policy): collection contacts wait until the day after an open
promise's date plus grace, at the first lawful moment from then on; a courtesy reminder and a
message that does not speak of the debt still go; the stop flags still come first."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from rules.calendar import BusinessCalendar
from rules.conduct import (
    ConductState,
    ContactRequest,
    Purpose,
    Rule,
    TemplateTraits,
    Verdict,
    decide,
)
from rules.conduct_pack import ConductPack
from rules.enums import Channel
from rules.events import DISPUTE_OPEN
from rules.promise_pause import pause_ends
from tasks.calendar import load_calendar_data
from tasks.conduct import load_conduct_pack
from tasks.policy_dir import SHIPPED_POLICY_DIR

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMAND = TemplateTraits(identifies_bank=True, reveals_debt=True)
ASK_DETAILS = TemplateTraits(identifies_bank=True, reveals_debt=False, asks_contact_details=True)
UNTIL = date(2026, 11, 13)  # promised for the 10th, 3 days' grace: a Friday


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar(load_calendar_data(None))


@pytest.fixture(scope="module")
def cn() -> ConductPack:
    return load_conduct_pack(SHIPPED_POLICY_DIR, "cn")


def at(d: int, hh: int = 10) -> datetime:
    return datetime(2026, 11, d, hh, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("channel", "template"), [(Channel.CALL, None), (Channel.SMS, DEMAND), (Channel.VISIT, None)]
)
def test_a_collection_contact_waits_until_after_date_and_grace(
    cn: ConductPack, cal: BusinessCalendar, channel: Channel, template: TemplateTraits | None
) -> None:
    state = ConductState(promise_until=UNTIL)
    for day in (9, 13):  # the day of the promise, the last day of grace
        d = decide(cn, cal, ContactRequest(channel=channel, at=at(day), template=template), state)
        assert (d.verdict, d.rule) == (Verdict.DEFER, Rule.PROMISE_PAUSE)
        assert d.not_before == datetime(2026, 11, 14, 8, tzinfo=SHANGHAI)  # window start
        assert "until after 2026-11-13" in d.reason and "bank policy" in d.reason
    after = ContactRequest(channel=channel, at=at(14), template=template)
    assert decide(cn, cal, after, state).allowed


def test_the_deferral_lands_on_a_lawful_moment(cn: ConductPack, cal: BusinessCalendar) -> None:
    state = ConductState(promise_until=date(2026, 9, 30))  # 10-01 is National Day
    d = decide(cn, cal, ContactRequest(channel=Channel.CALL, at=at(1).replace(month=9)), state)
    assert d.rule == Rule.PROMISE_PAUSE
    assert d.not_before is not None and d.not_before.date() > date(2026, 10, 1)
    assert cal.holiday_name(d.not_before.date()) is None


def test_courtesy_and_messages_not_about_the_debt_still_go(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    state = ConductState(promise_until=UNTIL)
    courtesy = ContactRequest(channel=Channel.SMS, at=at(11), template=DEMAND,
                              purpose=Purpose.COURTESY)  # fmt: skip
    assert decide(cn, cal, courtesy, state).allowed
    assert pause_ends(UNTIL, at(11), SHANGHAI, collection=True, reveals_debt=False) is None
    ask = ContactRequest(channel=Channel.SMS, at=at(11), template=ASK_DETAILS)
    assert decide(cn, cal, ask, state).rule != Rule.PROMISE_PAUSE


def test_a_dispute_still_blocks_first(cn: ConductPack, cal: BusinessCalendar) -> None:
    state = ConductState(promise_until=UNTIL, flags=frozenset({DISPUTE_OPEN}))
    d = decide(cn, cal, ContactRequest(channel=Channel.CALL, at=at(11)), state)
    assert (d.verdict, d.rule) == (Verdict.BLOCK, Rule.DISPUTE_OPEN)
