from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import (
    BalanceSnapshot,
    CardAccount,
    Case,
    ContactPoint,
    Customer,
    QuarantinedRow,
    TimelineEvent,
)
from rules.enums import Bucket, CaseStatus, Outcome, Stage
from rules.errors import DuecourseError, InputError, NotFoundError
from tasks.case_file import build_case_file
from tasks.intake import import_snapshot
from tasks.policy import load_policy
from tests.factories import snapshot_row, write_snapshot

DAY1 = date(2026, 11, 2)
DAY2 = date(2026, 11, 3)


def _import(engine: Engine, path: Path, as_of: date, tmp_path: Path):  # type: ignore[no-untyped-def]
    return import_snapshot(
        engine, path, as_of, quarantine_dir=tmp_path / "q", policy=load_policy(None), chunk_size=2
    )


def _rows() -> list[dict[str, str]]:
    return [
        snapshot_row(account_id="A1", customer_id="C1", days_past_due="0", due_date="2026-11-10"),
        snapshot_row(account_id="A2", customer_id="C2", days_past_due="45"),
        snapshot_row(account_id="A3", customer_id="C2", days_past_due="200", principal="90000.00"),
    ]


def _cases(engine: Engine) -> dict[str, Case]:
    with Session(engine) as s:
        return {c.account_id: c for c in s.exec(select(Case)).all()}


def test_new_accounts_open_cases_by_bucket(engine: Engine, tmp_path: Path) -> None:
    result = _import(engine, write_snapshot(tmp_path / "d1.csv", _rows()), DAY1, tmp_path)
    assert (result.rows, result.imported, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert (result.quarantined, result.missing, result.opened) == (0, 0, 3)
    cases = _cases(engine)
    assert cases["A1"].bucket == Bucket.M0 and cases["A1"].stage == Stage.EARLY_WARNING
    assert cases["A2"].bucket == Bucket.M2 and cases["A2"].stage == Stage.FORMAL_DEMAND
    assert cases["A3"].bucket == Bucket.M7_PLUS
    with Session(engine) as s:
        assert len(s.exec(select(Customer)).all()) == 2  # C2 holds two accounts
        snap = s.get(BalanceSnapshot, ("A3", DAY1))
        assert snap is not None and snap.principal == 90000 and snap.days_past_due == 200
        emergency = s.exec(select(ContactPoint).where(ContactPoint.customer_id == "C1")).all()
        assert [(c.contact_name, c.value) for c in emergency] == [("李四", "13900001111")]


def test_the_same_file_again_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    rows = [*_rows(), snapshot_row(account_id="A9", principal="-1.00")]
    path = write_snapshot(tmp_path / "d1.csv", rows)
    first = _import(engine, path, DAY1, tmp_path)
    again = _import(engine, path, DAY1, tmp_path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    assert again.quarantined == first.quarantined == 1
    assert again.opened == 0 and again.closed == 0
    with Session(engine) as s:
        assert len(s.exec(select(Case)).all()) == 3
        assert len(s.exec(select(BalanceSnapshot)).all()) == 3
        assert len(s.exec(select(ContactPoint)).all()) == 2


def test_next_day_updates_balances_and_keeps_history(engine: Engine, tmp_path: Path) -> None:
    _import(engine, write_snapshot(tmp_path / "d1.csv", _rows()), DAY1, tmp_path)
    rows = _rows()
    rows[1]["days_past_due"] = "46"
    rows[1]["interest"] = "810.00"
    result = _import(engine, write_snapshot(tmp_path / "d2.csv", rows), DAY2, tmp_path)
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 2)
    with Session(engine) as s:
        account = s.get(CardAccount, "A2")
        assert account is not None and account.days_past_due == 46
        assert account.interest == 810 and account.last_as_of == DAY2
        history = s.exec(select(BalanceSnapshot).where(BalanceSnapshot.account_id == "A2")).all()
        assert sorted(h.days_past_due for h in history) == [45, 46]


def test_a_file_without_the_card_number_column_keeps_stored_card_numbers(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine, write_snapshot(tmp_path / "d1.csv", _rows()), DAY1, tmp_path)
    header = [c for c in _rows()[0] if c != "card_number"]  # the design's schema has none
    rows = _rows()
    rows[1]["days_past_due"] = "46"
    path = write_snapshot(tmp_path / "d2.csv", rows, header=header)
    result = _import(engine, path, DAY2, tmp_path)
    assert (result.updated, result.unchanged) == (1, 2)
    with Session(engine) as s:
        cards = {a.id: a.card_number for a in s.exec(select(CardAccount)).all()}
    assert cards == dict.fromkeys(("A1", "A2", "A3"), "6225880123456789")


def test_cured_paid_and_early_warning_rules(engine: Engine, tmp_path: Path) -> None:
    _import(engine, write_snapshot(tmp_path / "d1.csv", _rows()), DAY1, tmp_path)
    rows = _rows()
    rows[1]["days_past_due"] = "0"  # was 45: cured
    rows[2].update(principal="0.00", interest="0.00", fees="0.00")  # paid off
    result = _import(engine, write_snapshot(tmp_path / "d2.csv", rows), DAY2, tmp_path)
    assert result.closed == 2
    cases = _cases(engine)
    assert cases["A1"].status == CaseStatus.OPEN  # early warning, never past due
    assert (cases["A2"].status, cases["A2"].outcome, cases["A2"].stage) == (
        CaseStatus.CLOSED, Outcome.CURED, Stage.CURED,
    )  # fmt: skip
    assert cases["A3"].outcome == Outcome.PAID and cases["A3"].closed_on == DAY2
    # a cured account that falls behind again opens a new case; a paid one stays closed at DPD 0
    rows[1].update(days_past_due="3", due_date="2026-11-01")
    _import(engine, write_snapshot(tmp_path / "d3.csv", rows), date(2026, 11, 4), tmp_path)
    with Session(engine) as s:
        a2 = s.exec(select(Case).where(Case.account_id == "A2")).all()
        assert sorted(c.status for c in a2) == [CaseStatus.CLOSED, CaseStatus.OPEN]
        a3 = s.exec(select(Case).where(Case.account_id == "A3")).all()
        assert [c.status for c in a3] == [CaseStatus.CLOSED]


def test_absent_accounts_are_reported_and_flagged_not_closed(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine, write_snapshot(tmp_path / "d1.csv", _rows()), DAY1, tmp_path)
    result = _import(engine, write_snapshot(tmp_path / "d2.csv", _rows()[:2]), DAY2, tmp_path)
    assert result.missing == 1
    case = _cases(engine)["A3"]
    assert case.status == CaseStatus.OPEN and case.missing_since == DAY2
    with Session(engine) as s:
        events = s.exec(select(TimelineEvent).where(TimelineEvent.case_id == case.id)).all()
        assert [e.event for e in events] == ["missing"]
    # back the day after: the flag clears and the timeline says so
    result = _import(
        engine, write_snapshot(tmp_path / "d3.csv", _rows()), date(2026, 11, 4), tmp_path
    )
    assert result.missing == 0
    assert _cases(engine)["A3"].missing_since is None


def test_an_account_that_moves_customer_takes_its_open_case_along(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine, write_snapshot(tmp_path / "d1.csv", _rows()), DAY1, tmp_path)
    rows = _rows()
    rows[1].update(customer_id="C9", name="赵六", id_number="11010519491231002X")
    result = _import(engine, write_snapshot(tmp_path / "d2.csv", rows), DAY2, tmp_path)
    assert (result.updated, result.unchanged) == (1, 2)
    case = _cases(engine)["A2"]
    assert case.customer_id == "C9"  # the case file, letters and queues show the new holder
    with Session(engine) as s:
        assert build_case_file(s, "A2")["debtor"]["name"] == "赵六"
        events = s.exec(select(TimelineEvent).where(TimelineEvent.case_id == case.id)).all()
        assert [(e.event, e.detail) for e in events] == [
            ("customer", "account now held by customer C9 (was C2)")
        ]
    again = _import(engine, write_snapshot(tmp_path / "d2.csv", rows), DAY2, tmp_path)
    assert again.unchanged == 3 and _cases(engine)["A2"].version == case.version


def test_a_case_is_found_by_a_long_numeric_account_id(engine: Engine, tmp_path: Path) -> None:
    account = "6225880001234567"  # a number beyond a 32-bit case id (PostgreSQL refused it)
    rows = [snapshot_row(account_id=account), snapshot_row(account_id="2147483648")]
    _import(engine, write_snapshot(tmp_path / "d1.csv", rows), DAY1, tmp_path)
    with Session(engine) as s:
        assert build_case_file(s, account)["account_id"] == account
        assert build_case_file(s, "2147483648")["account_id"] == "2147483648"
        with pytest.raises(NotFoundError, match="no case with id or account '9223372036854775808'"):
            build_case_file(s, "9223372036854775808")


def test_an_account_number_with_leading_zeros_is_not_a_case_id(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [snapshot_row(account_id="A1"), snapshot_row(account_id="0001")]
    _import(engine, write_snapshot(tmp_path / "d1.csv", rows), DAY1, tmp_path)
    first = _cases(engine)["A1"].id
    with Session(engine) as s:
        assert build_case_file(s, f"{first:04d}")["account_id"] == f"{first:04d}"
        assert build_case_file(s, str(first))["account_id"] == "A1"


def test_bad_rows_are_quarantined_with_line_and_reason(engine: Engine, tmp_path: Path) -> None:
    rows = [
        *_rows(),
        snapshot_row(account_id="B1", principal="-5.00"),
        snapshot_row(account_id="B2", due_date="2026-13-01"),
        snapshot_row(account_id="B3", days_past_due="x"),
        snapshot_row(account_id="A2"),  # duplicate of line 3
    ]
    result = _import(engine, write_snapshot(tmp_path / "d1.csv", rows), DAY1, tmp_path)
    assert (result.imported, result.quarantined) == (3, 4)
    assert result.quarantine_file is not None
    with open(result.quarantine_file, encoding="utf-8-sig", newline="") as f:
        quarantined = list(csv.DictReader(f))
    assert [(q["line"], q["account_id"]) for q in quarantined] == [
        ("5", "B1"), ("6", "B2"), ("7", "B3"), ("8", "A2"),
    ]  # fmt: skip
    assert quarantined[0]["reason"] == "principal: negative amount '-5.00'"
    assert quarantined[3]["reason"] == "account_id: duplicate of line 3"
    with Session(engine) as s:
        stored = s.exec(select(QuarantinedRow).order_by(QuarantinedRow.line_number)).all()
        assert [q.line_number for q in stored] == [5, 6, 7, 8]
        assert '"principal": "-5.00"' in stored[0].raw


def test_text_the_columns_cannot_hold_is_quarantined_on_both_backends(
    engine: Engine, tmp_path: Path
) -> None:
    # PostgreSQL refuses text longer than the column and NUL characters; SQLite takes both
    rows = [
        *_rows(),
        snapshot_row(account_id="B1", name="张" * 201),
        snapshot_row(account_id="B2", address="文三路\x00100号"),
        snapshot_row(account_id="B" * 65),
        snapshot_row(account_id="B3\x00"),
        snapshot_row(account_id="B4", days_past_due="3000000000"),
    ]
    result = _import(engine, write_snapshot(tmp_path / "d1.csv", rows), DAY1, tmp_path)
    assert (result.imported, result.quarantined) == (3, 5)
    with Session(engine) as s:
        stored = s.exec(select(QuarantinedRow).order_by(col(QuarantinedRow.line_number))).all()
        assert [q.reason for q in stored] == [
            "name: longer than 200 characters",
            "address: contains a NUL character",
            "account_id: longer than 64 characters",
            "account_id: contains a NUL character",
            "days_past_due: more than 2147483647",
        ]
        assert [q.account_id for q in stored] == ["B1", "B2", None, None, "B4"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_chinese_encodings_are_read(sqlite_engine: Engine, tmp_path: Path, encoding: str) -> None:
    path = write_snapshot(tmp_path / "gbk.csv", _rows(), encoding=encoding)
    result = _import(sqlite_engine, path, DAY1, tmp_path)
    assert result.imported == 3
    with Session(sqlite_engine) as s:
        assert s.get(Customer, "C1").name == "张三"  # type: ignore[union-attr]


def test_gbk_after_a_first_sample_of_ascii_is_read(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tasks.snapshot_file.SAMPLE_BYTES", 4096)
    ascii_only = {"name": "Zhang San", "address": "1 Main St", "province": "ZJ"}
    rows = [
        snapshot_row(account_id=f"E{i}", customer_id=f"E{i}", emergency_contact_name="Li",
                     **ascii_only)
        for i in range(80)
    ]  # fmt: skip
    rows.append(snapshot_row(account_id="G1", customer_id="G1"))  # 张三, 浙江...
    path = write_snapshot(tmp_path / "late.csv", rows, encoding="gbk")
    assert path.stat().st_size > 3 * 4096 and path.read_bytes()[: 3 * 4096].isascii()
    result = _import(sqlite_engine, path, DAY1, tmp_path)
    assert (result.encoding, result.imported, result.quarantined) == ("gb18030", 81, 0)
    with Session(sqlite_engine) as s:
        assert s.get(Customer, "G1").name == "张三"  # type: ignore[union-attr]


def test_odd_file_names_import(engine: Engine, tmp_path: Path) -> None:
    rows = [*_rows(), snapshot_row(account_id="B1", principal="-5.00")]
    gbk_name = tmp_path / os.fsdecode("快照".encode("gbk") + b".csv")  # not UTF-8 bytes
    result = _import(engine, write_snapshot(gbk_name, rows), DAY1, tmp_path)
    assert result.imported == 3 and result.file.endswith("\ufffd.csv")
    long_name = tmp_path / ("每日逾期账户快照" * 10 + ".csv")  # 243 bytes: fine for the file
    result = _import(engine, write_snapshot(long_name, rows), DAY2, tmp_path)
    assert result.quarantined == 1 and result.quarantine_file is not None
    assert Path(result.quarantine_file).is_file()
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT file_name FROM import_run ORDER BY id")).all()
    assert names[0][0].endswith("\ufffd.csv") and names[1][0].endswith("快照.csv")


def test_hostile_names_are_stored_exactly(sqlite_engine: Engine, tmp_path: Path) -> None:
    name = '王<b>&"测{{ 7*7 }}{% if 1 %}<link href="file:///etc/passwd">'
    path = write_snapshot(tmp_path / "d1.csv", [snapshot_row(name=name)])
    _import(sqlite_engine, path, DAY1, tmp_path)
    with Session(sqlite_engine) as s:
        assert s.get(Customer, "C00000001").name == name  # type: ignore[union-attr]


def test_unreadable_input_is_an_input_error(sqlite_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        _import(sqlite_engine, tmp_path / "nope.csv", DAY1, tmp_path)
    header = ["account_id", "name", "principal"]
    bad = write_snapshot(tmp_path / "h.csv", [snapshot_row()], header=header)
    with pytest.raises(InputError, match="header is missing columns: customer_id, id_number"):
        _import(sqlite_engine, bad, DAY1, tmp_path)
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x01" * 100)
    with pytest.raises(InputError):
        _import(sqlite_engine, tmp_path / "bin.csv", DAY1, tmp_path)
    with Session(sqlite_engine) as s:
        assert s.exec(select(Case)).all() == []


def test_snapshots_apply_in_order(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "d1.csv", _rows())
    _import(sqlite_engine, path, DAY2, tmp_path)
    with pytest.raises(DuecourseError, match="before the last import"):
        _import(sqlite_engine, path, DAY1, tmp_path)


def test_import_runs_are_recorded(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "d1.csv", _rows())
    _import(sqlite_engine, path, DAY1, tmp_path)
    with sqlite_engine.connect() as conn:
        run = conn.execute(sa.text("SELECT status, rows, imported, sha256 FROM import_run")).one()
    assert run[:3] == ("succeeded", 3, 3)
    assert len(run[3]) == 64


def test_case_file_figures_are_as_of_the_latest_snapshot(engine: Engine, tmp_path: Path) -> None:
    from tasks.case_file import build_case_file

    _import(engine, write_snapshot(tmp_path / "d1.csv", _rows()), DAY1, tmp_path)
    _import(engine, write_snapshot(tmp_path / "d2.csv", _rows()), DAY2, tmp_path)  # unchanged
    with Session(engine) as s:
        data = build_case_file(s, "A2")
    assert data["account"]["as_of"] == DAY2
    assert [b["as_of"] for b in data["balances"]] == [DAY2, DAY1]
