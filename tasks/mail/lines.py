"""Which queued mail lines a batch posts: read from the store and sorted before anything is
printed (closed cases and duplicates skipped, letters an earlier run posted, lines the conduct
gate stops now, and the letters to post by template kind)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from models import Case, Contact, CycleAction
from rules.calendar import BusinessCalendar
from rules.conduct import ContactRequest, Decision, decide
from rules.conduct_pack import ConductPack
from rules.enums import ActionKind, ActionStatus, CaseStatus, Channel, Party
from tasks.contacts.record import contact_key
from tasks.contacts.state import conduct_states
from tasks.dispatch.messages import traits

NOTE_PREFIX = "mail batch "  # Contact.note of a posted letter: "mail batch <file name>"
_BATCH_NAME = re.compile(r"^[a-z][a-z0-9_]*-\d{4}-\d{2}-\d{2}(?:-\d+)?\.pdf$")


@dataclass(frozen=True)
class MailLine:
    """A queued mail action line, as the batch reads it."""

    id: int
    case_id: int
    step: str
    as_of: date
    template: str | None
    case_open: bool

    @property
    def key(self) -> str:
        return contact_key(self.case_id, self.step, Channel.MAIL, self.as_of)


@dataclass
class Plan:
    """What becomes of each queued line."""

    post: dict[str, list[MailLine]] = field(default_factory=dict)  # kind -> lines, case order
    stopped: list[tuple[MailLine, Decision]] = field(default_factory=list)
    skipped: list[tuple[MailLine, str]] = field(default_factory=list)
    already: list[tuple[MailLine, Contact]] = field(default_factory=list)


def queued_lines(session: Session, day: date) -> list[MailLine]:
    """Mail lines the dispatcher queued on or before `day`, in case order."""
    rows = session.exec(
        select(CycleAction, Case.status)
        .join(Case, col(Case.id) == CycleAction.case_id)
        .where(
            CycleAction.kind == ActionKind.MAIL,
            CycleAction.status == ActionStatus.QUEUED,
            CycleAction.as_of <= day,
        )
        .order_by(col(CycleAction.case_id), col(CycleAction.as_of), col(CycleAction.id))
    ).all()
    return [
        MailLine(int(a.id or 0), a.case_id, a.step, a.as_of, a.template, s == CaseStatus.OPEN)
        for a, s in rows
    ]


def existing_contacts(session: Session, keys: Sequence[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        found.update(
            {c.key: c for c in session.exec(select(Contact).where(col(Contact.key).in_(chunk)))}
        )
    return found


def plan_lines(
    session: Session,
    lines: list[MailLine],
    at: datetime,
    pack: ConductPack,
    calendar: BusinessCalendar,
) -> Plan:
    """Sort the queued lines: closed cases and duplicates skipped, letters already posted,
    lines the gate stops now, and the letters to post by kind (one per case and kind)."""
    plan = Plan()
    live = []
    for line in lines:
        if not line.case_open:
            plan.skipped.append((line, "case closed before the letter was posted"))
        elif not line.template:
            plan.skipped.append((line, "mail line without a template"))
        else:
            live.append(line)
    existing = existing_contacts(session, [line.key for line in live])
    fresh = []
    for line in live:
        if line.key in existing:
            plan.already.append((line, existing[line.key]))
        else:
            fresh.append(line)
    states = conduct_states(session, sorted({line.case_id for line in fresh}), at, pack)
    seen: dict[tuple[int, str], MailLine] = {}
    for line in fresh:
        kind = str(line.template)
        # a letter goes to the debtor's billing address; its manifest says what its text does
        request = ContactRequest(Channel.MAIL, at, Party.DEBTOR, traits(kind))
        decision = decide(pack, calendar, request, states[line.case_id])
        if not decision.allowed:
            plan.stopped.append((line, decision))
        elif (line.case_id, kind) in seen:
            first = seen[line.case_id, kind]
            plan.skipped.append((line, f"same letter as line {first.id} (one letter per case)"))
        else:
            seen[line.case_id, kind] = line
            plan.post.setdefault(kind, []).append(line)
    return plan


def day_batches(session: Session, day: date) -> dict[str, list[int]]:
    """The batches posted on `day` by earlier runs: file name -> case ids (the batch's order)."""
    rows = session.exec(
        select(Contact.note, Contact.case_id)
        .where(
            Contact.channel == Channel.MAIL,
            Contact.as_of == day,
            col(Contact.note).startswith(NOTE_PREFIX),
        )
        .order_by(col(Contact.case_id))
    ).all()
    out: dict[str, list[int]] = {}
    for note, case_id in rows:
        name = note.removeprefix(NOTE_PREFIX)
        if _BATCH_NAME.match(name) and case_id not in out.setdefault(name, []):
            out[name].append(case_id)
    return out


def batch_name(kind: str, day: date, taken: set[str]) -> str:
    """`<kind>-<D>.pdf`, or `<kind>-<D>-2.pdf` ... when a batch of the day already has it."""
    name, n = f"{kind}-{day.isoformat()}.pdf", 1
    while name in taken:
        n += 1
        name = f"{kind}-{day.isoformat()}-{n}.pdf"
    return name
