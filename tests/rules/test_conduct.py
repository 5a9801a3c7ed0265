"""The conduct gate: each rule allowing and stopping a contact, the order they are asked in, and
the first lawful moment a deferred contact is given (CN and US Regulation F packs)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.calendar import BusinessCalendar, CalendarData
from rules.conduct import (
    ConductState,
    ContactRequest,
    Decision,
    Purpose,
    Rule,
    TemplateTraits,
    Verdict,
    decide,
    local_day,
    rolling_since,
)
from rules.conduct_pack import ConductPack, NoContactDays
from rules.enums import Channel, Party
from rules.errors import InputError
from rules.events import DISPUTE_OPEN, HARDSHIP_REVIEW, PLAN_CURRENT
from tasks.calendar import load_calendar_data
from tasks.conduct import load_conduct_pack
from tasks.policy_dir import SHIPPED_POLICY_DIR

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
# Good for an emergency contact: identifies the bank, asks for contact details, no debt.
ASK_DETAILS = TemplateTraits(identifies_bank=True, reveals_debt=False, asks_contact_details=True)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar(load_calendar_data(None))


@pytest.fixture(scope="module")
def cn() -> ConductPack:
    return load_conduct_pack(SHIPPED_POLICY_DIR, "cn")


@pytest.fixture(scope="module")
def us() -> ConductPack:
    return load_conduct_pack(SHIPPED_POLICY_DIR, "us-regf")


def sh(y: int, m: int, d: int, hh: int = 10, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def ny(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=NEW_YORK)


def ask(
    pack: ConductPack,
    cal: BusinessCalendar,
    at: datetime,
    channel: Channel = Channel.CALL,
    state: ConductState | None = None,
    **request: object,
) -> Decision:
    req = ContactRequest(channel=channel, at=at, **request)  # type: ignore[arg-type]
    return decide(pack, cal, req, state or ConductState())


def deferred(d: Decision, rule: Rule, to: datetime) -> None:
    assert (d.verdict, d.rule) == (Verdict.DEFER, rule), d
    assert d.not_before == to, d.not_before
    assert not d.allowed


def blocked(d: Decision, rule: Rule) -> None:
    assert (d.verdict, d.rule, d.not_before) == (Verdict.BLOCK, rule, None), d
    assert not d.allowed


# -- hours --------------------------------------------------------------------------------------


def test_the_window_edges_in_shanghai(cn: ConductPack, cal: BusinessCalendar) -> None:
    """2026-03-10 is an ordinary Tuesday: 08:00 <= t < 21:00 is lawful."""
    deferred(ask(cn, cal, sh(2026, 3, 10, 7, 59)), Rule.HOURS, sh(2026, 3, 10, 8))
    deferred(ask(cn, cal, sh(2026, 3, 10, 6, 30)), Rule.HOURS, sh(2026, 3, 10, 8))
    for ok in (sh(2026, 3, 10, 8), sh(2026, 3, 10, 20, 59), sh(2026, 3, 10, 20, 59, 59)):
        decision = ask(cn, cal, ok)
        assert decision.allowed and decision == Decision(Verdict.ALLOW), ok
    deferred(ask(cn, cal, sh(2026, 3, 10, 21)), Rule.HOURS, sh(2026, 3, 11, 8))
    deferred(ask(cn, cal, sh(2026, 3, 10, 23, 59)), Rule.HOURS, sh(2026, 3, 11, 8))


def test_the_reason_names_the_rule_the_window_and_the_pack(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    reason = ask(cn, cal, sh(2026, 3, 10, 21)).reason
    assert reason == (
        "hours: 21:00 Asia/Shanghai is outside the contact window 08:00-21:00 [pack cn@v1]"
    )


def test_a_time_given_in_utc_is_read_in_the_debtors_zone(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    at = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 07:30 on the 11th in Shanghai
    decision = ask(cn, cal, at)
    deferred(decision, Rule.HOURS, sh(2026, 3, 11, 8))
    assert decision.not_before is not None and decision.not_before.utcoffset() == timedelta(hours=8)


def test_after_hours_on_friday_goes_to_saturday_or_to_monday_as_the_pack_says(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    """Statutory (the default): an ordinary Saturday is not a holiday. rest_days: it is."""
    friday = sh(2026, 3, 13, 21)
    deferred(ask(cn, cal, friday), Rule.HOURS, sh(2026, 3, 14, 8))
    assert ask(cn, cal, sh(2026, 3, 14, 10)).allowed
    rest = cn.model_copy(update={"no_contact_days": NoContactDays.REST_DAYS})
    deferred(ask(rest, cal, friday), Rule.HOURS, sh(2026, 3, 16, 8))
    saturday = ask(rest, cal, sh(2026, 3, 14, 10))
    deferred(saturday, Rule.HOLIDAY, sh(2026, 3, 16, 8))
    assert "2026-03-14 is a rest day" in saturday.reason
    # a make-up working Saturday (调休) is a working day even under rest_days
    assert ask(rest, cal, sh(2026, 2, 14, 10)).allowed


def test_after_hours_before_golden_week_goes_past_the_holidays(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    deferred(ask(cn, cal, sh(2026, 9, 30, 21, 15)), Rule.HOURS, sh(2026, 10, 8, 8))


# -- holidays -----------------------------------------------------------------------------------


def test_chuxi_2026_moves_to_the_next_working_day(cn: ConductPack, cal: BusinessCalendar) -> None:
    """The demo planned 134 calls on 除夕 2026 (2026-02-16); the Spring Festival break the State
    Council declared runs to 02-23, so they go on Tuesday 02-24 at 08:00."""
    decision = ask(cn, cal, sh(2026, 2, 16, 10))
    deferred(decision, Rule.HOLIDAY, sh(2026, 2, 24, 8))
    assert decision.reason == (
        "holiday: 2026-02-16 is Spring Festival eve (除夕): no collection contact [pack cn@v1]"
    )
    assert cal.next_working_day(date(2026, 2, 16)) == date(2026, 2, 24)
    for channel in (Channel.SMS, Channel.EMAIL, Channel.APP, Channel.VISIT):
        deferred(ask(cn, cal, sh(2026, 2, 16, 9), channel), Rule.HOLIDAY, sh(2026, 2, 24, 8))


def test_a_declared_day_off_on_a_weekend_inside_the_break_is_a_holiday(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    """2026-02-15 (a Sunday) is part of the declared Spring Festival break; the make-up Saturday
    before it (2026-02-14) is a working day and open for contact."""
    decision = ask(cn, cal, sh(2026, 2, 15, 11))
    deferred(decision, Rule.HOLIDAY, sh(2026, 2, 24, 8))
    assert "day off declared by the State Council" in decision.reason
    assert ask(cn, cal, sh(2026, 2, 14, 11)).allowed
    deferred(ask(cn, cal, sh(2026, 2, 14, 21)), Rule.HOURS, sh(2026, 2, 24, 8))


def test_a_statutory_holiday_on_a_weekend_without_any_declared_days(
    cn: ConductPack,
) -> None:
    """Labour Day 2026-05-02 is a Saturday. Even with a calendar declaring no day off at all, the
    statutory holiday blocks contact; the Saturday after it is open (statutory mode)."""
    bare = BusinessCalendar(
        CalendarData(holidays=frozenset(), workdays=frozenset(), known_years=frozenset({2026}))
    )
    assert date(2026, 5, 2).weekday() == 5
    decision = ask(cn, bare, sh(2026, 5, 2, 10))
    deferred(decision, Rule.HOLIDAY, sh(2026, 5, 3, 8))
    assert "Labour Day (劳动节)" in decision.reason
    assert ask(cn, bare, sh(2026, 5, 9, 10)).allowed


def test_an_undeclared_year_still_knows_its_statutory_holidays(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    """2027 is outside chinesecalendar: 除夕 2027-02-05 (Friday) and 正月初一-初三 (02-06..08,
    a weekend among them) are blocked; the first open day is Tuesday 02-09."""
    assert not cal.is_known(date(2027, 2, 5))
    deferred(ask(cn, cal, sh(2027, 2, 5, 10)), Rule.HOLIDAY, sh(2027, 2, 9, 8))
    deferred(ask(cn, cal, sh(2027, 2, 6, 10)), Rule.HOLIDAY, sh(2027, 2, 9, 8))
    deferred(ask(cn, cal, sh(2027, 2, 4, 21)), Rule.HOURS, sh(2027, 2, 9, 8))


def test_holiday_names(cal: BusinessCalendar) -> None:
    assert cal.holiday_name(date(2026, 2, 16)) == "Spring Festival eve (除夕)"
    assert cal.holiday_name(date(2026, 10, 1)) == "National Day (国庆节)"
    assert cal.holiday_name(date(2026, 10, 5)) == (
        "National Day (国庆节) break (day off declared by the State Council)"
    )
    assert cal.holiday_name(date(2026, 2, 14)) is None  # make-up working Saturday
    assert cal.holiday_name(date(2026, 3, 14)) is None  # an ordinary Saturday
    assert cal.holiday_name(date(2026, 3, 10)) is None
    assert cal.holiday_name(date(2027, 2, 6)) == "Spring Festival (正月初一)"


def test_mail_is_posted_not_timed(cn: ConductPack, cal: BusinessCalendar) -> None:
    assert ask(cn, cal, sh(2026, 2, 16, 23, 30), Channel.MAIL).allowed
    blocked(
        ask(
            cn,
            cal,
            sh(2026, 2, 16, 23),
            Channel.MAIL,
            ConductState(flags=frozenset({DISPUTE_OPEN})),
        ),
        Rule.DISPUTE_OPEN,
    )


# -- the daily cap ------------------------------------------------------------------------------


def test_the_sixth_attempt_goes_and_the_seventh_waits_for_the_next_day(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    at = sh(2026, 3, 10, 15)
    five = ConductState(attempts_today={Channel.CALL: 5})
    six = ConductState(attempts_today={Channel.CALL: 6})
    assert ask(cn, cal, at, state=five).allowed
    decision = ask(cn, cal, at, state=six)
    deferred(decision, Rule.DAILY_CAP, sh(2026, 3, 11, 8))
    assert decision.reason == (
        "daily_cap: 6 call attempts already on 2026-03-10, at most 6 a day [pack cn@v1]"
    )
    # the cap is per method: six SMS do not stop a call
    assert ask(cn, cal, at, state=ConductState(attempts_today={Channel.SMS: 6})).allowed
    sms_capped = ConductState(attempts_today={Channel.SMS: 6})
    deferred(ask(cn, cal, at, Channel.SMS, sms_capped), Rule.DAILY_CAP, sh(2026, 3, 11, 8))
    # mail is not capped (it is posted, not timed)
    assert ask(cn, cal, at, Channel.MAIL, ConductState(attempts_today={Channel.MAIL: 9})).allowed


def test_a_capped_call_before_the_holidays_waits_for_them_to_end(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    capped = ConductState(attempts_today={Channel.CALL: 6})
    deferred(ask(cn, cal, sh(2026, 2, 14, 10), state=capped), Rule.DAILY_CAP, sh(2026, 2, 24, 8))


# -- parties and templates ----------------------------------------------------------------------


def test_a_third_party_is_never_contacted(cn: ConductPack, cal: BusinessCalendar) -> None:
    for state in (ConductState(), ConductState(debtor_unreachable=True)):
        decision = ask(cn, cal, sh(2026, 3, 10), party=Party.THIRD_PARTY, state=state)
        blocked(decision, Rule.THIRD_PARTY)
        assert decision.reason.endswith("[pack cn@v1]")


def test_emergency_contact_only_when_the_debtor_is_unreachable(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    at = sh(2026, 3, 10)
    reachable = ConductState()
    unreachable = ConductState(debtor_unreachable=True)
    blocked(
        ask(cn, cal, at, Channel.SMS, reachable, party=Party.EMERGENCY, template=ASK_DETAILS),
        Rule.EMERGENCY_REACHABLE,
    )
    assert ask(
        cn, cal, at, Channel.SMS, unreachable, party=Party.EMERGENCY, template=ASK_DETAILS
    ).allowed
    reveals = TemplateTraits(reveals_debt=True, asks_contact_details=True)
    asks_nothing = TemplateTraits(reveals_debt=False, asks_contact_details=False)
    for traits in (reveals, asks_nothing, None):
        blocked(
            ask(cn, cal, at, Channel.CALL, unreachable, party=Party.EMERGENCY, template=traits),
            Rule.EMERGENCY_TEMPLATE,
        )
    # an allowed emergency contact still keeps the hours
    deferred(
        ask(
            cn,
            cal,
            sh(2026, 3, 10, 7),
            Channel.SMS,
            unreachable,
            party=Party.EMERGENCY,
            template=ASK_DETAILS,
        ),
        Rule.HOURS,
        sh(2026, 3, 10, 8),
    )
    closed = cn.model_copy(update={"emergency_contacts": False})
    blocked(
        ask(closed, cal, at, Channel.SMS, unreachable, party=Party.EMERGENCY, template=ASK_DETAILS),
        Rule.EMERGENCY_REACHABLE,
    )


def test_unreachable_is_counted_as_the_pack_says(cn: ConductPack) -> None:
    assert not cn.debtor_unreachable(2)
    assert cn.debtor_unreachable(3)
    assert cn.debtor_unreachable(0, invalid_number=True)


def test_the_bank_identifies_itself(cn: ConductPack, cal: BusinessCalendar) -> None:
    anonymous = TemplateTraits(identifies_bank=False)
    blocked(ask(cn, cal, sh(2026, 3, 10), Channel.SMS, template=anonymous), Rule.IDENTIFY)
    assert ask(cn, cal, sh(2026, 3, 10), Channel.SMS, template=TemplateTraits()).allowed
    lax = cn.model_copy(update={"identify_bank": False})
    assert ask(lax, cal, sh(2026, 3, 10), Channel.SMS, template=anonymous).allowed


# -- stop flags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "rule"),
    [
        (DISPUTE_OPEN, Rule.DISPUTE_OPEN),
        (HARDSHIP_REVIEW, Rule.HARDSHIP_REVIEW),
        (PLAN_CURRENT, Rule.PLAN_CURRENT),
    ],
)
def test_a_stop_flag_blocks_every_channel(
    cn: ConductPack, cal: BusinessCalendar, flag: str, rule: Rule
) -> None:
    state = ConductState(flags=frozenset({flag}))
    for channel in (Channel.SMS, Channel.EMAIL, Channel.CALL, Channel.MAIL, Channel.VISIT):
        blocked(ask(cn, cal, sh(2026, 3, 10), channel, state), rule)


def test_courtesy_passes_a_current_plan_but_not_a_dispute(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    plan = ConductState(flags=frozenset({PLAN_CURRENT}))
    at = sh(2026, 3, 10)
    assert ask(cn, cal, at, Channel.SMS, plan, purpose=Purpose.COURTESY).allowed
    blocked(ask(cn, cal, at, Channel.SMS, plan), Rule.PLAN_CURRENT)
    both = ConductState(flags=frozenset({PLAN_CURRENT, DISPUTE_OPEN}))
    blocked(ask(cn, cal, at, Channel.SMS, both, purpose=Purpose.COURTESY), Rule.DISPUTE_OPEN)
    # a courtesy reminder keeps the hours and holidays too
    deferred(
        ask(cn, cal, sh(2026, 2, 16), Channel.SMS, plan, purpose=Purpose.COURTESY),
        Rule.HOLIDAY,
        sh(2026, 2, 24, 8),
    )


def test_blocks_come_before_timing_and_the_most_serious_flag_first(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    every = ConductState(flags=frozenset({PLAN_CURRENT, HARDSHIP_REVIEW, DISPUTE_OPEN}))
    blocked(ask(cn, cal, sh(2026, 2, 16, 23), state=every), Rule.DISPUTE_OPEN)
    hardship = ConductState(flags=frozenset({PLAN_CURRENT, HARDSHIP_REVIEW}))
    blocked(ask(cn, cal, sh(2026, 3, 10), state=hardship), Rule.HARDSHIP_REVIEW)
    blocked(ask(cn, cal, sh(2026, 3, 10, 23), party=Party.THIRD_PARTY), Rule.THIRD_PARTY)
    # a flag the pack does not stop on is ignored
    lenient = cn.model_copy(update={"stop_flags": frozenset({DISPUTE_OPEN})})
    assert ask(lenient, cal, sh(2026, 3, 10), state=hardship).allowed


# -- the debtor's zone --------------------------------------------------------------------------


def test_a_debtor_outside_shanghai_is_contacted_in_their_own_hours(
    cn: ConductPack, cal: BusinessCalendar
) -> None:
    london = ConductState(time_zone="Europe/London")
    # 22:00 in Shanghai is 14:00 in London (GMT in March before the 29th)
    assert ask(cn, cal, sh(2026, 3, 10, 22), state=london).allowed
    deferred(ask(cn, cal, sh(2026, 3, 10, 22)), Rule.HOURS, sh(2026, 3, 11, 8))
    # 15:00 in Shanghai is 07:00 in London: wait for 08:00 there (16:00 Shanghai)
    decision = ask(cn, cal, sh(2026, 3, 10, 15), state=london)
    deferred(decision, Rule.HOURS, datetime(2026, 3, 10, 8, tzinfo=LONDON))
    assert decision.not_before == sh(2026, 3, 10, 16)
    assert decision.reason.startswith("hours: 07:00 Europe/London is outside")
    assert local_day(cn, london, sh(2026, 3, 11, 7)) == date(2026, 3, 10)


def test_a_naive_time_or_an_unknown_zone_is_refused(cn: ConductPack, cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="aware"):
        ask(cn, cal, datetime(2026, 3, 10, 10))
    with pytest.raises(InputError, match="unknown time zone 'Mars/Olympus'"):
        ask(cn, cal, sh(2026, 3, 10), state=ConductState(time_zone="Mars/Olympus"))


# -- the US pack (Regulation F) ----------------------------------------------------------------


def test_us_hours_in_new_york(us: ConductPack, cal: BusinessCalendar) -> None:
    assert ask(us, cal, ny(2026, 3, 10, 8)).allowed
    assert ask(us, cal, ny(2026, 3, 10, 20, 59)).allowed
    deferred(ask(us, cal, ny(2026, 3, 10, 21)), Rule.HOURS, ny(2026, 3, 11, 8))
    deferred(ask(us, cal, ny(2026, 3, 10, 7, 59)), Rule.HOURS, ny(2026, 3, 10, 8))
    # 01:30 UTC on the 11th is 21:30 on the 10th in New York
    deferred(ask(us, cal, datetime(2026, 3, 11, 1, 30, tzinfo=UTC)), Rule.HOURS, ny(2026, 3, 11, 8))
    # no holiday rule: 除夕 and Christmas are days like others; no daily cap of its own
    assert ask(us, cal, ny(2026, 2, 16)).allowed
    assert ask(us, cal, ny(2026, 12, 25)).allowed
    assert ask(
        us, cal, ny(2026, 3, 10), state=ConductState(attempts_today={Channel.CALL: 9})
    ).allowed


def test_us_window_across_the_change_to_summer_time(us: ConductPack, cal: BusinessCalendar) -> None:
    """Clocks go forward on 2026-03-08: 08:00 that morning is 12:00 UTC, not 13:00."""
    decision = ask(us, cal, ny(2026, 3, 7, 21, 30))
    deferred(decision, Rule.HOURS, ny(2026, 3, 8, 8))
    assert decision.not_before is not None
    assert decision.not_before.astimezone(UTC) == datetime(2026, 3, 8, 12, tzinfo=UTC)


def test_us_eighth_call_in_seven_days_waits(
    us: ConductPack, cn: ConductPack, cal: BusinessCalendar
) -> None:
    at = ny(2026, 3, 10, 11)
    assert ask(us, cal, at, state=ConductState(attempts_rolling=6)).allowed
    oldest = ny(2026, 3, 5, 9, 15)  # the first of the seven calls
    seven = ConductState(attempts_rolling=7, rolling_oldest=oldest)
    decision = ask(us, cal, at, state=seven)
    # 03-05 is the first of the seven days; on 03-12 it has left the window
    deferred(decision, Rule.ROLLING_CAP, ny(2026, 3, 12, 8))
    assert decision.reason == (
        "rolling_cap: 7 call attempts in 7 days, at most 7 [pack us-regf@v1]"
    )
    # without the oldest call's time: tried again the next day
    deferred(
        ask(us, cal, at, state=ConductState(attempts_rolling=7)),
        Rule.ROLLING_CAP,
        ny(2026, 3, 11, 8),
    )
    # the cap is on calls; an e-mail goes
    assert ask(us, cal, at, Channel.EMAIL, seven).allowed
    assert rolling_since(us, ConductState(), at) == ny(2026, 3, 4, 0)
    assert rolling_since(cn, ConductState(), at) is None


def test_us_no_call_within_seven_days_after_a_conversation(
    us: ConductPack, cal: BusinessCalendar
) -> None:
    spoke = ConductState(last_conversation=ny(2026, 3, 2, 15, 40))  # Monday
    decision = ask(us, cal, ny(2026, 3, 5, 10), state=spoke)  # 3 days later
    deferred(decision, Rule.AFTER_CONVERSATION, ny(2026, 3, 9, 8))
    assert decision.reason == (
        "after_conversation: a conversation on 2026-03-02: no call for 7 days [pack us-regf@v1]"
    )
    assert ask(us, cal, ny(2026, 3, 9, 8), state=spoke).allowed
    assert ask(us, cal, ny(2026, 3, 5, 10), Channel.SMS, spoke).allowed
    # after hours and within the quiet days: the first rule tells, the moment satisfies both
    late = ask(us, cal, ny(2026, 3, 5, 22), state=spoke)
    deferred(late, Rule.HOURS, ny(2026, 3, 9, 8))


def test_the_cn_pack_has_no_rolling_or_quiet_rule(cn: ConductPack, cal: BusinessCalendar) -> None:
    state = ConductState(attempts_rolling=50, last_conversation=sh(2026, 3, 9, 10))
    assert ask(cn, cal, sh(2026, 3, 10), state=state).allowed
