"""The promise pause: while a promise to pay is open, collection contacts wait until the day
after its date plus the grace period (policy/negotiation.yaml `promise.grace_days`).

This is the bank's policy, not the law: no statute stops collection after a promise to pay (the
law's stops are the defences and plans of rules/conduct.py's stop flags). The bank gives the
debtor who has promised the room to pay, and asks again only once the promise could be broken.

What waits: a collection contact about the debt, i.e. a call or visit (no template) or a message
whose template reveals the debt (a demand, a collection reminder). What still goes: a courtesy
reminder (`Purpose.COURTESY`), and a message that does not speak of the debt (a request for
contact details). The conduct gate (rules/conduct.decide) asks this after its blocking rules and
defers the contact to the first lawful moment from the returned time on.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def pause_ends(
    promise_until: date | None,
    at: datetime,
    zone: ZoneInfo,
    *,
    collection: bool,
    reveals_debt: bool,
) -> datetime | None:
    """The start of the day after `promise_until` (debtor-local) when a contact at `at` must
    wait for it; None when it may go (no open promise, the pause over, or a contact that is not
    about the debt). `promise_until` is the last day of the pause: the promised date plus the
    grace period."""
    if promise_until is None or not collection or not reveals_debt:
        return None
    if at.astimezone(zone).date() > promise_until:
        return None
    return datetime.combine(promise_until + timedelta(days=1), time(), zone)


def pause_words(promise_until: date) -> str:
    """The reason's text (the gate adds the rule's name and the pack)."""
    return (
        f"a promise to pay is open: no collection contact until after {promise_until.isoformat()} "
        "(the promised date plus the grace period; bank policy)"
    )
