"""The final lawyer's letter through the channels: the line `after_cycle` plans for a placed case
that entered lawyer_letter, queued by the dispatcher (set here), posted by `mail batch` (the
letter rendered that day, `letter_sent`), and its delivery imported by `mail delivered`: a
written demand (`demand_delivered`), since the kind's manifest says `demand: true`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Case, Contact, Document, TimelineEvent
from rules import events
from rules.enums import ContactStatus, Role, Stage
from rules.roster import User
from tasks.law_firms.letters import LetterSetup, after_cycle
from tasks.law_firms.panel import load_panel
from tasks.law_firms.placement import place_case
from tasks.mail.batch import mail_batch
from tasks.mail.delivered import import_deliveries
from tests.factories import make_case
from tests.tasks.law_firms.conftest import TODAY
from tests.tasks.mail.conftest import POLICY, make_setup, queue_mail

LEGAL = User(name="lee", display_name="Lee", role=Role.LEGAL)


def test_the_final_letter_is_posted_and_its_delivery_is_a_demand(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        case = make_case(s, dpd=120, stage=Stage.LAWYER_LETTER, as_of=TODAY)
        assert case.id is not None
        case_id = case.id
        place_case(s, str(case_id), user=LEGAL, panel=load_panel(POLICY))
        s.commit()
    mail = make_setup(tmp_path)
    setup = LetterSetup(mail.documents_dir, mail.bank, mail.calendar, POLICY)
    assert after_cycle(engine, TODAY, setup).lines_planned == 1
    assert queue_mail(engine) == 1
    report = mail_batch(engine, TODAY, mail)
    assert report.letters == 1 and report.batches[0].kind == "lawyer_letter"
    with Session(engine) as s:
        (contact,) = s.exec(select(Contact)).all()
        doc = s.get(Document, contact.document_id)
        assert doc is not None and doc.kind == "lawyer_letter" and doc.as_of == TODAY
        assert contact.proof_ref == doc.number and str(doc.number).startswith("LL-")
    results = tmp_path / "results.csv"
    results.write_text(
        "number,tracking_number,delivered_on,status,reason\n"
        f"{doc.number},XA123456789CN,{TODAY},delivered,\n",
        encoding="utf-8",
    )
    delivered = import_deliveries(engine, results, quarantine_dir=tmp_path / "q")
    assert delivered.delivered == 1
    with Session(engine) as s:
        (contact,) = s.exec(select(Contact)).all()
        assert (contact.status, contact.demand) == (ContactStatus.DELIVERED, True)
        timeline = {e.event for e in s.exec(select(TimelineEvent)).all()}
        assert {events.PLACED, events.LETTER_SENT, events.DEMAND_DELIVERED} <= timeline
        stage = s.get(Case, case_id)
        assert stage is not None and stage.stage is Stage.LAWYER_LETTER
