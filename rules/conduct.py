"""The one conduct gate every channel asks before a contact is sent or queued.

`decide(pack, calendar, request, state)` is a pure function: the rule pack (rules/conduct_pack.py,
data from policy/conduct/), the business calendar, what is about to happen (`ContactRequest`)
and what the store knows about the case (`ConductState`, read by the caller). It answers
ALLOW, BLOCK (never, as things stand) or DEFER (not now: `not_before` is the first lawful moment).

Decision order (the first rule that applies is the one reported):
1. stop flags -> BLOCK: nothing while a dispute or defence (履行抗辩) or a hardship review is open,
   no collection contact while a repayment plan is current (domain.md section 7; 2011 credit-card
   rules Art. 70: collection stops once a personalised instalment plan is signed). A COURTESY
   reminder before an instalment falls due still goes under the flags the pack lists in
   `courtesy_allowed_with`.
1b. promise pause -> DEFER to the day after an open promise's date plus grace (bank policy, not
   law: rules/promise_pause.py); courtesy reminders and messages that do not speak of the debt go.
2. party -> BLOCK: never collect from a third party (2011 rules Art. 68: only the debtor and the
   guarantor); an emergency contact only when the debtor is unreachable, and only with a
   template that asks for contact details and does not reveal the debt (CBA consumer-loan
   collection guideline, 2026-01-30).
3. identify -> BLOCK: the template must identify the bank (CBA guideline: state the
   institution's identity at first contact; Reg F 12 CFR 1006.18(b)(2) alike).
4. holiday -> DEFER to the window start of the next allowed day (no collection contact on
   statutory holidays, or on every rest day if the pack says so; seed 001).
5. hours -> DEFER: before the window, to today's start; at or after its end, to the next allowed
   day's start (CBA guideline: no calls or visits 22:00-08:00; the CN pack keeps 08:00-21:00;
   Reg F 12 CFR 1006.6(b)(1)(i): before 08:00 or after 21:00 debtor-local is inconvenient).
6. daily cap -> DEFER to the next allowed day: at most N attempts per method per case per day
   (CBA guideline: 6). A capped contact waits rather than being dropped: tomorrow it is lawful.
7. rolling cap -> DEFER to when the window frees (Reg F 12 CFR 1006.14(b)(2)(i): more than 7
   calls in 7 days per debt is presumed harassment).
8. after conversation -> DEFER to the window start N days after the conversation's day (Reg F
   12 CFR 1006.14(b)(2)(ii): no call within 7 days after a telephone conversation; the
   conversation's day is the first of the seven).

Every DEFER carries `not_before`, the first moment that passes all of rules 4-8 (moved to 08:00
tomorrow and tomorrow a holiday: on to the next allowed day). Times are read in the debtor's zone
(`state.time_zone`, else the pack's); days are debtor-local. Rules 4-6 apply to the pack's
`timed_channels` only (a letter is posted, not timed). In a year the calendar does not know, only
the statutory holidays are (`BusinessCalendar.holiday_name`), not the State Council's bridge days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.calendar import BusinessCalendar
from rules.conduct_pack import ConductPack, NoContactDays
from rules.conduct_types import (
    ALLOWED,
    ConductState,
    ContactRequest,
    Decision,
    Purpose,
    Rule,
    TemplateTraits,
    Verdict,
)
from rules.enums import Party
from rules.errors import InputError
from rules.events import DISPUTE_OPEN, HARDSHIP_REVIEW, PLAN_CURRENT
from rules.promise_pause import pause_ends, pause_words

__all__ = [
    "ALLOWED",
    "ConductState",
    "ContactRequest",
    "Decision",
    "Purpose",
    "Rule",
    "TemplateTraits",
    "Verdict",
    "debtor_zone",
    "decide",
    "local_day",
    "rolling_since",
]

_MAX_STEPS = 64  # timing rules applied in turn until one moment satisfies them all
_MAX_DAYS = 366  # no pack blocks a whole year; past that the calendar data is broken



# The flags in the order they are told (the most serious first).
_FLAG_RULES: tuple[tuple[str, Rule], ...] = (
    (DISPUTE_OPEN, Rule.DISPUTE_OPEN),
    (HARDSHIP_REVIEW, Rule.HARDSHIP_REVIEW),
    (PLAN_CURRENT, Rule.PLAN_CURRENT),
)
_FLAG_WORDS = {
    DISPUTE_OPEN: "a dispute or defence is open",
    HARDSHIP_REVIEW: "a hardship review is open",
    PLAN_CURRENT: "a repayment plan is current",
}


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r} (an IANA name like Asia/Shanghai)") from None


def debtor_zone(pack: ConductPack, state: ConductState) -> ZoneInfo:
    """The zone every time of the contact is read in: the debtor's, else the pack's."""
    return _zone(state.time_zone) if state.time_zone else pack.zone


def local_day(pack: ConductPack, state: ConductState, at: datetime) -> date:
    """The debtor-local day of `at`: the day `attempts_today` counts over."""
    return at.astimezone(debtor_zone(pack, state)).date()


def rolling_since(pack: ConductPack, state: ConductState, at: datetime) -> datetime | None:
    """The first moment whose attempts count in `attempts_rolling` for a contact at `at`: the
    start of the first of the cap's `days` debtor-local days ending on the day of `at`; None
    when the pack has no rolling cap."""
    cap = pack.rolling_cap
    if cap is None:
        return None
    first = local_day(pack, state, at) - timedelta(days=cap.days - 1)
    return datetime.combine(first, time(), tzinfo=debtor_zone(pack, state))


def _tag(pack: ConductPack) -> str:
    return f" [pack {pack.ref}]"


def _block(pack: ConductPack, rule: Rule, why: str) -> Decision:
    return Decision(Verdict.BLOCK, rule, f"{rule}: {why}{_tag(pack)}")


# -- the blocking rules ------------------------------------------------------------------------


def _stop_flags(pack: ConductPack, request: ContactRequest, state: ConductState) -> Decision | None:
    """Domain.md section 7: collection adjusts while a defence or hardship claim is open, and
    stops once a plan is signed (2011 rules Art. 70), unless the debtor defaults."""
    held = state.flags & pack.stop_flags
    if request.purpose is Purpose.COURTESY:
        held -= pack.courtesy_allowed_with
    for flag, rule in _FLAG_RULES:
        if flag in held:
            return _block(pack, rule, f"{_FLAG_WORDS[flag]}: no {request.purpose} contact")
    return None


def _party(pack: ConductPack, request: ContactRequest, state: ConductState) -> Decision | None:
    """2011 rules Art. 68: only the debtor (and guarantor) is asked to pay. CBA guideline
    2026-01-30: an emergency contact only when the debtor is unreachable (invalid number or 3
    consecutive failed attempts), only for contact details, never the debt's details."""
    if request.party is Party.THIRD_PARTY:
        return _block(pack, Rule.THIRD_PARTY, "no collection contact with a third party")
    if request.party is not Party.EMERGENCY:
        return None
    if not pack.emergency_contacts:
        return _block(pack, Rule.EMERGENCY_REACHABLE, "this pack allows no emergency contacts")
    if not state.debtor_unreachable:
        return _block(
            pack, Rule.EMERGENCY_REACHABLE, "the debtor is reachable: no emergency contact"
        )
    traits = request.template
    if traits is None or traits.reveals_debt or not traits.asks_contact_details:
        return _block(
            pack,
            Rule.EMERGENCY_TEMPLATE,
            "an emergency contact may only ask for contact details, never reveal the debt",
        )
    return None


def _identify(pack: ConductPack, request: ContactRequest, state: ConductState) -> Decision | None:
    """CBA guideline 2026-01-30: the institution states its identity (2011 rules Art. 69 for a
    letter: the bank's contact details and seal)."""
    traits = request.template
    if pack.identify_bank and traits is not None and not traits.identifies_bank:
        return _block(pack, Rule.IDENTIFY, "the template does not identify the bank")
    return None


_BLOCKS = (_stop_flags, _party, _identify)


# -- the timing rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    rule: Rule
    reason: str
    to: datetime


class _Timing:
    """The timing rules for one request, in the debtor's zone. Each rule looks at a candidate
    moment and says where it must move (or None)."""

    def __init__(
        self,
        pack: ConductPack,
        calendar: BusinessCalendar,
        request: ContactRequest,
        state: ConductState,
    ) -> None:
        self.pack, self.calendar, self.request, self.state = pack, calendar, request, state
        self.zone = debtor_zone(pack, state)
        self.at = request.at.astimezone(self.zone)
        self.timed = request.channel in pack.timed_channels

    def closed_because(self, d: date) -> str | None:
        """Why no timed collection contact is made on `d`, or None when it may be."""
        kind = self.pack.no_contact_days
        if kind is NoContactDays.NONE:
            return None
        name = self.calendar.holiday_name(d)
        if name is not None:
            return name
        if kind is NoContactDays.REST_DAYS and not self.calendar.is_working_day(d):
            return "a rest day"
        return None

    def opening(self, d: date) -> datetime:
        """The window's start on `d` (a timed channel) or the day's first moment (not timed)."""
        return datetime.combine(d, self.pack.hours.start if self.timed else time(), self.zone)

    def next_open(self, after: date) -> datetime:
        """The start of the first allowed day after `after`."""
        d = after
        for _ in range(_MAX_DAYS):
            d += timedelta(days=1)
            if not self.timed or self.closed_because(d) is None:
                return self.opening(d)
        raise ValueError(f"no day open for contact within {_MAX_DAYS} days of {after}")

    def holiday(self, t: datetime) -> _Move | None:
        why = self.closed_because(t.date()) if self.timed else None
        if why is None:
            return None
        text = f"{t.date().isoformat()} is {why}: no collection contact"
        return _Move(Rule.HOLIDAY, text, self.next_open(t.date()))

    def hours(self, t: datetime) -> _Move | None:
        window = self.pack.hours
        if not self.timed or window.start <= t.time() < window.end:
            return None
        text = f"{t:%H:%M} {self.zone.key} is outside the contact window {window}"
        if t.time() < window.start:
            return _Move(Rule.HOURS, text, self.opening(t.date()))
        return _Move(Rule.HOURS, text, self.next_open(t.date()))

    def daily_cap(self, t: datetime) -> _Move | None:
        cap = self.pack.attempts_per_method_per_day
        channel = self.request.channel
        if cap is None or not self.timed or t.date() != self.at.date():
            return None
        made = self.state.attempts_today.get(channel, 0)
        if made < cap:
            return None
        text = f"{made} {channel} attempts already on {t.date().isoformat()}, at most {cap} a day"
        return _Move(Rule.DAILY_CAP, text, self.next_open(t.date()))

    def rolling_cap(self, t: datetime) -> _Move | None:
        cap = self.pack.rolling_cap
        if cap is None or self.request.channel not in cap.channels:
            return None
        if self.state.attempts_rolling < cap.attempts:
            return None
        oldest = self.state.rolling_oldest
        if oldest is not None:
            frees = datetime.combine(
                oldest.astimezone(self.zone).date() + timedelta(days=cap.days), time(), self.zone
            )
        elif t.date() == self.at.date():
            frees = datetime.combine(t.date() + timedelta(days=1), time(), self.zone)
        else:
            return None
        if t >= frees:
            return None
        text = (
            f"{self.state.attempts_rolling} {self.request.channel} attempts in {cap.days} days,"
            f" at most {cap.attempts}"
        )
        return _Move(Rule.ROLLING_CAP, text, frees)

    def after_conversation(self, t: datetime) -> _Move | None:
        days = self.pack.quiet_after_conversation_days
        spoke = self.state.last_conversation
        if days is None or spoke is None or self.request.channel not in self.pack.quiet_channels:
            return None
        spoke_day = spoke.astimezone(self.zone).date()
        until = datetime.combine(spoke_day + timedelta(days=days), time(), self.zone)
        if t >= until:
            return None
        text = (
            f"a conversation on {spoke_day.isoformat()}: no {self.request.channel} for {days} days"
        )
        return _Move(Rule.AFTER_CONVERSATION, text, until)

    def first_move(self, t: datetime) -> _Move | None:
        rules = (
            self.holiday,
            self.hours,
            self.daily_cap,
            self.rolling_cap,
            self.after_conversation,
        )
        for rule in rules:  # the documented order, 4-8
            move = rule(t)
            if move is not None:
                return move
        return None

    def settle(self, t: datetime) -> datetime:
        """The first moment from `t` on that passes every timing rule."""
        for _ in range(_MAX_STEPS):
            move = self.first_move(t)
            if move is None:
                return t
            t = move.to
        raise ValueError("the conduct pack's timing rules never agree on a moment")

    def decide(self) -> Decision:
        """ALLOW when `at` passes every timing rule; else DEFER with the first rule that moved
        it and the first moment that passes them all."""
        first = self.first_move(self.at)
        if first is None:
            return ALLOWED
        reason = f"{first.rule}: {first.reason}{_tag(self.pack)}"
        return Decision(Verdict.DEFER, first.rule, reason, self.settle(first.to))


def decide(
    pack: ConductPack,
    calendar: BusinessCalendar,
    request: ContactRequest,
    state: ConductState,
) -> Decision:
    """May this contact go out now? See the module's doc for the order the rules are asked in."""
    if request.at.tzinfo is None or request.at.utcoffset() is None:
        raise ValueError("a contact's time must be aware (carry its offset)")
    for rule in _BLOCKS:
        blocked = rule(pack, request, state)
        if blocked is not None:
            return blocked
    timing = _Timing(pack, calendar, request, state)
    traits = request.template
    resume = pause_ends(
        state.promise_until, request.at, timing.zone,
        collection=request.purpose is Purpose.COLLECTION,
        reveals_debt=traits is None or traits.reveals_debt,
    )  # fmt: skip
    if resume is not None and state.promise_until is not None:
        reason = f"{Rule.PROMISE_PAUSE}: {pause_words(state.promise_until)}{_tag(pack)}"
        return Decision(Verdict.DEFER, Rule.PROMISE_PAUSE, reason, timing.settle(resume))
    return timing.decide()
