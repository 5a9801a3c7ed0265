"""Recording a call or field visit (上门) a collector made: `duecourse contact log`.

A contact is a fact: one that broke a conduct rule (too early, on a holiday, over the day's cap,
while a dispute is open) is still recorded, with `reason` "conduct breach: <rule>: <why>" and the
breach reported to the caller, so the supervisor sees it and nothing is lost. The conduct gate
(rules.conduct.decide) is asked about the contact as it was made; it is the one authority.

What a log writes:
- a `Contact` (status logged; masked phone or address; proof = the caller's reference or a call
  reference made from the key), keyed by case, channel and minute (tasks.contacts.record.log_key):
  the same call logged twice is recorded once;
- CONTACT_MADE on the case's timeline, dated the contact's day, when the debtor was reached and
  spoke (CallOutcome.is_conversation) - this is what meets the ladder's `first_contact`; a third
  party answering, no answer or a wrong number write no event (the state reader counts a wrong
  number as the debtor unreachable, from the contact row itself);
- the waiting call/visit lines of the case up to that day (queued or deferred) become `done`
  with the outcome in their reason.
- with outcome `promise` and its terms (`--amount`, `--by`), the promise to pay itself, as
  `duecourse ptp` records it (tasks/negotiation/promises.py), linked to the contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import Case, ContactPoint, Customer, CycleAction
from models.contact import Contact
from models.types import utcnow
from rules.conduct import ConductState, ContactRequest, Decision, TemplateTraits, decide
from rules.enums import (
    ActionKind,
    ActionStatus,
    CallOutcome,
    Channel,
    ContactDirection,
    ContactKind,
    ContactRelation,
    ContactStatus,
    Party,
)
from rules.errors import DuecourseError, InputError
from rules.events import CONTACT_MADE, PROMISE_MADE, PROMISE_TO_PAY
from rules.masking import mask_address, mask_phone, scrub_text
from rules.negotiation_policy import NegotiationPolicy
from rules.policy import Policy
from rules.roster import User
from tasks.case_file import find_case
from tasks.clock import SHANGHAI, shanghai_time, today
from tasks.contacts.queue import Conduct, may_work_any_case
from tasks.contacts.record import add_event, contact_dict, log_key
from tasks.contacts.state import conduct_states
from tasks.negotiation.promises import record_promise

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
BREACH_PREFIX = "conduct breach: "
# A logged call to an emergency contact follows the bank's script for them: it asks for the
# debtor's contact details and never speaks of the debt (CBA guideline 2026-01-30). The gate
# still decides whether the call was lawful at all (only while the debtor is unreachable).
EMERGENCY_SCRIPT = TemplateTraits(
    identifies_bank=True, reveals_debt=False, asks_contact_details=True
)
PROOF_MAX = 200  # models.contact: proof_ref's length
_CLOCK_SLACK = timedelta(minutes=1)  # a call logged the minute it ended is not "in the future"


@dataclass(frozen=True)
class PromiseTerms:
    """What the debtor promised on the call: an amount of yuan by a day."""

    amount: Decimal
    by: date


@dataclass(frozen=True)
class LogRequest:
    """What the collector reports (the CLI's options, parsed)."""

    case_ref: str
    channel: Channel  # CALL (--channel phone) or VISIT
    outcome: CallOutcome
    at: datetime  # aware
    party: Party = Party.DEBTOR
    note: str = ""
    reference: str | None = None
    promise: PromiseTerms | None = None  # with outcome `promise` only


@dataclass(frozen=True)
class LogResult:
    case_id: int
    contact: dict[str, Any]  # as the case file shows it (tasks.contacts.record.contact_dict)
    breach: dict[str, str] | None  # {"rule", "reason"} when the contact broke a conduct rule
    duplicate: bool  # already recorded: nothing written this time
    events: tuple[str, ...]  # timeline events written
    lines_done: int  # waiting queue lines closed
    promise: dict[str, Any] | None = None  # the promise recorded (tasks.negotiation.promises)


def parse_at(text: str, *, now: datetime | None = None) -> datetime:
    """--at: an ISO datetime with offset, one without (= Asia/Shanghai), or HH:MM (= today at
    that time, tasks.clock.today()). Malformed: InputError (exit 2). After now: DuecourseError
    (exit 1): a contact not yet made cannot be logged."""
    moment = _parse_moment(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    if moment > _latest_allowed(now):
        raise DuecourseError(
            f"--at: {moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M} +08:00 is in the future: "
            "only a contact already made can be logged"
        )
    return moment


def _parse_moment(text: str) -> datetime:
    value = text.strip()
    m = _HHMM.match(value)
    if m:
        return datetime.combine(today(), time(int(m.group(1)), int(m.group(2))))
    try:
        if "T" in value.upper() or " " in value:  # a date alone is no moment
            return datetime.fromisoformat(value)
    except ValueError:
        pass
    raise InputError(f"--at: {text!r} is not a time (expected HH:MM, or YYYY-MM-DDTHH:MM[+08:00])")


def _latest_allowed(now: datetime | None) -> datetime:
    """The latest moment a log may carry: now, when "today" is the real day; the end of
    "today" when today is pinned to another day (DUECOURSE_TODAY: the demo's simulated days)."""
    real = (now or datetime.now(UTC)).astimezone(SHANGHAI)
    day = today()
    if day == real.date():
        return real + _CLOCK_SLACK
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI)


def _check_may_log(user: User, case: Case) -> None:
    if may_work_any_case(user) or case.owner == user.name:
        return
    raise DuecourseError(
        f"--as {user.name}: case {case.id} belongs to {case.owner or 'nobody'}; a collector "
        "logs contacts on their own cases only"
    )


def _recipient(session: Session, customer: Customer, request: LogRequest) -> str:
    """Who was reached, masked: the debtor's address for a visit, else the phone called."""
    if request.channel is Channel.VISIT:
        return mask_address(customer.address)
    if request.party is Party.EMERGENCY:
        point = session.exec(
            select(ContactPoint)
            .where(
                ContactPoint.customer_id == customer.id,
                ContactPoint.relation == ContactRelation.EMERGENCY,
                ContactPoint.kind == ContactKind.PHONE,
                col(ContactPoint.valid).is_(True),
            )
            .order_by(col(ContactPoint.id))
        ).first()
        if point is None:  # a call to nobody on file is no record of a contact
            raise DuecourseError(
                "--party emergency: the case has no valid emergency contact number on file"
            )
        return mask_phone(point.value)
    return mask_phone(customer.phone)


def _judge(
    session: Session,
    case_id: int,
    request: LogRequest,
    conduct: Conduct,
    negotiation: NegotiationPolicy | None,
) -> Decision:
    """The gate's answer about the contact as it was made."""
    grace = negotiation.promise.grace_days if negotiation is not None else None
    states = conduct_states(session, [case_id], request.at, conduct.pack, grace_days=grace)
    traits = EMERGENCY_SCRIPT if request.party is Party.EMERGENCY else None
    asked = ContactRequest(
        channel=request.channel, at=request.at, party=request.party, template=traits
    )
    return decide(conduct.pack, conduct.calendar, asked, states.get(case_id, ConductState()))


def _breach(decision: Decision) -> dict[str, str] | None:
    """{"rule", "reason"} of a contact the gate would not have allowed (the gate's reason
    already names its rule first: "hours: ... [pack cn@v1]")."""
    if decision.allowed:
        return None
    rule = str(decision.rule) if decision.rule is not None else "conduct"
    return {"rule": rule, "reason": decision.reason.removeprefix(f"{rule}: ")}


def _breach_of(reason: str) -> dict[str, str] | None:
    if not reason.startswith(BREACH_PREFIX):
        return None
    rule, _, why = reason.removeprefix(BREACH_PREFIX).partition(": ")
    return {"rule": rule, "reason": why}


def _given_reference(text: str | None) -> str | None:
    """The caller's call reference (a recording id) as proof: one line with personal data masked
    (a number typed there is still a phone or ID number, shown in the case file), refused when
    longer than the proof column holds (PostgreSQL would refuse the row)."""
    value = scrub_text(" ".join((text or "").split()))
    if not value:
        return None
    if len(value) > PROOF_MAX:
        raise InputError(f"--reference: longer than {PROOF_MAX} characters")
    return value


def _call_reference(case_id: int, channel: Channel, at: datetime) -> str:
    """A call reference when the collector gave none: case, channel and minute (as the key)."""
    return f"{channel.value.upper()}-{case_id}-{at.astimezone(SHANGHAI):%Y%m%d%H%M}"


def _close_lines(
    session: Session, case_id: int, request: LogRequest, day: date, actor: str
) -> tuple[int, int | None]:
    """Waiting call/visit lines of the case up to `day` -> done; (count, newest line id). A
    call to an emergency contact leaves the debtor's calls waiting: they were not made."""
    if request.party is not Party.DEBTOR:
        return 0, None
    lines = session.exec(
        select(CycleAction)
        .where(
            CycleAction.case_id == case_id,
            CycleAction.kind == ActionKind.for_channel(request.channel),
            col(CycleAction.as_of) <= day,
            col(CycleAction.status).in_((ActionStatus.QUEUED, ActionStatus.DEFERRED)),
        )
        .order_by(col(CycleAction.as_of), col(CycleAction.id))
    ).all()
    when = f"{request.at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    for line in lines:
        line.status = ActionStatus.DONE
        line.reason = f"{request.outcome.value} (logged by {actor}, {when})"
        line.updated_at = utcnow()
        session.add(line)
    return len(lines), (lines[-1].id if lines else None)


def _existing(session: Session, key: str) -> Contact | None:
    return session.exec(select(Contact).where(Contact.key == key)).first()


def _duplicate(contact: Contact) -> LogResult:
    return LogResult(
        contact.case_id, contact_dict(contact), _breach_of(contact.reason), True, (), 0
    )


def _check_promise(request: LogRequest) -> None:
    if (request.outcome is CallOutcome.PROMISE) != (request.promise is not None):
        raise InputError(
            "--outcome promise needs --amount and --by (what was promised, by when)"
            if request.promise is None
            else "--amount and --by go with --outcome promise only"
        )
    if request.promise is not None and request.party is not Party.DEBTOR:
        raise InputError("a promise to pay is the debtor's: --party debtor")


def log_contact(
    session: Session,
    request: LogRequest,
    user: User,
    conduct: Conduct,
    *,
    negotiation: NegotiationPolicy | None = None,
    policy: Policy | None = None,
) -> LogResult:
    """Record a call or visit `user` made (see the module's doc); commits. `negotiation` and
    `policy`: the policies a promise is recorded under (default: the policy folder in use)."""
    _check_promise(request)
    case = find_case(session, request.case_ref)
    assert case.id is not None
    _check_may_log(user, case)
    reference = _given_reference(request.reference)
    key = log_key(case.id, request.channel, request.at)
    found = _existing(session, key)
    if found is not None:
        return _duplicate(found)
    customer = session.get(Customer, case.customer_id)
    if customer is None:
        raise DuecourseError(f"case {case.id}: its customer is missing")
    day = shanghai_time(request.at).date()
    if day < case.opened_on:
        raise DuecourseError(
            f"--at: {day} is before case {case.id} was opened ({case.opened_on}): a contact of "
            "this case cannot have been made then"
        )
    decision = _judge(session, case.id, request, conduct, negotiation)
    breach = _breach(decision)
    done, action_id = _close_lines(session, case.id, request, day, user.name)
    contact = Contact(
        key=key,
        case_id=case.id,
        action_id=action_id,
        as_of=day,
        at=request.at.astimezone(UTC),
        channel=request.channel,
        direction=ContactDirection.OUTBOUND,
        party=request.party,
        to_masked=_recipient(session, customer, request),
        status=ContactStatus.LOGGED,
        outcome=request.outcome,
        proof_ref=reference or _call_reference(case.id, request.channel, request.at),
        reason=f"{BREACH_PREFIX}{breach['rule']}: {breach['reason']}" if breach else "",
        conduct=conduct.pack.fingerprint,
        actor=user.name,
        note=scrub_text(request.note),
    )
    session.add(contact)
    written: list[str] = []
    if request.outcome.is_conversation and request.party is Party.DEBTOR:
        noun = "visit" if request.channel is Channel.VISIT else "call"
        add_event(
            session,
            case_id=case.id,
            event=CONTACT_MADE,
            as_of=day,
            detail=f"{noun} {request.outcome.value}: the debtor reached by {user.name}",
            actor=user.name,
        )
        written.append(CONTACT_MADE)
    promise = None
    if request.promise is not None:
        session.flush()
        promise = record_promise(
            session, str(case.id), request.promise.amount, request.promise.by,
            channel=request.channel, note=request.note, actor=user.name,
            contact_id=contact.id, negotiation=negotiation, policy=policy,
        )  # fmt: skip
        written += [PROMISE_MADE, PROMISE_TO_PAY]
    try:
        session.commit()
    except sa.exc.IntegrityError:  # the same log committed at the same moment by another
        session.rollback()
        again = _existing(session, key)
        if again is None:
            raise
        return _duplicate(again)
    session.refresh(contact)
    return LogResult(case.id, contact_dict(contact), breach, False, tuple(written), done, promise)
