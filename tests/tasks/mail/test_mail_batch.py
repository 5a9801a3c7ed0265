"""The mail batch: queued letters printed as one PDF + manifest, recorded as sent once."""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import Contact, CycleAction, Milestone, TimelineEvent
from rules import events
from rules.enums import ActionKind, ActionStatus, Channel, ContactStatus, MilestoneStatus, Party
from rules.errors import DuecourseError
from tasks.contacts.record import contact_key
from tasks.cycle.core import run_day
from tasks.mail.batch import mail_batch
from tasks.mail.manifest import MANIFEST_COLUMNS, postcode, sheets
from tests.tasks.cycle_data import bundle
from tests.tasks.mail.conftest import DAY, MailStore, queue_mail

BATCH_NAME = f"collection_letter-{DAY.isoformat()}.pdf"


def _mail_lines(store: MailStore) -> list[CycleAction]:
    with Session(store.engine) as s:
        return list(
            s.exec(
                select(CycleAction)
                .where(CycleAction.kind == ActionKind.MAIL)
                .order_by(col(CycleAction.case_id))
            )
        )


def _contacts(store: MailStore) -> list[Contact]:
    with Session(store.engine) as s:
        return list(s.exec(select(Contact).order_by(col(Contact.case_id))))


def _events(store: MailStore, name: str) -> list[TimelineEvent]:
    with Session(store.engine) as s:
        return list(
            s.exec(
                select(TimelineEvent)
                .where(TimelineEvent.event == name)
                .order_by(col(TimelineEvent.case_id))
            )
        )


def _pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", "", out.stdout)


def _pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    found = re.search(r"Pages:\s+(\d+)", info.stdout)
    assert found is not None
    return int(found.group(1))


def test_a_batch_posts_each_queued_letter_once(store: MailStore) -> None:
    report = mail_batch(store.engine, DAY, store.setup)
    assert report.letters == 3 and report.already_posted == 0 and not report.blocked
    (batch,) = report.batches
    assert batch.pdf == store.setup.out_dir / BATCH_NAME and not batch.rebuilt
    assert batch.sha256 == hashlib.sha256(batch.pdf.read_bytes()).hexdigest()
    assert _pdf_pages(batch.pdf) == batch.pages == 6  # two pages a letter
    assert batch.sheets == 6  # simplex

    rows = list(csv.DictReader(batch.manifest.open(encoding="utf-8")))
    assert list(rows[0]) == MANIFEST_COLUMNS
    assert [r["addressee"] for r in rows] == ["赵一", "钱二", "孙三"]
    assert rows[0]["address"] == "浙江省杭州市西湖区文三路100号"  # the envelope: whole
    assert all(r["tracking_number"] == "" and r["sheets"] == "2" for r in rows)
    text = _pdf_text(batch.pdf)
    assert all(r["number"] in text for r in rows) and "钱二" in text

    contacts = _contacts(store)
    lines = _mail_lines(store)
    assert [c.case_id for c in contacts] == store.case_ids
    for contact, line, row in zip(contacts, lines, rows, strict=True):
        assert contact.key == contact_key(line.case_id, line.step, Channel.MAIL, line.as_of)
        assert contact.channel is Channel.MAIL and contact.status is ContactStatus.SENT
        assert contact.party is Party.DEBTOR and contact.action_id == line.id
        assert contact.proof_ref == row["number"] and contact.document_id is not None
        assert contact.to_masked == "浙江省杭州市****" and "100" not in contact.to_masked
        assert contact.template == "collection_letter" and contact.template_version == 2
        assert contact.conduct == store.setup.pack.fingerprint and not contact.demand
        assert contact.as_of == DAY and contact.at.tzinfo is not None
        assert line.status is ActionStatus.SENT
        assert line.reason == f"posted in mail batch {BATCH_NAME}"
    sent = _events(store, events.LETTER_SENT)
    assert [(e.case_id, e.as_of) for e in sent] == [(c, DAY) for c in store.case_ids]
    assert rows[0]["number"] in sent[0].detail

    again = mail_batch(store.engine, DAY, store.setup)  # a rerun posts nothing new ...
    assert again.letters == 0 and len(_contacts(store)) == 3
    assert len(_events(store, events.LETTER_SENT)) == 3
    (rebuilt,) = again.batches  # ... and prints the same batch again from the stored letters
    assert rebuilt.rebuilt and rebuilt.created == 0 and rebuilt.reused == 3
    assert rebuilt.sha256 == batch.sha256 and rebuilt.pdf == batch.pdf


def test_a_line_whose_letter_was_posted_is_not_posted_again(store: MailStore) -> None:
    mail_batch(store.engine, DAY, store.setup)
    first = _contacts(store)
    with store.engine.begin() as conn:  # e.g. a dispatcher rerun queued it once more
        conn.execute(
            sa.text(
                "UPDATE cycle_action SET status = 'queued' WHERE kind = 'mail' AND case_id = :c"
            ),
            {"c": store.case_ids[0]},
        )
    report = mail_batch(store.engine, DAY, store.setup)
    assert report.letters == 0 and report.already_posted == 1
    assert [c.id for c in _contacts(store)] == [c.id for c in first]
    line = _mail_lines(store)[0]
    assert line.status is ActionStatus.SENT
    assert line.reason == f"already posted: letter {first[0].proof_ref} in {BATCH_NAME}"


def test_a_dispute_opened_since_blocks_the_letter(store: MailStore) -> None:
    disputed = store.case_ids[1]
    with Session(store.engine) as s:
        s.add(TimelineEvent(case_id=disputed, as_of=DAY, event=events.DISPUTE_OPEN, detail="t"))
        s.commit()
    report = mail_batch(store.engine, DAY, store.setup)
    assert report.letters == 2 and dict(report.blocked) == {"dispute_open": 1}
    assert disputed not in {c.case_id for c in _contacts(store)}
    blocked = next(ln for ln in _mail_lines(store) if ln.case_id == disputed)
    assert blocked.status is ActionStatus.BLOCKED and "dispute" in blocked.reason
    rows = list(csv.DictReader(report.batches[0].manifest.open(encoding="utf-8")))
    assert [r["addressee"] for r in rows] == ["赵一", "孙三"]


def test_a_closed_case_is_skipped_and_a_backdated_batch_refused(
    store: MailStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE collection_case SET status = 'closed' WHERE id = {store.case_ids[2]}"
        )
    monkeypatch.setenv("DUECOURSE_TODAY", (DAY + timedelta(days=1)).isoformat())
    with pytest.raises(DuecourseError, match="dated today"):
        mail_batch(store.engine, DAY, store.setup)  # letters are never backdated
    assert {ln.status for ln in _mail_lines(store)} == {ActionStatus.QUEUED}  # nothing recorded
    assert _contacts(store) == []
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    report = mail_batch(store.engine, DAY, store.setup)
    assert report.letters == 2
    assert report.skipped == {"case closed before the letter was posted": 1}
    assert _mail_lines(store)[2].status is ActionStatus.SKIPPED


def test_posting_meets_the_milestone_the_next_day(
    store: MailStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_batch(store.engine, DAY, store.setup)
    next_day = DAY + timedelta(days=1)
    monkeypatch.setenv("DUECOURSE_TODAY", next_day.isoformat())
    run_day(store.engine, next_day, bundle())
    with Session(store.engine) as s:
        statuses = {m.case_id: m.status for m in s.exec(select(Milestone))}
    assert statuses == {c: MilestoneStatus.MET for c in store.case_ids}


def test_nothing_queued_posts_nothing(store: MailStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cycle_action SET status = 'planned' WHERE kind = 'mail'")
    report = mail_batch(store.engine, DAY, store.setup)
    assert (report.letters, report.batches, report.already_posted) == (0, [], 0)
    assert queue_mail(store.engine) == 3  # still there for the dispatcher


def test_manifest_postcode_and_sheets() -> None:
    assert postcode("浙江省杭州市西湖区文三路100号（邮编：310012）") == "310012"
    assert postcode("浙江省杭州市西湖区文三路100号 310012") == "310012"
    assert postcode("浙江省杭州市西湖区文三路100号") == ""
    assert postcode("某路1234567") == ""
    assert sheets(3, duplex=True) == 2 and sheets(3, duplex=False) == 3
