"""The post office's results for posted letters: `duecourse mail delivered FILE`.

The file is a CSV (UTF-8 with or without BOM, or GB18030/GBK; header row; extra columns ignored)
with `number` (the letter's number), `tracking_number`, `delivered_on` (ISO date), `status`
(delivered | returned) and `reason`. Each good row finds the letter's mail contact by its number
and records the result:

- delivered: the contact is `delivered` with its tracking number and date, and `demand: true`
  when its kind is a demand (the template manifest's `demand`, e.g. the collection letter).
  A letter delivered to the billing address the cardholder gave the bank is an effective demand
  for payment: it interrupts the limitation period (Civil Code Art. 195; for bank cards SPC
  bank-card rules 2021 Art. 3), which counts again from the delivery day, so the timeline's
  `demand_delivered` carries that day as its own date (a kind that is no demand, a notice:
  `letter_delivered`, no limitation effect). The action line becomes `delivered`.
- returned (退件: wrong address, refused, moved ...): the contact is `returned` with the reason,
  never a demand; the line `failed` with the reason; the timeline `letter_returned`.

A bad row (unknown number, bad or future date, a delivery before the letter was posted, an
unknown status, a number already recorded with another result) goes to a quarantine CSV with its
line number and reason, the rest load; a row identical to what is recorded is `unchanged`, so
importing the same file twice changes nothing. The good rows are one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Contact, CycleAction, Document
from models.types import utcnow
from rules import events
from rules.enums import ActionStatus, Channel, ContactStatus
from rules.masking import scrub_text
from tasks.clock import today
from tasks.contacts.record import add_event
from tasks.dispatch.messages import is_demand
from tasks.results_file import Rows, commit_with_quarantine
from tasks.results_file import read_rows as read_rows_of

COLUMNS = ("number", "tracking_number", "delivered_on", "status", "reason")
ACTION = CycleAction.__table__  # type: ignore[attr-defined]
_STATUS_WORDS = {
    "delivered": ContactStatus.DELIVERED,
    "妥投": ContactStatus.DELIVERED,
    "returned": ContactStatus.RETURNED,
    "退件": ContactStatus.RETURNED,
    "退回": ContactStatus.RETURNED,
}


@dataclass(frozen=True)
class Result:
    """One row's result as it would be recorded on the contact."""

    number: str
    status: ContactStatus
    tracking: str
    on: date | None
    reason: str

    def same_as(self, contact: Contact) -> bool:
        """Whether the contact already records exactly this result."""
        if contact.status != self.status or (contact.tracking_number or "") != self.tracking:
            return False
        if self.status is ContactStatus.DELIVERED:
            return contact.delivered_on == self.on
        return contact.reason == self.reason


@dataclass
class DeliveryReport:
    rows: int = 0
    delivered: int = 0
    returned: int = 0
    unchanged: int = 0
    quarantined: int = 0
    quarantine_file: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "delivered": self.delivered,
            "returned": self.returned,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "quarantine_file": str(self.quarantine_file) if self.quarantine_file else None,
        }


def parse_row(raw: dict[str, str], now: date) -> Result | str:
    """A row's result, or why it is refused (a reason without personal data)."""
    number = raw.get("number", "").strip()
    if not number:
        return "no letter number"
    word = raw.get("status", "").strip().lower()
    status = _STATUS_WORDS.get(word)
    if status is None:
        return f"status {word[:20]!r} is neither delivered nor returned"
    tracking = raw.get("tracking_number", "").strip()
    if len(tracking) > 64:
        return "tracking number longer than 64 characters"
    text = raw.get("delivered_on", "").strip()
    try:
        on = date.fromisoformat(text) if text else None
    except ValueError:
        return f"delivered_on {text[:20]!r} is not a date (YYYY-MM-DD)"
    if on is not None and on > now:
        return f"delivered_on {on} is in the future (today is {now})"
    if status is ContactStatus.DELIVERED:
        if on is None:
            return "a delivered letter needs its delivered_on date"
        if not tracking:
            return "a delivered letter needs its tracking number (the proof of delivery)"
    reason = " ".join(scrub_text(raw.get("reason", "")).split())[:200]
    if status is ContactStatus.RETURNED and not reason:
        reason = "returned by the post office"
    return Result(number, status, tracking, on, reason)


def read_rows(path: Path, now: date) -> Rows[Result]:
    """Every non-blank line after the header, parsed or refused, with its line number."""
    return read_rows_of(path, COLUMNS, lambda raw: parse_row(raw, now))


def _contacts(session: Session, numbers: list[str]) -> dict[str, Contact]:
    """Mail contacts by their letter's number (its proof, or its stored document's number)."""
    found: dict[str, Contact] = {}
    for start in range(0, len(numbers), 400):
        chunk = numbers[start : start + 400]
        docs = select(Document.id).where(col(Document.number).in_(chunk))
        rows = session.exec(
            select(Contact, Document.number)
            .join(Document, col(Document.id) == Contact.document_id, isouter=True)
            .where(
                Contact.channel == Channel.MAIL,
                sa.or_(col(Contact.proof_ref).in_(chunk), col(Contact.document_id).in_(docs)),
            )
        ).all()
        for contact, doc_number in rows:
            for n in {contact.proof_ref, doc_number} & set(chunk):
                if n is not None:
                    found[n] = contact
    return found


def _check(result: Result, contact: Contact | None, seen: dict[str, Result]) -> str | None:
    """Why this row cannot be recorded on its contact, "" when it is already recorded, or None
    when it is to be applied."""
    if contact is None:
        return f"no posted letter has number {result.number[:40]!r}"
    earlier = seen.get(result.number)
    if earlier is not None:
        return "" if earlier == result else "the file gives this letter two different results"
    if contact.status in (ContactStatus.DELIVERED, ContactStatus.RETURNED):
        if result.same_as(contact):
            return ""
        when = f" on {contact.delivered_on}" if contact.delivered_on else ""
        return (
            f"already recorded as {contact.status.value}{when}; a different result is not applied"
        )
    if contact.status is not ContactStatus.SENT:
        return f"the letter is {contact.status.value}, not posted"
    if result.on is not None and result.on < contact.as_of:
        return f"delivered_on {result.on} is before the letter was posted ({contact.as_of})"
    return None


def _apply(session: Session, contact: Contact, result: Result, now: date) -> None:
    """Record the result on the contact, its action line and the timeline."""
    contact.status = result.status
    contact.tracking_number = result.tracking or contact.tracking_number
    contact.updated_at = utcnow()
    tracking = f", tracking {result.tracking}" if result.tracking else ""
    if result.status is ContactStatus.DELIVERED:
        assert result.on is not None
        # a demand only if its kind is one (a collection or lawyer's letter, not a notice)
        contact.delivered_on, contact.demand = result.on, is_demand(contact.template)
        line_status, line_reason = ActionStatus.DELIVERED, f"delivered {result.on}{tracking}"
        event, as_of = events.DEMAND_DELIVERED, result.on
        detail = (
            f"letter {result.number} delivered {result.on}{tracking}: an effective demand "
            "(Civil Code Art. 195; SPC bank-card rules 2021 Art. 3)"
        )
        if not contact.demand:  # a notice: delivered, but nothing restarts the limitation clock
            event = events.LETTER_DELIVERED
            detail = f"letter {result.number} delivered {result.on}{tracking}: not a demand"
    else:
        contact.reason, contact.demand = result.reason, False
        line_status, line_reason = ActionStatus.FAILED, f"returned: {result.reason}"
        event, as_of = events.LETTER_RETURNED, result.on or now
        detail = f"letter {result.number} returned ({result.reason}){tracking}: not a demand"
    session.add(contact)
    add_event(session, case_id=contact.case_id, event=event, as_of=as_of, detail=detail)
    if contact.action_id is not None:
        session.connection().execute(
            sa.update(ACTION)
            .where(ACTION.c.id == contact.action_id)
            .values(status=line_status, reason=line_reason, updated_at=utcnow())
        )


def import_deliveries(engine: Engine, path: Path, *, quarantine_dir: Path) -> DeliveryReport:
    """Record the post office's results in `path` (see the module's doc)."""
    now = today()
    rows = read_rows(path, now)
    report = DeliveryReport(rows=len(rows.good) + len(rows.bad))
    bad = list(rows.bad)
    with Session(engine) as session:
        contacts = _contacts(session, sorted({r.number for _, _, r in rows.good}))
        seen: dict[str, Result] = {}
        for line, raw, result in rows.good:
            problem = _check(result, contacts.get(result.number), seen)
            if problem:
                bad.append((line, raw, problem))
                continue
            if problem is None:
                _apply(session, contacts[result.number], result, now)
                if result.status is ContactStatus.DELIVERED:
                    report.delivered += 1
                else:
                    report.returned += 1
            else:
                report.unchanged += 1
            seen[result.number] = result
        report.quarantined = len(bad)
        report.quarantine_file = commit_with_quarantine(
            session, bad, COLUMNS, (quarantine_dir, "mail-delivered", now)
        )
    return report
