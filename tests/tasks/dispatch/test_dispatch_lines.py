"""Which lines a run takes and what becomes of those it cannot send: a closed case or one that
moved stage skipped with the reason, a debtor without a mobile number failed, lines older than
the carry window stale, calls and visits queued for their owner, letters for the mail batch;
and the run's record and its markdown for the Prefect artifact."""

from __future__ import annotations

import json
from datetime import time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import TimelineEvent
from rules.enums import Channel, Stage
from rules.events import DISPUTE_OPEN
from tasks.channels.sms_outbox import SmsOutbox
from tasks.dispatch.lines import CARRY_DAYS
from tasks.dispatch.report import day_contacts, day_contacts_markdown, dispatch_markdown
from tasks.dispatch.run import FLOW, dispatch_day
from tests.tasks.dispatch.data import (
    DAY,
    close_case,
    contacts_of,
    context,
    drop_phone,
    line,
    lines_of,
    local,
    overdue_case,
    set_stage,
)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())


def test_lines_that_cannot_go_say_why(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        closed, moved, no_phone = overdue_case(s), overdue_case(s), overdue_case(s)
        closed_line, moved_line, phone_line = line(s, closed), line(s, moved), line(s, no_phone)
        close_case(s, closed)
        set_stage(s, moved, Stage.FORMAL_DEMAND)
        drop_phone(s, no_phone)
        s.commit()
    outbox = tmp_path / "sms.jsonl"

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(outbox)}))

    states = lines_of(engine)
    assert states[closed_line][:2] == ("skipped", "the case is closed")
    assert states[moved_line][:2] == (
        "skipped",
        "the case moved to formal_demand since this was planned",
    )
    assert states[phone_line][:2] == ("failed", "no mobile number on file")
    assert report.outcome.statuses == {"sms:skipped": 2, "sms:failed": 1}
    assert report.outcome.failures == {"no mobile number on file": 1}
    assert contacts_of(engine) == [] and not outbox.exists()


def test_stale_lines_are_skipped_and_the_last_carried_day_still_goes(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        case_id = overdue_case(s, day=DAY - timedelta(days=CARRY_DAYS + 1))
        stale = line(s, case_id, day=DAY - timedelta(days=CARRY_DAYS + 1), step="x:sms#stale")
        carried = line(s, case_id, day=DAY - timedelta(days=CARRY_DAYS))
        s.commit()

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    assert report.stale == 1 and report.as_dict()["stale"] == 1
    assert lines_of(engine)[stale][:2] == (
        "skipped",
        f"stale: not carried out within {CARRY_DAYS} days of its plan",
    )
    assert lines_of(engine)[carried][0] == "sent"
    (contact,) = contacts_of(engine)
    assert contact.action_id == carried and contact.as_of == DAY


def test_calls_and_visits_join_the_owners_queue_and_letters_the_mail_batch(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        owned = overdue_case(s, owner="bob")
        nobody = overdue_case(s, owner=None)
        letter_case = overdue_case(s, stage=Stage.FORMAL_DEMAND)
        call = line(s, owned, channel=Channel.CALL, step="soft_reminder:first_call#1",
                    template=None)  # fmt: skip
        visit = line(s, nobody, channel=Channel.VISIT, step="soft_reminder:visit#1",
                     template=None)  # fmt: skip
        letter = line(s, letter_case, channel=Channel.MAIL,
                      step="formal_demand:collection_letter#1",
                      template="collection_letter")  # fmt: skip
        s.commit()

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    states = lines_of(engine)
    assert states[call] == ("queued", "in bob's work queue", None)
    assert states[visit][:2] == ("queued", "in the unassigned's work queue")
    assert states[letter] == ("queued", "awaiting the day's mail batch", None)
    assert report.outcome.statuses == {"call:queued": 1, "visit:queued": 1, "mail:queued": 1}
    assert contacts_of(engine) == []  # a queued call or letter is not a contact yet


def test_the_run_is_recorded_and_its_markdown_names_the_rules(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as s:
        sent_case, disputed, failing = overdue_case(s), overdue_case(s), overdue_case(s)
        for case_id in (sent_case, disputed, failing):
            line(s, case_id)
        s.add(TimelineEvent(case_id=disputed, as_of=DAY, event=DISPUTE_OPEN))
        drop_phone(s, failing)
        s.commit()
    before = dispatch_day(
        context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")})
    )  # the first run
    with Session(engine) as s:
        line(s, overdue_case(s), step="soft_reminder:reminder_sms#2")
        s.commit()

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, as_of, flow, status, cases, counts, warnings, policy_version, "
                "error, finished_at FROM cycle_run WHERE flow = :flow ORDER BY id"
            ),
            {"flow": FLOW},
        ).all()
    assert [r[0] for r in rows] == [before.run_id, report.run_id]
    first = rows[0]
    assert str(first[1]) == DAY.isoformat() and first[2] == "contact_dispatch"
    assert first[3] == "succeeded" and first[4] == 3 and first[8] is None
    assert first[9] is not None
    assert json.loads(first[5]) == {"sms:blocked": 1, "sms:failed": 1, "sms:sent": 1}
    assert json.loads(first[6]) == ["blocked by dispute_open: 1"]  # the run list's warnings
    assert first[7] == before.pack and first[7].startswith("cn@v1")
    assert json.loads(rows[1][5]) == {"sms:sent": 1} and rows[1][4] == 1

    text = dispatch_markdown(before.as_dict())
    assert text.startswith(f"# Contact dispatch {DAY.isoformat()} at 10:00 +0800 (run ")
    assert "Conduct pack `cn@v1" in text and "3 lines taken in 1 batch(es)" in text
    assert "| sms | 1 | 0 | 0 | 0 | 1 | 1 | 0 |" in text
    assert "## Blocked by rule (1)" in text and "| dispute_open | 1 |" in text
    assert "## Deferred by rule (0)" in text
    assert "| no mobile number on file | 1 |" in text
    assert "13812345678" not in text and "sms outbox" in text


def test_two_lines_of_one_contact_send_one_message(engine: Engine, tmp_path: Path) -> None:
    """Regression: two planned lines with the same contact key (case, step, channel, day) in one
    batch inserted two `sending` rows with one unique key: the run crashed, and every rerun of
    the day with it."""
    with Session(engine) as s:
        case_id = overdue_case(s)
        first, second = line(s, case_id), line(s, case_id)
        s.commit()
    outbox = tmp_path / "sms.jsonl"

    report = dispatch_day(context(engine, {Channel.SMS: SmsOutbox(outbox)}))

    (contact,) = contacts_of(engine)
    assert contact.action_id == first and contact.status.value == "sent"
    states = lines_of(engine)
    assert states[first] == states[second] == ("sent", contact.proof_ref, None)
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == 1
    assert report.outcome.statuses == {"sms:sent": 2}


def test_a_later_line_of_a_sent_contact_does_not_rewrite_its_proof(
    engine: Engine, tmp_path: Path
) -> None:
    """Regression: a line finding its contact already sent rewrote the contact's time (the day
    and hour its demand was made) to the later run's, and its reason to "already sent"."""
    with Session(engine) as s:
        case_id = overdue_case(s)
        first = line(s, case_id)
        s.commit()
    dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))
    (before,) = contacts_of(engine)
    with Session(engine) as s:
        later = line(s, case_id)  # the same step of the same day, planned again
        s.commit()

    report = dispatch_day(
        context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}, at=time(15, 0))
    )

    (after,) = contacts_of(engine)
    assert (after.at, after.reason, after.proof_ref, after.demand) == (
        before.at, "", before.proof_ref, True,
    )  # fmt: skip
    assert after.at == local(DAY, 10) and after.updated_at == before.updated_at
    assert lines_of(engine)[later] == ("sent", before.proof_ref, None)
    assert lines_of(engine)[first][0] == "sent" and report.outcome.statuses == {"sms:sent": 1}


def test_the_days_contacts_for_the_daily_cycles_artifact(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        sent_case, closed = overdue_case(s), overdue_case(s)
        line(s, sent_case)
        line(s, closed)
        line(s, sent_case, channel=Channel.CALL, step="soft_reminder:first_call#1", template=None)
        close_case(s, closed)
        s.commit()
    dispatch_day(context(engine, {Channel.SMS: SmsOutbox(tmp_path / "sms.jsonl")}))

    with engine.connect() as conn:
        counts = day_contacts(conn, DAY)
        other_day = day_contacts(conn, DAY + timedelta(days=1))

    assert counts == {
        "lines": {"call:queued": 1, "sms:sent": 1, "sms:skipped": 1},
        "contacts": {"sms:sent": 1},
    }
    assert other_day == {"lines": {}, "contacts": {}}
    text = "\n".join(day_contacts_markdown(counts))
    assert "## Channel actions by status (3)" in text and "| sms:skipped | 1 |" in text
    assert "## Contacts recorded that day (1)" in text
