"""Recording court steps (`duecourse legal event`) and listing them (`duecourse legal events`).

A step is checked against its track (rules/legal_track.py: order, dates), stored with its own
date, written on the timeline (the ladder's own event where it waits for one: a payment order
filed meets `payment_order_filed`), and opens the statutory milestone its date starts
(tasks/legal_clock.py). A court paper given with it is kept in the document store with its
SHA-256 (kind `court_document`).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from models import Case, Document, LegalEventRow, Milestone, TimelineEvent
from rules import events as ev
from rules.calendar import BusinessCalendar
from rules.enums import AuditAction, CaseStatus, Role, Stage
from rules.errors import DuecourseError, InputError
from rules.legal_track import (
    OPENS,
    TIMELINE_EVENT,
    TRACK_STAGE,
    LegalEvent,
    Recorded,
    Track,
    check_step,
    objection_deadline,
    track_reached,
)
from rules.masking import scrub_text
from rules.roster import User
from tasks import audit
from tasks.case_file import find_case
from tasks.clock import today
from tasks.legal_clock import meet_milestones, open_milestone, open_statutory
from tasks.legal_clock import statutory_dict as _statutory_dict

COURT_DOCUMENT = "court_document"
MAX_PAPER_BYTES = 50 * 1024 * 1024


def recorded_steps(session: Session, case_id: int) -> list[Recorded]:
    """The case's recorded steps in recording order (what the order rules read)."""
    rows = session.exec(
        select(LegalEventRow)
        .where(LegalEventRow.case_id == case_id)
        .order_by(col(LegalEventRow.id))
    ).all()
    return [Recorded(r.event, r.on, r.late) for r in rows]


def _stages_seen(session: Session, case: Case) -> set[Stage]:
    """The stages the case is in, returns to, or entered according to its timeline."""
    seen = {case.stage}
    if case.return_stage is not None:
        seen.add(case.return_stage)
    details = session.exec(
        select(TimelineEvent.detail).where(
            TimelineEvent.case_id == case.id, TimelineEvent.event == ev.STAGE
        )
    ).all()
    for detail in details:
        target = detail.partition(" -> ")[2].split(" ", 1)[0]
        if target in Stage._value2member_map_:
            seen.add(Stage(target))
    return seen


def store_court_paper(
    session: Session, *, case_id: int, file: Path, documents_dir: Path, as_of: date, note: str
) -> Document:
    """Keep a court paper in the document store (its bytes unchanged, with their SHA-256);
    the same paper given twice for a case is stored once."""
    try:
        if not file.is_file():
            raise InputError(f"--document: {file} is not a readable file")
        if file.stat().st_size > MAX_PAPER_BYTES:
            raise InputError(f"--document: {file} is larger than 50 MiB")
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"--document: cannot read {file}: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    key = f"{COURT_DOCUMENT}:{case_id}:{digest}"
    found = session.exec(select(Document).where(Document.idempotency_key == key)).first()
    if found is not None:
        return found
    ext = (file.suffix.lstrip(".").lower() or "bin")[:8]
    rel = f"{COURT_DOCUMENT}/{as_of.year}/case{case_id}-{digest[:16]}.{ext}"
    target = documents_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    doc = Document(
        case_id=case_id,
        kind=COURT_DOCUMENT,
        format=ext,
        as_of=as_of,
        path=rel,
        sha256=digest,
        size=len(data),
        template="",
        template_version=0,
        data=json.dumps({"file_name": file.name, "note": note}, ensure_ascii=False),
        idempotency_key=key,
    )
    session.add(doc)
    session.flush()
    audit.record_many(session.connection(), [audit.document_stored(doc)])
    return doc


def _line(event: LegalEvent, on: date, late: bool, note: str | None, window: date | None) -> str:
    text = f"{event.value} on {on.isoformat()}"
    if late:
        text += f" (late: the objection window ended {window}; no effect, CPL Art. 227)"
    if note:
        text += f": {scrub_text(note)}"
    return text


def add_event(
    session: Session,
    *,
    case_id: int,
    event: LegalEvent,
    on: date,
    note: str | None = None,
    actor: str,
    late: bool = False,
    forced: bool = False,
    document_id: int | None = None,
    calendar: BusinessCalendar,
) -> tuple[LegalEventRow, list[str], Milestone | None]:
    """Store a checked step: its row, its timeline line, the milestones it meets and the one it
    opens. (row, kinds met, milestone opened or None)."""
    case = session.get(Case, case_id)
    if case is None:
        raise DuecourseError(f"no case {case_id}")
    recorded = recorded_steps(session, case_id)
    row = LegalEventRow(
        case_id=case_id,
        track=event.track,
        event=event,
        on=on,
        late=late,
        forced=forced,
        note=note,
        document_id=document_id,
        actor=actor,
    )
    session.add(row)
    session.flush()
    window = None
    if late:
        served = [r for r in recorded if r.event is LegalEvent.PO_SERVED]
        if served:
            window = objection_deadline(served[-1].on, calendar).latest
    session.add(
        TimelineEvent(
            case_id=case_id,
            as_of=on,
            event=TIMELINE_EVENT.get(event, ev.LEGAL_EVENT),
            detail=_line(event, on, late, note, window),
            actor=actor,
        )
    )
    met = [] if late else meet_milestones(session, case_id, event, on)
    opened = None
    if not late:
        opened = open_milestone(
            session, case=case, row=row, recorded=[*recorded, Recorded(event, on)],
            calendar=calendar,
        )  # fmt: skip
    session.flush()
    assert row.id is not None
    audit.record(
        session, action=AuditAction.LEGAL_EVENT, subject_type="legal_event", subject_id=row.id,
        case_id=case_id, actor=actor,
        data={"event": event.value, "on": on.isoformat(), "late": late, "forced": forced,
              "document_id": document_id, "met": met,
              "opened": None if opened is None else {"kind": opened.kind,
                                                     "due": opened.due.isoformat()}},
    )  # fmt: skip
    return row, met, opened


def record_legal_event(
    session: Session,
    case_ref: str,
    event: LegalEvent,
    on: date,
    *,
    calendar: BusinessCalendar,
    user: User | None,
    actor: str,
    note: str | None = None,
    document: Path | None = None,
    documents_dir: Path | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Check and record a court step on a case; the caller commits. One-line errors: an
    unknown case, a track the case has not reached (unless `force`, legal role only), a step
    out of order or wrongly dated."""
    case = find_case(session, case_ref)
    assert case.id is not None
    track = event.track
    if force and (user is None or user.role is not Role.LEGAL):
        raise InputError("--force needs --as a user of the legal role")
    if case.status is CaseStatus.CLOSED and not force:
        raise DuecourseError(
            f"case {case.id} is closed ({case.outcome.value if case.outcome else 'closed'}); "
            "a legal user may record a late court paper with --force"
        )
    recorded = recorded_steps(session, case.id)
    reached = track_reached(track, _stages_seen(session, case), recorded)
    if not force and not reached:
        stage = TRACK_STAGE[track].value
        raise DuecourseError(
            f"case {case.id} is in stage {case.stage.value}: {track.value} events need stage "
            f"{stage} (a legal user may record a court paper that came late with --force)"
        )
    checked = check_step(event, on, recorded, today=today(), calendar=calendar)
    doc_id = None
    if document is not None:
        if documents_dir is None:
            raise InputError("--document: no document store")
        doc = store_court_paper(
            session, case_id=case.id, file=document, documents_dir=documents_dir,
            as_of=today(), note=event.value,
        )  # fmt: skip
        doc_id = doc.id
    row, met, opened = add_event(
        session, case_id=case.id, event=event, on=on, note=note, actor=actor,
        late=checked.late, forced=force and not reached, document_id=doc_id,
        calendar=calendar,
    )  # fmt: skip
    return {
        "case_id": case.id,
        "stage": case.stage.value,
        "event": event_dict(row),
        "met": met,
        "opened": _statutory_dict(opened) if opened is not None else None,
        "open_deadlines": open_statutory(session, case.id),
    }


def event_dict(row: LegalEventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "track": row.track.value,
        "event": row.event.value,
        "on": row.on.isoformat(),
        "late": row.late,
        "forced": row.forced,
        "note": scrub_text(row.note) if row.note else None,
        "document_id": row.document_id,
        "actor": row.actor,
        "recorded_at": row.recorded_at.isoformat(),
        "opens": OPENS[row.event].kind.value if row.event in OPENS and not row.late else None,
    }


def list_legal_events(session: Session, case_ref: str) -> dict[str, Any]:
    """A case's court steps in recording order, with its open statutory deadlines."""
    case = find_case(session, case_ref)
    assert case.id is not None
    rows = session.exec(
        select(LegalEventRow)
        .where(LegalEventRow.case_id == case.id)
        .order_by(col(LegalEventRow.id))
    ).all()
    return {
        "case_id": case.id,
        "stage": case.stage.value,
        "events": [event_dict(r) for r in rows],
        "open_deadlines": open_statutory(session, case.id),
        "tracks": sorted({r.track.value for r in rows}, key=lambda t: list(Track).index(Track(t))),
    }
