"""One dispatch batch: read the lines, ask the gate, send what may go, record every outcome.

Crash-safe and idempotent by the contact key (case, step, channel, planned as-of):
1. each message to send gets its contact row, `sending`, committed BEFORE it leaves;
2. the senders send the batch;
3. each contact becomes sent / delivered / failed and its line follows, in one commit.
A retry (Prefect's task retry, or the next run) finds rows still `sending`: a sender that cannot
send a key twice (the outbox checks its file, an HTTP provider dedups by key) is asked again; an
SMTP relay cannot say, so such a message is marked failed, "outcome unknown", never re-sent.
Transient failures (timeouts, 5xx) leave the contact `sending` and the line `planned` for the
retry; on the last attempt they end `failed` with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from models.types import UTCDateTime
from rules.calendar import BusinessCalendar
from rules.conduct import ConductState
from rules.conduct_pack import ConductPack
from rules.enums import ActionStatus, Channel, ContactDirection, ContactStatus, Party
from tasks.bulk import db_date, db_time, insert_many
from tasks.channels.base import OutMessage, Sender, SendResult
from tasks.clock import SHANGHAI
from tasks.contacts.record import contact_key
from tasks.contacts.state import conduct_states
from tasks.dispatch.attempts import RETRY_MARK, UNKNOWN, earlier, unmark
from tasks.dispatch.decide import SENT_CHANNELS, LineDecision, Route, decide_line
from tasks.dispatch.lines import Line, read_lines
from tasks.dispatch.messages import (
    audience,
    is_demand,
    masked,
    recipient,
    render_all,
    template_version,
    traits,
)
from tasks.letter_data import LetterContext


@dataclass(frozen=True)
class DispatchContext:
    """What every batch of a run shares."""

    engine: Engine
    day: date
    now: datetime
    pack: ConductPack
    calendar: BusinessCalendar
    senders: Mapping[Channel, Sender]
    letters: LetterContext
    actor: str = "dispatch"
    promise_grace_days: int | None = None  # the promise pause's grace (negotiation policy)


@dataclass
class BatchOutcome:
    """Counts of one batch (and, summed, of a run)."""

    lines: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # "sms:sent" -> n
    blocked: Counter[str] = field(default_factory=Counter)  # gate rule -> n
    deferred: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # reason -> n
    retry_pending: int = 0
    last_id: int = 0

    def add(self, other: BatchOutcome) -> None:
        self.lines += other.lines
        self.statuses.update(other.statuses)
        self.blocked.update(other.blocked)
        self.deferred.update(other.deferred)
        self.failures.update(other.failures)
        self.retry_pending += other.retry_pending
        self.last_id = max(self.last_id, other.last_id)


@dataclass
class _Pending:
    line: Line
    key: str
    to: str
    message: OutMessage


@dataclass
class _Writes:
    """The batch's line and contact updates, written in one commit at the end."""

    lines: list[dict[str, object]] = field(default_factory=list)
    contacts: list[dict[str, object]] = field(default_factory=list)


_CASE_ID = re.compile(r"\bcase \d+")
_UPDATE_LINE = sa.text(
    "UPDATE cycle_action SET status = :status, reason = :reason, not_before = :not_before, "
    "updated_at = :now WHERE id = :id"
).bindparams(
    sa.bindparam("not_before", type_=UTCDateTime()), sa.bindparam("now", type_=UTCDateTime())
)
# only a `sending` row: a settled contact (its proof, the time its demand was made) is never
# rewritten by a later line that finds it already sent
_UPDATE_CONTACT = sa.text(
    "UPDATE contact SET status = :status, proof_ref = :proof_ref, reason = :reason, "
    "demand = :demand, at = :at, updated_at = :now WHERE key = :key AND status = 'sending'"
).bindparams(sa.bindparam("at", type_=UTCDateTime()), sa.bindparam("now", type_=UTCDateTime()))


def _line_write(
    out: BatchOutcome, writes: _Writes, now: datetime, line: Line, d: LineDecision
) -> None:
    writes.lines.append(
        {"id": line.id, "status": d.status.value, "reason": d.reason[:500],
         "not_before": d.not_before, "now": now}
    )  # fmt: skip
    out.statuses[f"{line.channel.value}:{d.status.value}"] += 1
    if d.status is ActionStatus.BLOCKED and d.rule:
        out.blocked[d.rule] += 1
    elif d.status is ActionStatus.DEFERRED and d.rule:
        out.deferred[d.rule] += 1
    elif d.status is ActionStatus.FAILED:
        out.failures[_CASE_ID.sub("case …", d.reason)] += 1  # one entry per reason, not case


def _counted(state: ConductState, channel: Channel, pack: ConductPack, n: int = 1) -> ConductState:
    """The state after `n` more attempts by `channel` today (two lines of one case in a run);
    every other field (rolling_oldest included) kept."""
    attempts = dict(state.attempts_today)
    attempts[channel] = max(attempts.get(channel, 0) + n, 0)
    capped = pack.rolling_cap is not None and channel in pack.rolling_cap.channels
    rolling = max(state.attempts_rolling + n * capped, 0)
    return replace(state, attempts_today=attempts, attempts_rolling=rolling)


def _in_flight(ctx: DispatchContext, conn: Connection, lines: list[Line]) -> set[int]:
    """Lines whose own contact is already `sending` today (a retried batch, or a run that died
    while sending): that row is this same message, not another attempt, so the daily cap must
    not count it against the line (it would defer a message that may have left)."""
    keys = {
        contact_key(ln.case_id, ln.step, ln.channel, ln.as_of): ln.id
        for ln in lines
        if ln.channel in SENT_CHANNELS
    }
    found = earlier(conn, list(keys))
    return {keys[k] for k, e in found.items() if e.status == "sending" and e.as_of == ctx.day}


def _decide_all(
    ctx: DispatchContext, session: Session, lines: list[Line]
) -> list[tuple[Line, LineDecision]]:
    states = conduct_states(
        session, sorted({ln.case_id for ln in lines}), ctx.now, ctx.pack,
        grace_days=ctx.promise_grace_days,
    )  # fmt: skip
    in_flight = _in_flight(ctx, session.connection(), lines)
    decided = []
    for line in lines:
        state = states[line.case_id]
        if line.id in in_flight:
            state = _counted(state, line.channel, ctx.pack, -1)
        d = decide_line(
            pack=ctx.pack,
            calendar=ctx.calendar,
            line=line,
            traits=traits(line.template),
            state=state,
            now=ctx.now,
            party=audience(line.template),
        )
        if d.route is Route.SEND:
            states[line.case_id] = _counted(state, line.channel, ctx.pack)
        decided.append((line, d))
    return decided


def _messages(
    ctx: DispatchContext,
    session: Session,
    to_send: list[Line],
    out: BatchOutcome,
    writes: _Writes,
) -> list[_Pending]:
    """The messages of the lines to send; a line without a number/address or whose text cannot
    be rendered fails here with the reason."""
    wanted = [(ln.case_id, ln.template or "") for ln in to_send]
    texts, errors = render_all(session, wanted, ctx.day, ctx.letters)
    pending = []
    for line in to_send:
        to = recipient(line)
        what = "mobile number" if line.channel is Channel.SMS else "e-mail address"
        if audience(line.template) is not Party.DEBTOR:
            what = "emergency contact's mobile number"
        rendered = texts.get((line.case_id, line.template or ""))
        if not to:
            reason = f"no {what} on file"
        elif rendered is None:
            reason = errors.get((line.case_id, line.template or ""), "cannot render the text")
        else:
            key = contact_key(line.case_id, line.step, line.channel, line.as_of)
            message = OutMessage(
                key=key,
                channel=line.channel,
                to=to,
                body=rendered.body,
                subject=rendered.subject,
                headers={"X-Duecourse-Case": str(line.case_id)},
            )
            pending.append(_Pending(line, key, to, message))
            continue
        fail = LineDecision(Route.DONE, ActionStatus.FAILED, reason)
        _line_write(out, writes, ctx.now, line, fail)
    return pending


_SENDING_COLUMNS = (
    "key", "case_id", "action_id", "as_of", "at", "channel", "direction", "party", "demand",
    "reason", "note", "to_masked", "template", "template_version", "status", "conduct", "actor",
    "created_at", "updated_at",
)  # fmt: skip


def _insert_sending(ctx: DispatchContext, conn: Connection, pending: list[_Pending]) -> None:
    """The `sending` rows, as tuples through the driver (tasks/bulk.py): values in storage form."""
    if not pending:
        return
    now = db_time(conn, ctx.now)
    day = db_date(conn, ctx.now.astimezone(SHANGHAI).date())  # the day it really left
    sending, outbound = ContactStatus.SENDING.value, ContactDirection.OUTBOUND.value
    conduct = ctx.pack.fingerprint[:64]
    rows = [
        (
            p.key, p.line.case_id, p.line.id, day, now, p.line.channel.value, outbound,
            audience(p.line.template).value, False, "", "", masked(p.line.channel, p.to),
            p.line.template, template_version(p.line.template), sending, conduct, ctx.actor,
            now, now,
        )
        for p in pending
    ]  # fmt: skip
    insert_many(conn, "contact", _SENDING_COLUMNS, rows)


def _unique(pending: list[_Pending]) -> list[_Pending]:
    """One message per key: two lines may carry out one contact (the same step planned twice
    for a day); both lines take its result."""
    first: dict[str, _Pending] = {}
    for p in pending:
        first.setdefault(p.key, p)
    return list(first.values())


def _after_crash(
    ctx: DispatchContext, left: list[_Pending], known: dict[str, SendResult]
) -> list[_Pending]:
    """Rows a run left `sending` when it died: a sender that can say (an outbox, a deduplicating
    provider) is asked; SMTP cannot, so those fail "outcome unknown", never sent twice."""
    to_send: list[_Pending] = []
    by_channel: dict[Channel, list[_Pending]] = {}
    for p in left:
        by_channel.setdefault(p.line.channel, []).append(p)
    for channel, items in by_channel.items():
        sender = ctx.senders.get(channel)
        if sender is None or not sender.resend_safe:
            known.update(
                {p.key: SendResult(p.key, ContactStatus.FAILED, None, UNKNOWN) for p in items}
            )
            continue
        out = sender.already_sent([p.key for p in items])
        known.update(out)
        to_send.extend(p for p in items if p.key not in out)
    return to_send


def _split(
    ctx: DispatchContext, conn: Connection, pending: list[_Pending]
) -> tuple[list[_Pending], dict[str, SendResult]]:
    """(messages to send now, results already known) after looking for earlier attempts."""
    known: dict[str, SendResult] = {}
    unique = _unique(pending)
    existing = earlier(conn, [p.key for p in unique])
    fresh = [p for p in unique if p.key not in existing]
    left: list[_Pending] = []
    again: list[_Pending] = []
    for p in (p for p in unique if p.key in existing):
        e = existing[p.key]
        if e.status in (ContactStatus.SENT.value, ContactStatus.DELIVERED.value):
            known[p.key] = SendResult(p.key, ContactStatus(e.status), e.proof_ref, "already sent")
        elif e.status != ContactStatus.SENDING.value:
            known[p.key] = SendResult(p.key, ContactStatus.FAILED, e.proof_ref, e.reason)
        else:  # a retry of a batch whose attempt left nothing, or a run that died while sending
            (again if e.to_retry else left).append(p)
    _insert_sending(ctx, conn, fresh)
    unmark(conn, [p.key for p in again], ctx.now)
    return fresh + again + _after_crash(ctx, left, known), known


def _send(ctx: DispatchContext, to_send: list[_Pending]) -> dict[str, SendResult]:
    results: dict[str, SendResult] = {}
    by_channel: dict[Channel, list[_Pending]] = {}
    for p in to_send:
        by_channel.setdefault(p.line.channel, []).append(p)
    for channel, items in by_channel.items():
        sender = ctx.senders.get(channel)
        if sender is None:
            for p in items:
                results[p.key] = SendResult(
                    p.key, ContactStatus.FAILED, None, f"no {channel.value} sender configured"
                )
            continue
        for p, result in zip(items, sender.send_batch([p.message for p in items]), strict=True):
            results[p.key] = result
    return results


def _record(
    ctx: DispatchContext,
    pending: list[_Pending],
    results: dict[str, SendResult],
    *,
    final: bool,
    out: BatchOutcome,
    writes: _Writes,
) -> None:
    for p in pending:
        r = results[p.key]
        if r.status is ContactStatus.FAILED and r.retryable and not final:
            out.retry_pending += 1  # contact stays `sending` (marked), line `planned`: the retry's
            writes.contacts.append(
                {"key": p.key, "status": ContactStatus.SENDING.value, "proof_ref": None,
                 "reason": (RETRY_MARK + r.reason)[:500], "demand": False, "at": ctx.now,
                 "now": ctx.now}
            )  # fmt: skip
            continue
        ok = r.status in (ContactStatus.SENT, ContactStatus.DELIVERED)
        reason = r.reason if ok or not r.retryable else f"gave up after retries: {r.reason}"
        writes.contacts.append(
            {
                "key": p.key,
                "status": r.status.value,
                "proof_ref": r.proof_ref,
                "reason": reason[:500],
                # SPC bank-card rules 2021 Art. 3: an SMS or e-mail to the contact details the
                # cardholder gave the bank is a demand (it interrupts the limitation period)
                "demand": ok and is_demand(p.line.template),
                "at": ctx.now,
                "now": ctx.now,
            }
        )
        status = ActionStatus.DELIVERED if r.status is ContactStatus.DELIVERED else (
            ActionStatus.SENT if ok else ActionStatus.FAILED
        )  # fmt: skip
        line_reason = f"{r.proof_ref or ''}" if ok else reason
        _line_write(out, writes, ctx.now, p.line, LineDecision(Route.DONE, status, line_reason))


def dispatch_batch(
    ctx: DispatchContext, *, after: int, upto: int | None, limit: int, final: bool = True
) -> BatchOutcome:
    """Carry out the due lines with id in (after, upto] (upto None: the next `limit`)."""
    out = BatchOutcome(last_id=after)
    writes = _Writes()
    with Session(ctx.engine) as session:
        conn = session.connection()
        lines = read_lines(conn, day=ctx.day, now=ctx.now, after=after, limit=limit)
        if upto is not None:
            lines = [ln for ln in lines if ln.id <= upto]
        if not lines:
            return out
        out.lines = len(lines)
        out.last_id = upto if upto is not None else lines[-1].id
        to_send = []
        for line, d in _decide_all(ctx, session, lines):
            if d.route is Route.SEND:
                to_send.append(line)
            else:
                _line_write(out, writes, ctx.now, line, d)
        pending = _messages(ctx, session, to_send, out, writes)
        sending, known = _split(ctx, conn, pending)
        session.commit()  # the `sending` rows are durable before anything leaves
        results = {**known, **_send(ctx, sending)}
        conn = session.connection()
        _record(ctx, pending, results, final=final, out=out, writes=writes)
        if writes.contacts:
            conn.execute(_UPDATE_CONTACT, writes.contacts)
        if writes.lines:
            conn.execute(_UPDATE_LINE, writes.lines)
        session.commit()
    return out
