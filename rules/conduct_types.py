"""The conduct gate's vocabulary: the rules it names, its verdicts, what is asked of it
(`ContactRequest`, with the template's `TemplateTraits`), what the store knows of the case
(`ConductState`) and its answer (`Decision`). The gate itself is rules/conduct.py, which
re-exports these names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from rules.enums import Channel, Party


class Rule(StrEnum):
    """Which rule stopped or moved a contact (values are stable ids, stored and counted)."""

    HOURS = "hours"  # outside the lawful window in the debtor's time zone
    HOLIDAY = "holiday"  # statutory holiday (or rest day if the pack says)
    DAILY_CAP = "daily_cap"  # attempts per method per case per day
    ROLLING_CAP = "rolling_cap"  # US: > 7 calls in 7 days per debt
    AFTER_CONVERSATION = "after_conversation"  # US: within 7 days after a conversation
    THIRD_PARTY = "third_party"  # never collect from a third party
    EMERGENCY_REACHABLE = "emergency_reachable"  # emergency contact while debtor reachable
    EMERGENCY_TEMPLATE = "emergency_template"  # template reveals the debt / asks no details
    IDENTIFY = "identify"  # the template does not identify the bank
    DISPUTE_OPEN = "dispute_open"  # nothing while a dispute/defence is open
    HARDSHIP_REVIEW = "hardship_review"  # nothing while a hardship review is open
    PLAN_CURRENT = "plan_current"  # no collection contact while a plan is current
    PROMISE_PAUSE = "promise_pause"  # bank policy: collection waits out an open promise


class Verdict(StrEnum):
    ALLOW = "allow"
    DEFER = "defer"
    BLOCK = "block"


class Purpose(StrEnum):
    """COURTESY: a reminder before a plan's instalment falls due (allowed under the flags of the
    pack's `courtesy_allowed_with`); everything the ladder plans today is COLLECTION."""

    COLLECTION = "collection"
    COURTESY = "courtesy"


@dataclass(frozen=True)
class TemplateTraits:
    """What a template's manifest says about it (read by the caller)."""

    identifies_bank: bool = True
    reveals_debt: bool = True
    asks_contact_details: bool = False


@dataclass(frozen=True)
class ContactRequest:
    """A contact about to go out. `at` must be aware. `template` is None for calls and visits
    (the script identifies the bank), except to an emergency contact: pass the script's traits."""

    channel: Channel
    at: datetime
    party: Party = Party.DEBTOR
    template: TemplateTraits | None = None
    purpose: Purpose = Purpose.COLLECTION


@dataclass(frozen=True)
class ConductState:
    """What the store knows about the case, read by the caller.

    `attempts_today`: attempts already made per method on the debtor-local day of `at`
    (`local_day`). `attempts_rolling`: attempts on the rolling cap's channels since
    `rolling_since(...)`; `rolling_oldest`, when given, the earliest of them (so a DEFER names the
    day the window frees; without it the contact is deferred to the next allowed day and asked
    again). `debtor_unreachable`: `ConductPack.debtor_unreachable` says how it is counted."""

    flags: frozenset[str] = frozenset()
    attempts_today: Mapping[Channel, int] = field(default_factory=dict)
    attempts_rolling: int = 0
    last_conversation: datetime | None = None
    debtor_unreachable: bool = False
    time_zone: str | None = None
    rolling_oldest: datetime | None = None
    promise_until: date | None = None  # an open promise's date plus grace: the pause's last day


@dataclass(frozen=True)
class Decision:
    """The gate's answer: `reason` is one line for people naming the rule and the pack;
    `not_before` (with DEFER) is the first lawful moment, aware, in the debtor's zone."""

    verdict: Verdict
    rule: Rule | None = None
    reason: str = ""
    not_before: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW


ALLOWED = Decision(Verdict.ALLOW)
