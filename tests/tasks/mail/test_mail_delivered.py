"""The post office's results: a delivered letter is a demand, a returned one is not; bad rows
are quarantined with their line and reason; the same file twice changes nothing."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Contact, CycleAction, TimelineEvent
from rules import events
from rules.enums import ActionKind, ActionStatus, ContactStatus
from rules.errors import InputError
from tasks.mail.batch import mail_batch
from tasks.mail.delivered import import_deliveries
from tests.tasks.mail.conftest import DAY, MailStore

HEADER = "number,tracking_number,delivered_on,status,reason"


def _post(store: MailStore) -> list[str]:
    """Post the queued letters; their numbers in case order."""
    mail_batch(store.engine, DAY, store.setup)
    with Session(store.engine) as s:
        return [str(c.proof_ref) for c in s.exec(select(Contact).order_by(col(Contact.case_id)))]


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _state(store: MailStore) -> list[tuple[object, ...]]:
    with Session(store.engine) as s:
        contacts = s.exec(select(Contact).order_by(col(Contact.case_id))).all()
        lines = s.exec(
            select(CycleAction)
            .where(CycleAction.kind == ActionKind.MAIL)
            .order_by(col(CycleAction.case_id))
        ).all()
        return [
            (c.status, c.demand, c.tracking_number, c.delivered_on, c.reason, ln.status, ln.reason)
            for c, ln in zip(contacts, lines, strict=True)
        ]


def _events(store: MailStore, name: str) -> list[tuple[int, date, str]]:
    with Session(store.engine) as s:
        rows = s.exec(select(TimelineEvent).where(TimelineEvent.event == name)).all()
        return sorted((e.case_id, e.as_of, e.detail) for e in rows)


def test_delivered_is_a_demand_and_returned_is_not(store: MailStore, tmp_path: Path) -> None:
    numbers = _post(store)
    results = _write(
        tmp_path / "results.csv",
        [
            HEADER + ",extra",
            f"{numbers[0]},XA123456789CN,{DAY},delivered,,x",
            f"{numbers[1]},XA987654321CN,{DAY},returned,地址错误 wrong address,x",
        ],
    )
    report = import_deliveries(store.engine, results, quarantine_dir=tmp_path / "q")
    assert (report.rows, report.delivered, report.returned, report.quarantined) == (2, 1, 1, 0)
    assert report.quarantine_file is None
    delivered, returned, untouched = _state(store)
    assert delivered[:4] == (ContactStatus.DELIVERED, True, "XA123456789CN", DAY)
    assert delivered[5] is ActionStatus.DELIVERED
    assert returned[:3] == (ContactStatus.RETURNED, False, "XA987654321CN")
    assert returned[4] == "地址错误 wrong address" and returned[5] is ActionStatus.FAILED
    assert "wrong address" in str(returned[6])
    assert untouched[0] is ContactStatus.SENT and untouched[5] is ActionStatus.SENT
    (demand,) = _events(store, events.DEMAND_DELIVERED)
    assert demand[:2] == (store.case_ids[0], DAY) and "Art. 195" in demand[2]
    (back,) = _events(store, events.LETTER_RETURNED)
    assert back[:2] == (store.case_ids[1], DAY) and "not a demand" in back[2]

    before = _state(store)
    again = import_deliveries(store.engine, results, quarantine_dir=tmp_path / "q")
    assert (again.delivered, again.returned, again.unchanged, again.quarantined) == (0, 0, 2, 0)
    assert _state(store) == before and len(_events(store, events.DEMAND_DELIVERED)) == 1


def test_bad_rows_are_quarantined_and_the_rest_load(store: MailStore, tmp_path: Path) -> None:
    numbers = _post(store)
    future = DAY + timedelta(days=1)
    results = _write(
        tmp_path / "results.csv",
        [
            HEADER,
            f"{numbers[0]},T1,{DAY},delivered,",  # good
            "CL-1999-000001,T2,2026-11-02,delivered,",  # unknown number
            f"{numbers[1]},T3,2026-13-01,delivered,",  # bad date
            f"{numbers[1]},T3,{future},delivered,",  # future
            f"{numbers[1]},T3,{DAY - timedelta(days=1)},delivered,",  # before posting
            f"{numbers[1]},T3,{DAY},lost,",  # unknown status
            f"{numbers[1]},,{DAY},delivered,",  # no tracking number
            f"{numbers[0]},T1,{DAY},returned,refused",  # conflicts with line 2
            f'"{numbers[2]},T4',  # unreadable line
        ],
    )
    report = import_deliveries(store.engine, results, quarantine_dir=tmp_path / "q")
    assert (report.rows, report.delivered, report.quarantined) == (9, 1, 8)
    assert report.quarantine_file is not None
    bad = list(csv.DictReader(report.quarantine_file.open(encoding="utf-8-sig")))
    reasons = {int(r["line"]): r["problem"] for r in bad}
    assert sorted(reasons) == list(range(3, 11))
    assert "no posted letter" in reasons[3]
    assert "not a date" in reasons[4]
    assert "in the future" in reasons[5]
    assert "before the letter was posted" in reasons[6]
    assert "neither delivered nor returned" in reasons[7]
    assert "tracking number" in reasons[8]
    assert "two different results" in reasons[9]
    assert "quote" in reasons[10]
    assert bad[0]["number"] == "CL-1999-000001"
    statuses = [s[0] for s in _state(store)]
    assert statuses == [ContactStatus.DELIVERED, ContactStatus.SENT, ContactStatus.SENT]
    # a later file with another result for a recorded letter is refused, not applied
    later = _write(tmp_path / "later.csv", [HEADER, f"{numbers[0]},T1,{DAY},returned,refused"])
    first_file = report.quarantine_file
    report = import_deliveries(store.engine, later, quarantine_dir=tmp_path / "q")
    assert report.quarantined == 1 and report.quarantine_file not in (None, first_file)
    assert _state(store)[0][0] is ContactStatus.DELIVERED


def test_a_gb18030_file_with_chinese_statuses(store: MailStore, tmp_path: Path) -> None:
    numbers = _post(store)
    results = _write(
        tmp_path / "邮局回执.csv",
        [HEADER, f"{numbers[0]},T1,{DAY},妥投,", f"{numbers[1]},T2,{DAY},退件,收件人拒收"],
        encoding="gb18030",
    )
    report = import_deliveries(store.engine, results, quarantine_dir=tmp_path / "q")
    assert (report.delivered, report.returned, report.quarantined) == (1, 1, 0)
    assert _state(store)[1][4] == "收件人拒收"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"number,status\nCL-1,delivered\n", "missing columns: tracking_number, delivered_on"),
        (HEADER.encode() + b"\n\xff\xfe\xfa,x\n", "neither UTF-8 nor GB18030"),
        (b"", "empty file"),
    ],
)
def test_a_bad_file_is_one_input_error(
    sqlite_engine: Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        import_deliveries(sqlite_engine, path, quarantine_dir=tmp_path / "q")
    with pytest.raises(InputError, match="no such file"):
        import_deliveries(sqlite_engine, tmp_path / "none.csv", quarantine_dir=tmp_path / "q")
