"""What the conduct gate needs to know about a batch of cases, read from the store in a few
grouped queries: the conduct flags in force, attempts made on the day per method, call attempts
in the pack's rolling window, the last conversation, and whether the debtor is unreachable.

Flags are timeline events (`<flag>` sets, `<flag>_cleared` clears; the latest on or before the
day wins), like the case flags the ladder reads. Attempts count every contact that left or was
made (a message the provider refused outright is not an attempt). The debtor is unreachable
after a wrong number, or after the pack's N consecutive unanswered calls since the last
conversation (CBA consumer-loan collection guideline, 2026-01-30: invalid number or 3
consecutive failed attempts). An open promise to pay gives `promise_until`, its date plus the
negotiation policy's grace days (the pause of rules/promise_pause.py; the latest open promise
wins: a newer one supersedes the older).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from rules import events
from rules.conduct import ConductState, rolling_since
from rules.conduct_pack import ConductPack
from rules.enums import CallOutcome, Channel, ContactStatus
from tasks.negotiation.policy import load_negotiation_policy

CHUNK = 900  # ids per IN list: under SQLite's 999 variables
_CALL_CHANNELS = (Channel.CALL.value, Channel.VISIT.value)
_NOT_ATTEMPTS = (ContactStatus.FAILED.value,)
_CONVERSATION = tuple(o.value for o in CallOutcome if o.is_conversation)


@dataclass
class _Facts:
    flags: dict[str, bool] = field(default_factory=dict)
    today: Counter[Channel] = field(default_factory=Counter)
    attempts: list[tuple[datetime, Channel]] = field(default_factory=list)
    last_conversation: datetime | None = None
    outcomes: list[tuple[datetime, str]] = field(default_factory=list)
    promised_by: date | None = None  # the open promise's date


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def _flags(session: Session, ids: list[int], day: date, facts: dict[int, _Facts]) -> None:
    names = sorted(events.CONDUCT_FLAGS | {events.cleared(f) for f in events.CONDUCT_FLAGS})
    rows = session.execute(
        sa.text(
            "SELECT case_id, event FROM timeline_event WHERE case_id IN :ids "
            "AND event IN :names AND as_of <= :day ORDER BY as_of, id"
        ).bindparams(sa.bindparam("ids", expanding=True), sa.bindparam("names", expanding=True)),
        {"ids": ids, "names": names, "day": day},
    )
    for case_id, event in rows:
        flag = event.removesuffix(events.CLEARED_SUFFIX)
        facts[case_id].flags[flag] = not event.endswith(events.CLEARED_SUFFIX)


def _promises(session: Session, ids: list[int], day: date, facts: dict[int, _Facts]) -> None:
    """Each case's open promise made by `day`: its date (one grouped query)."""
    rows = session.execute(
        sa.text(
            "SELECT case_id, MAX(due_on) AS due_on FROM promise WHERE case_id IN :ids "
            "AND status = 'open' AND made_on <= :day GROUP BY case_id"
        )
        .bindparams(sa.bindparam("ids", expanding=True))
        .columns(sa.column("case_id", sa.Integer), sa.column("due_on", sa.Date)),
        {"ids": ids, "day": day},
    )
    for case_id, due_on in rows:
        facts[case_id].promised_by = due_on


def _contacts(
    session: Session,
    ids: list[int],
    day: date,
    since: date,
    facts: dict[int, _Facts],
    zone: ZoneInfo,
) -> None:
    """One pass over the batch's recent contacts: today's attempts per method (on the debtor-local
    `day` of their time: a contact's `as_of` is its Shanghai business day, a day off in another
    zone), rolling call attempts, call outcomes (for the last conversation and unreachability)."""
    rows = session.execute(
        sa.text(
            "SELECT case_id, channel, as_of, at, outcome FROM contact WHERE case_id IN :ids "
            "AND as_of >= :since AND as_of <= :day AND status NOT IN :not_attempts"
        ).bindparams(
            sa.bindparam("ids", expanding=True), sa.bindparam("not_attempts", expanding=True)
        ),
        {"ids": ids, "since": since, "day": day + timedelta(days=1),
         "not_attempts": list(_NOT_ATTEMPTS)},
    )  # fmt: skip
    for case_id, channel, _as_of, at, outcome in rows:
        f = facts[case_id]
        moment = _aware(at)
        local = moment.astimezone(zone).date()
        if local > day:
            continue  # after the day asked about
        if local == day:
            f.today[Channel(channel)] += 1
        f.attempts.append((moment, Channel(channel)))
        if channel in _CALL_CHANNELS and outcome is not None:
            f.outcomes.append((moment, outcome))
            if outcome in _CONVERSATION and (
                f.last_conversation is None or moment > f.last_conversation
            ):
                f.last_conversation = moment


def _aware(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def failed_streak(outcomes: list[tuple[datetime, str]]) -> tuple[int, bool]:
    """Since the last conversation: (unanswered calls in a row, whether a number was wrong)."""
    streak = 0
    wrong = False
    for _, outcome in sorted(outcomes):
        if outcome in _CONVERSATION:
            streak, wrong = 0, False
        elif outcome == CallOutcome.WRONG_NUMBER.value:
            wrong = True
        elif outcome == CallOutcome.NO_ANSWER.value:
            streak += 1
    return streak, wrong


def conduct_states(
    session: Session,
    case_ids: Sequence[int],
    at: datetime,
    pack: ConductPack,
    *,
    grace_days: int | None = None,
) -> dict[int, ConductState]:
    """The gate's view of each case at `at` (its day in the pack's zone). `grace_days`: the
    promise grace period (default: the negotiation policy in use)."""
    if grace_days is None:
        grace_days = load_negotiation_policy().promise.grace_days
    day = at.astimezone(pack.zone).date()
    rolling_days = pack.rolling_cap.days if pack.rolling_cap else 7
    window = max(rolling_days, pack.quiet_after_conversation_days or 0, 31)
    earliest = day - timedelta(days=window)
    facts: dict[int, _Facts] = defaultdict(_Facts)
    for ids in _chunks(case_ids):
        _flags(session, ids, day, facts)
        _promises(session, ids, day, facts)
        _contacts(session, ids, day, earliest, facts, pack.zone)
    rolling_from = rolling_since(pack, ConductState(), at)
    capped = set(pack.rolling_cap.channels) if pack.rolling_cap else set()
    out: dict[int, ConductState] = {}
    for case_id in case_ids:
        f = facts[case_id]
        streak, wrong = failed_streak(f.outcomes)
        window_attempts = (
            [m for m, c in f.attempts if c in capped and rolling_from <= m <= at]
            if rolling_from
            else []
        )
        out[case_id] = ConductState(
            flags=frozenset(k for k, on in f.flags.items() if on),
            attempts_today=dict(f.today),
            attempts_rolling=len(window_attempts),
            rolling_oldest=min(window_attempts, default=None),
            last_conversation=f.last_conversation,
            debtor_unreachable=pack.debtor_unreachable(streak, invalid_number=wrong),
            promise_until=(
                f.promised_by + timedelta(days=grace_days) if f.promised_by is not None else None
            ),
        )
    return out
