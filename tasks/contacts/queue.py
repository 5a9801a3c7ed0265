"""A collector's work queue: the calls and field visits (上门) waiting for them today.

The dispatcher leaves a call or visit line `queued` in its owner's queue (or `deferred` to a
lawful moment, `not_before`); this module reads them back for one person. One entry per case and
channel: the newest line, with older lines nobody worked counted as `carried` (a repeat call
planned every two days is one piece of work, not three). Order: highest risk first
(rules.enums.risk_rank), then the nearest open milestone's due day (the deadline the work
serves), then the case id.

Each entry carries the lawful window for the contact today, as the conduct gate
(rules.conduct.decide) answers it: the gate is asked about a contact at the window's start (or
now, when that is later and the day is today) with what the store knows of the case
(tasks.contacts.state.conduct_states); the pack's hours are only shown when the gate allows.
Nothing of the rules is re-derived here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import CardAccount, Case, Contact, Customer, CycleAction, Milestone
from rules.calendar import BusinessCalendar
from rules.conduct import ConductState, ContactRequest, Decision, Rule, Verdict, debtor_zone, decide
from rules.conduct_pack import ConductPack
from rules.enums import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    Channel,
    MilestoneStatus,
    Role,
    risk_rank,
)
from rules.errors import NotFoundError
from rules.masking import mask_address, mask_card, mask_phone
from rules.roster import User
from tasks.clock import SHANGHAI, shanghai_time
from tasks.contacts.state import conduct_states

QUEUE_CHANNELS: tuple[Channel, ...] = (Channel.CALL, Channel.VISIT)
_KINDS = tuple(ActionKind.for_channel(c) for c in QUEUE_CHANNELS)
CHUNK = 900  # ids per IN list: under SQLite's 999 variables
_NOUN = {Channel.CALL: "calls", Channel.VISIT: "visits"}


@dataclass(frozen=True)
class Conduct:
    """What the queue needs of the conduct rules: the pack in force and the calendar."""

    pack: ConductPack
    calendar: BusinessCalendar


def roster_user(users: Sequence[User], name: str) -> User:
    """The roster entry of `name`; an unknown name is one line (exit 1)."""
    for user in users:
        if user.name == name:
            return user
    raise NotFoundError(f"--as: {name!r} is not in the roster (duecourse users)")


def may_work_any_case(user: User) -> bool:
    """Supervisors, legal and ops act on any case; a collector only on the cases they own."""
    return user.role is not Role.COLLECTOR


def _day_end(day: date) -> datetime:
    """The end of `day` in Asia/Shanghai (the cycle's day), as UTC."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI).astimezone(UTC)


def _lines(session: Session, owner: str, as_of: date) -> list[CycleAction]:
    """The owner's waiting call/visit lines on open cases, up to `as_of`."""
    waiting = sa.or_(
        col(CycleAction.status) == ActionStatus.QUEUED,
        sa.and_(
            col(CycleAction.status) == ActionStatus.DEFERRED,
            col(CycleAction.not_before) < _day_end(as_of),
        ),
    )
    return list(
        session.exec(
            select(CycleAction)
            .join(Case, col(Case.id) == col(CycleAction.case_id))
            .where(
                Case.owner == owner,
                Case.status == CaseStatus.OPEN,
                col(CycleAction.kind).in_(_KINDS),
                col(CycleAction.as_of) <= as_of,
                waiting,
            )
        ).all()
    )


def _newest_per_case_channel(lines: list[CycleAction]) -> list[tuple[CycleAction, int]]:
    """(newest line, older lines carried) per case and channel."""
    groups: dict[tuple[int, str], list[CycleAction]] = defaultdict(list)
    for line in lines:
        groups[(line.case_id, line.kind.value)].append(line)
    out = []
    for group in groups.values():
        group.sort(key=lambda a: (a.as_of, a.id or 0))
        out.append((group[-1], len(group) - 1))
    return out


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def _cases(session: Session, ids: list[int]) -> dict[int, tuple[Case, CardAccount, Customer]]:
    out: dict[int, tuple[Case, CardAccount, Customer]] = {}
    for chunk in _chunks(ids):
        rows = session.exec(
            select(Case, CardAccount, Customer)
            .join(CardAccount, col(CardAccount.id) == col(Case.account_id))
            .join(Customer, col(Customer.id) == col(Case.customer_id))
            .where(col(Case.id).in_(chunk))
        ).all()
        out.update({int(c.id or 0): (c, a, p) for c, a, p in rows})
    return out


def _nearest_milestones(session: Session, ids: list[int]) -> dict[int, Milestone]:
    out: dict[int, Milestone] = {}
    for chunk in _chunks(ids):
        rows = session.exec(
            select(Milestone)
            .where(col(Milestone.case_id).in_(chunk), Milestone.status == MilestoneStatus.OPEN)
            .order_by(col(Milestone.due), col(Milestone.id))
        ).all()
        for m in rows:
            out.setdefault(m.case_id, m)
    return out


def _last_outcomes(session: Session, ids: list[int]) -> dict[int, Contact]:
    """Each case's latest call or visit with an outcome."""
    out: dict[int, Contact] = {}
    for chunk in _chunks(ids):
        rows = session.exec(
            select(Contact)
            .where(
                col(Contact.case_id).in_(chunk),
                col(Contact.channel).in_(QUEUE_CHANNELS),
                col(Contact.outcome).is_not(None),
            )
            .order_by(col(Contact.at).desc(), col(Contact.id).desc())
        ).all()
        for c in rows:
            out.setdefault(c.case_id, c)
    return out


def _offset(moment: datetime) -> str:
    """'+08:00' for a moment in Shanghai."""
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if len(text) == 5 else text


def _probe(conduct: Conduct, state: ConductState, day: date, now: datetime | None) -> datetime:
    """The moment the gate is asked about: the window's start on `day` in the debtor's zone, or
    `now` when that is later on the same debtor-local day."""
    zone = debtor_zone(conduct.pack, state)
    start = datetime.combine(day, conduct.pack.hours.start, tzinfo=zone)
    if now is not None and now.astimezone(zone).date() == day and now > start:
        return now.astimezone(zone)
    return start


def window_text(conduct: Conduct, channel: Channel, at: datetime, decision: Decision) -> str:
    """The lawful window as people read it, from the gate's answer about a contact at `at`
    (aware, in the debtor's zone); rule names are the gate's (rules.conduct.Rule)."""
    pack = conduct.pack
    day = at.date()
    if decision.verdict is Verdict.ALLOW:
        return f"{pack.hours} {_offset(at)}"
    rule = decision.rule
    label = rule.value.replace("_", " ") if rule is not None else "not allowed"
    if decision.verdict is Verdict.BLOCK:
        return f"stopped: {label}"
    nxt = ""
    if decision.not_before is not None:
        nb = decision.not_before.astimezone(at.tzinfo)
        nxt = f"; next {nb:%Y-%m-%d %H:%M}" if nb.date() != day else f"; from {nb:%H:%M}"
    if rule is Rule.HOLIDAY:
        name = conduct.calendar.holiday_name(day) or "holiday"
        return f"no {_NOUN.get(channel, 'contacts')} today ({name}){nxt}"
    if rule is Rule.DAILY_CAP:
        return f"cap reached{nxt}"
    if rule is Rule.HOURS:
        return f"outside {pack.hours}{nxt}"
    return f"{label}{nxt}"


def _attempts(state: ConductState, channel: Channel) -> int:
    return int(state.attempts_today.get(channel, 0))


def _entry(
    line: CycleAction,
    carried: int,
    facts: tuple[Case, CardAccount, Customer],
    milestone: Milestone | None,
    last: Contact | None,
) -> dict[str, Any]:
    case, account, customer = facts
    channel = Channel(line.kind.value)
    to = mask_address(customer.address) if channel is Channel.VISIT else mask_phone(customer.phone)
    balance: Decimal = account.balance
    return {
        "case_id": case.id,
        "account_id": case.account_id,
        "card": mask_card(account.card_number),
        "name": customer.name,
        "stage": case.stage,
        "risk": case.risk_tier,
        "dpd": account.days_past_due,
        "bucket": case.bucket,
        "balance": balance,
        "channel": channel,
        "to": to,
        "step": line.step,
        "action_id": line.id,
        "planned_on": line.as_of,
        "status": line.status,
        "carried": carried,
        "milestone": {"kind": milestone.kind, "due": milestone.due} if milestone else None,
        "last_outcome": (
            {"outcome": last.outcome, "channel": last.channel, "at": shanghai_time(last.at)}
            if last is not None
            else None
        ),
    }


def _sort_key(item: dict[str, Any]) -> tuple[int, date, int, str]:
    due = item["milestone"]["due"] if item["milestone"] else date.max
    return (risk_rank(item["risk"]), due, int(item["case_id"]), item["channel"].value)


def work_queue(
    session: Session,
    user: User,
    as_of: date,
    conduct: Conduct,
    *,
    limit: int = 100,
    now: datetime | None = None,
) -> dict[str, Any]:
    """`user`'s calls and visits for `as_of`: {"user", "as_of", "items", "total"} (personal data
    masked; each item with the gate's lawful window). `now` (aware) narrows today's window to
    what is left of it; None asks about the window's start."""
    picked = _newest_per_case_channel(_lines(session, user.name, as_of))
    ids = sorted({line.case_id for line, _ in picked})
    facts = _cases(session, ids)
    milestones = _nearest_milestones(session, ids)
    lasts = _last_outcomes(session, ids)
    items = [
        _entry(line, n, facts[line.case_id], milestones.get(line.case_id), lasts.get(line.case_id))
        for line, n in picked
        if line.case_id in facts
    ]
    items.sort(key=_sort_key)
    shown = items[:limit]
    _add_windows(session, shown, as_of, conduct, now)
    return {"user": user.name, "as_of": as_of, "items": shown, "total": len(items)}


def _add_windows(
    session: Session,
    items: list[dict[str, Any]],
    as_of: date,
    conduct: Conduct,
    now: datetime | None,
) -> None:
    """Ask the gate about each shown entry's contact today and write its answer on the entry."""
    if not items:
        return
    pack = conduct.pack
    start = datetime.combine(as_of, pack.hours.start, tzinfo=pack.zone)
    ids = sorted({int(i["case_id"]) for i in items})
    states = conduct_states(session, ids, start, pack)
    for item in items:
        state = states.get(int(item["case_id"]), ConductState())
        channel: Channel = item["channel"]
        at = _probe(conduct, state, as_of, now)
        decision = decide(pack, conduct.calendar, ContactRequest(channel=channel, at=at), state)
        item["attempts_today"] = _attempts(state, channel)
        item["cap"] = pack.attempts_per_method_per_day
        item["window"] = window_text(conduct, channel, at, decision)
        item["allowed"] = decision.allowed
        item["rule"] = decision.rule
        item["not_before"] = decision.not_before
