"""The day's registered letters as one mail batch: `duecourse mail batch [--date D]`.

The dispatcher queues the ladder's `mail` action lines after the conduct gate; this posts them.
Each queued line of an open case is asked through the gate again (a dispute opened since it was
queued stops the letter: the line is `blocked` with the rule), then the letters of each template
kind are rendered as ONE printable PDF plus a manifest CSV (tasks/document_batch.render_batch),
under `<home>/mail/<D>/<kind>-<D>.pdf`. A letter is dated D and D must be today
(tasks/document_dating.py: a demand is never backdated, CPL 2023 Art. 114); a stored letter is
reused, so a rerun prints the same bytes.

For each letter one `Contact` (channel mail, status sent, the letter's number as proof) keyed by
the line it carries out (`contact_key(case, step, mail, line as-of)`), the line `sent`, and a
`letter_sent` timeline event dated D: "a letter counts as sent when posted" (issue 17), which
meets the ladder's `formal_demand_sent`. It becomes a demand only once delivered
(tasks/mail/delivered.py). The writes of a run are one transaction, under the store lock, so a
run posts all its letters or none, and a rerun finds the keys and posts nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Contact, CycleAction
from models.types import utcnow
from rules import events
from rules.calendar import BusinessCalendar
from rules.conduct import Verdict
from rules.conduct_pack import ConductPack
from rules.enums import ActionStatus, Channel, ContactStatus, Party
from rules.errors import DuecourseError
from rules.masking import mask_address
from tasks.bank import Bank
from tasks.clock import SHANGHAI, is_pinned, today
from tasks.contacts.record import add_event
from tasks.document_batch import render_batch
from tasks.mail.lines import (
    NOTE_PREFIX,
    MailLine,
    Plan,
    batch_name,
    day_batches,
    plan_lines,
    queued_lines,
)
from tasks.mail.manifest import write_manifest
from tasks.store_lock import StoreLock, holder_text

ACTION = CycleAction.__table__  # type: ignore[attr-defined]
Progress = Callable[[int], None]


@dataclass
class BatchFile:
    """One printed batch: a kind's letters of the day in one PDF, with its manifest."""

    kind: str
    pdf: Path
    manifest: Path
    sha256: str
    letters: int
    pages: int
    sheets: int
    created: int
    reused: int
    rebuilt: bool  # a batch posted by an earlier run, printed again from the stored letters

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "pdf": str(self.pdf),
            "manifest": str(self.manifest),
            "sha256": self.sha256,
            "letters": self.letters,
            "pages": self.pages,
            "sheets": self.sheets,
            "created": self.created,
            "reused": self.reused,
            "rebuilt": self.rebuilt,
        }


@dataclass
class MailReport:
    day: date
    letters: int = 0  # posted by this run
    already_posted: int = 0  # lines whose letter an earlier run posted
    batches: list[BatchFile] = field(default_factory=list)
    blocked: Counter[str] = field(default_factory=Counter)  # rule -> lines
    deferred: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, int] = field(default_factory=dict)  # why -> lines
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary; `pdf`, `manifest` and `sha256` name the batch when there is exactly
        one (the shipped ladder posts one kind), `batches` lists every file either way."""
        only = self.batches[0] if len(self.batches) == 1 else None
        return {
            "date": self.day.isoformat(),
            "letters": self.letters,
            "pdf": str(only.pdf) if only else None,
            "manifest": str(only.manifest) if only else None,
            "sha256": only.sha256 if only else None,
            "already_posted": self.already_posted,
            "blocked": dict(self.blocked),
            "deferred": dict(self.deferred),
            "skipped": self.skipped,
            "batches": [b.as_dict() for b in self.batches],
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class MailSetup:
    """Where letters are stored and printed, and the rules they are posted under."""

    documents_dir: Path
    out_dir: Path
    bank: Bank
    calendar: BusinessCalendar
    pack: ConductPack
    duplex: bool = False


POSTING_TIME = time(16, 0)  # a simulated day's letters go with the post room's afternoon round


def posting_moment(day: date) -> datetime:
    """When a letter posted on `day` is recorded as sent (UTC): now; on a simulated day
    (DUECOURSE_TODAY: the demo, tests) that day at POSTING_TIME, after the morning's dispatch
    queued them (the wall-clock time of the machine running the simulation means nothing)."""
    if not is_pinned():
        return datetime.now(SHANGHAI).astimezone(UTC)
    return datetime.combine(day, POSTING_TIME, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class _Printed:
    batch: BatchFile
    rows: list[dict[str, Any]]  # the manifest's rows (full addresses: never printed to stdout)
    stored: list[dict[str, Any]]  # the letters' store fields, in the same order


def _print(
    engine: Engine, setup: MailSetup, kind: str, case_ids: list[int], day: date, name: str,
    *, rebuilt: bool, on_progress: Progress | None,
) -> _Printed:  # fmt: skip
    out = setup.out_dir / name
    report = render_batch(
        engine, setup.documents_dir, setup.bank, kind, case_ids, day,
        out=out, calendar=setup.calendar, duplex=setup.duplex, on_progress=on_progress,
    )  # fmt: skip
    rows = write_manifest(report.manifest_csv, report.rows, duplex=setup.duplex)
    batch = BatchFile(
        kind=kind,
        pdf=out,
        manifest=report.manifest_csv,
        sha256=report.sha256,
        letters=report.documents,
        pages=report.pages,
        sheets=sum(int(r["sheets"]) for r in rows),
        created=report.created,
        reused=report.reused,
        rebuilt=rebuilt,
    )
    return _Printed(batch, rows, report.stored)


def mail_batch(
    engine: Engine, day: date, setup: MailSetup, *, on_progress: Progress | None = None
) -> MailReport:
    """Post the mail lines queued on or before `day` (see the module's doc); returns what was
    posted, printed again, blocked and skipped."""
    now = today()
    if day > now:
        raise DuecourseError(
            f"a mail batch for {day} is after today ({now}): letters are posted on the day "
            "they are dated, and a demand is never dated ahead (CPL Art. 114)"
        )
    with StoreLock(engine, holder_text("a mail batch", day)):
        at = posting_moment(day)
        with Session(engine, expire_on_commit=False) as session:
            plan = plan_lines(session, queued_lines(session, day), at, setup.pack, setup.calendar)
            earlier = day_batches(session, day)
        report = MailReport(day=day)
        printed: list[tuple[_Printed, list[MailLine]]] = []
        rebuilt: list[BatchFile] = []
        taken = set(earlier)
        for kind, lines in sorted(plan.post.items()):
            name = batch_name(kind, day, taken)
            taken.add(name)
            ids = [line.case_id for line in lines]
            done = _print(
                engine, setup, kind, ids, day, name, rebuilt=False, on_progress=on_progress
            )
            printed.append((done, lines))
        for name, ids in sorted(earlier.items()):
            kind = name.split("-", 1)[0]
            again = _print(engine, setup, kind, ids, day, name, rebuilt=True, on_progress=None)
            rebuilt.append(again.batch)
        _record(engine, day, at, setup.pack, plan, printed)
    report.batches = [done.batch for done, _ in printed] + rebuilt
    _summarise(report, plan, printed)
    return report


def _summarise(
    report: MailReport, plan: Plan, printed: list[tuple[_Printed, list[MailLine]]]
) -> None:
    report.letters = sum(p.batch.letters for p, _ in printed)
    report.already_posted = len(plan.already)
    for _, decision in plan.stopped:
        rule = decision.rule.value if decision.rule else "gate"
        target = report.deferred if decision.verdict is Verdict.DEFER else report.blocked
        target[rule] += 1
    skipped: Counter[str] = Counter(why for _, why in plan.skipped)
    report.skipped = dict(skipped)


def _move(conn: sa.Connection, updates: list[dict[str, Any]]) -> None:
    """Queued lines to their new status; a line another process moved meanwhile fails the run
    (nothing of it is kept: the caller's transaction rolls back)."""
    if not updates:
        return
    result = conn.execute(
        sa.update(ACTION)
        .where(ACTION.c.id == sa.bindparam("b_id"), ACTION.c.status == ActionStatus.QUEUED)
        .values(
            status=sa.bindparam("b_status"),
            reason=sa.bindparam("b_reason"),
            not_before=sa.bindparam("b_not_before"),
            updated_at=sa.bindparam("b_now"),
        ),
        updates,
    )
    if result.rowcount != len(updates):
        raise DuecourseError(
            "mail lines changed while the batch was printed (another dispatch or mail batch?): "
            "nothing was recorded; run it again"
        )


def _update(line: MailLine, status: ActionStatus, reason: str, now: datetime,
            not_before: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "b_id": line.id,
        "b_status": status,
        "b_reason": reason,
        "b_not_before": not_before,
        "b_now": now,
    }


def _record(
    engine: Engine,
    day: date,
    at: datetime,
    pack: ConductPack,
    plan: Plan,
    printed: list[tuple[_Printed, list[MailLine]]],
) -> None:
    """One transaction: the contacts, timeline events and line moves of the run."""
    now = utcnow()
    updates: list[dict[str, Any]] = []
    try:
        with Session(engine) as session:
            for done, lines in printed:
                updates += _post(
                    session, day=day, at=at, pack=pack, done=done, lines=lines, now=now
                )
            for line, decision in plan.stopped:
                status = (
                    ActionStatus.DEFERRED
                    if decision.verdict is Verdict.DEFER
                    else ActionStatus.BLOCKED
                )
                updates.append(_update(line, status, decision.reason, now, decision.not_before))
            for line, why in plan.skipped:
                updates.append(_update(line, ActionStatus.SKIPPED, why, now))
            for line, contact in plan.already:
                where = contact.note.removeprefix(NOTE_PREFIX) or "an earlier batch"
                why = f"already posted: letter {contact.proof_ref or '-'} in {where}"
                updates.append(_update(line, ActionStatus.SENT, why, now))
            session.flush()
            _move(session.connection(), updates)
            session.commit()
    except sa.exc.IntegrityError:
        raise DuecourseError(
            "another mail batch posted some of these letters at the same time: nothing was "
            "recorded by this one; run it again"
        ) from None


def _post(
    session: Session,
    *,
    day: date,
    at: datetime,
    pack: ConductPack,
    done: _Printed,
    lines: list[MailLine],
    now: datetime,
) -> list[dict[str, Any]]:
    """The contact and `letter_sent` event of each letter of one printed batch."""
    name = done.batch.pdf.name
    updates = []
    for line, row, stored in zip(lines, done.rows, done.stored, strict=True):
        number = str(stored["number"] or "")
        session.add(
            Contact(
                key=line.key,
                case_id=line.case_id,
                action_id=line.id,
                as_of=day,
                at=at,
                channel=Channel.MAIL,
                party=Party.DEBTOR,
                to_masked=mask_address(str(row["address"])),
                template=done.batch.kind,
                template_version=stored["template_version"],
                document_id=stored["id"],
                status=ContactStatus.SENT,
                proof_ref=number,
                conduct=pack.fingerprint,
                note=f"{NOTE_PREFIX}{name}",
            )
        )
        add_event(
            session,
            case_id=line.case_id,
            event=events.LETTER_SENT,
            as_of=day,
            detail=f"letter {number} ({done.batch.kind}) posted in mail batch {name}",
        )
        updates.append(_update(line, ActionStatus.SENT, f"posted in mail batch {name}", now))
    return updates
