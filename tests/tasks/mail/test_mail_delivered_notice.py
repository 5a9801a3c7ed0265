"""A delivered letter whose kind is not a demand for payment (its manifest says `demand: false`,
a notice) is recorded delivered but never as a demand: no `demand_delivered` event saying "an
effective demand (Civil Code Art. 195)" on the timeline, which is what the limitation clock and
the legal department read; a `letter_delivered` event instead."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from models import Contact, TimelineEvent
from rules import events
from rules.enums import ContactStatus
from tasks.mail.batch import mail_batch
from tasks.mail.delivered import import_deliveries
from tests.tasks.mail.conftest import DAY, MailStore

NOTICE = "predue_sms"  # any kind whose manifest says demand: false


def test_a_delivered_notice_is_not_a_demand_on_the_timeline(
    store: MailStore, tmp_path: Path
) -> None:
    mail_batch(store.engine, DAY, store.setup)
    with Session(store.engine) as s:
        letter = s.exec(select(Contact).order_by(col(Contact.case_id))).first()
        assert letter is not None
        letter.template = NOTICE  # posted as a notice, not a collection letter
        s.add(letter)
        s.commit()
        number, case_id = str(letter.proof_ref), letter.case_id
    results = tmp_path / "results.csv"
    results.write_text(
        f"number,tracking_number,delivered_on,status,reason\n{number},XA1CN,{DAY},delivered,\n",
        encoding="utf-8",
    )
    report = import_deliveries(store.engine, results, quarantine_dir=tmp_path / "q")
    assert (report.delivered, report.quarantined) == (1, 0)
    with Session(store.engine) as s:
        stored = s.exec(select(Contact).where(Contact.proof_ref == number)).one()
        assert (stored.status, stored.demand) == (ContactStatus.DELIVERED, False)
        names = {e.event: e.detail for e in s.exec(select(TimelineEvent)).all()}
        mine = s.exec(
            select(TimelineEvent).where(
                TimelineEvent.case_id == case_id, TimelineEvent.event == events.LETTER_DELIVERED
            )
        ).one()
    assert events.DEMAND_DELIVERED not in names
    assert mine.as_of == DAY and "not a demand" in mine.detail and "Art. 195" not in mine.detail
