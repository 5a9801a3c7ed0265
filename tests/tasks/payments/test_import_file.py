"""The bank's payments file: duplicates counted once, GB18030, bad rows quarantined."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Payment, TimelineEvent
from rules import events
from rules.errors import InputError
from tasks.payments.import_file import PaymentsReport, import_payments
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tests.factories import make_case

HEADER = "account_id,amount,paid_on,reference\n"


def _account(engine: Engine) -> str:
    with Session(engine) as session:
        case = make_case(session)
        session.commit()
        return case.account_id


def _import(engine: Engine, path: Path, tmp_path: Path) -> PaymentsReport:
    return import_payments(
        engine, path, quarantine_dir=tmp_path / "q", policy_dir=SHIPPED_POLICY_DIR
    )


def test_duplicate_reference_counted_once_in_file_and_against_store(
    engine: Engine, tmp_path: Path
) -> None:
    acc = _account(engine)
    path = tmp_path / "pay.csv"
    path.write_text(
        HEADER + f"{acc},100.00,2026-11-05,TX1\n{acc},100.00,2026-11-05,TX1\n{acc},5,2026-11-06,\n",
        encoding="utf-8",
    )
    first = _import(engine, path, tmp_path)
    assert (first.rows, first.recorded, first.duplicates, first.quarantined) == (3, 2, 1, 0)
    again = _import(engine, path, tmp_path)
    # TX1 is in the store now; a row without a reference is a new payment each time
    assert (again.recorded, again.duplicates) == (1, 2)
    with Session(engine) as session:
        amounts = sorted(p.amount for p in session.exec(select(Payment)).all())
        assert amounts == [Decimal("5.00"), Decimal("5.00"), Decimal("100.00")]
        received = session.exec(
            select(TimelineEvent).where(TimelineEvent.event == events.PAYMENT_RECEIVED)
        ).all()
        assert len(received) == 3


def test_gb18030_file(engine: Engine, tmp_path: Path) -> None:
    acc = _account(engine)
    path = tmp_path / "pay.csv"
    path.write_bytes(
        (HEADER.rstrip("\n") + ",备注\n" + f"{acc},20850.00,2026-11-05,流水001,还清\n").encode(
            "gb18030"
        )
    )
    report = _import(engine, path, tmp_path)
    assert report.recorded == 1 and report.payments[0]["closed"] is True
    assert report.payments[0]["reference"] == "流水001"


def test_bad_rows_quarantined_with_line_and_reason(engine: Engine, tmp_path: Path) -> None:
    acc = _account(engine)
    path = tmp_path / "pay.csv"
    path.write_text(
        HEADER
        + f"{acc},10,2026-11-05,OK1\n"
        + "NOBODY,10,2026-11-05,X1\n"
        + f"{acc},-5,2026-11-05,X2\n"
        + f"{acc},1.234,2026-11-05,X3\n"
        + f"{acc},abc,2026-11-05,X4\n"
        + f"{acc},10,2026-13-01,X5\n"
        + f"{acc},10,2026-12-01,X6\n",
        encoding="utf-8",
    )
    report = _import(engine, path, tmp_path)
    assert (report.recorded, report.quarantined) == (1, 6)
    assert report.quarantine_file is not None
    with report.quarantine_file.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    reasons = {int(r["line"]): r["problem"] for r in rows}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "no case" in reasons[3]
    assert "positive" in reasons[4]
    assert "2 decimals" in reasons[5]
    assert "not a number" in reasons[6]
    assert "not a date" in reasons[7]
    assert "future" in reasons[8]


def test_bad_file_is_one_line(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        _import(engine, tmp_path / "missing.csv", tmp_path)
    path = tmp_path / "wrong.csv"
    path.write_text("account,amount\nA,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing columns"):
        _import(engine, path, tmp_path)


def test_a_row_after_the_case_closed_is_quarantined_and_the_rest_kept(
    engine: Engine, tmp_path: Path
) -> None:
    acc = _account(engine)  # owes 20,850.00 in all
    path = tmp_path / "pay.csv"
    path.write_text(
        HEADER + f"{acc},20850.00,2026-11-05,T1\n{acc},1.00,2026-11-06,T2\n", encoding="utf-8"
    )
    report = _import(engine, path, tmp_path)
    assert (report.recorded, report.quarantined) == (1, 1)
    assert report.quarantine_file is not None
    text = report.quarantine_file.read_text(encoding="utf-8-sig")
    assert "3," in text and "closed" in text
    with Session(engine) as session:
        assert [p.reference for p in session.exec(select(Payment)).all()] == ["T1"]
