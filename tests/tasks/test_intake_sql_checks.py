"""The staged intake's validation in SQL, on both databases: the reasons it gives are the per-row
parser's, word for word (values quoted as Python quotes them), the parser itself is only asked
about rows whose figures or keys hold characters other than printable ASCII, and an import that
fails partway applies nothing."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rules.snapshot_row import RowParser
from tasks.import_run import ImportResult
from tasks.intake import import_snapshot
from tasks.policy import load_policy
from tests.factories import snapshot_row, write_snapshot

DAY = date(2026, 11, 2)

CASES: list[tuple[str, str, str]] = [
    ("principal", "-5.00", "principal: negative amount '-5.00'"),
    ("principal", "12'3", "principal: \"12'3\" is not an amount (e.g. 12345.67)"),
    ("principal", "12\\3", "principal: '12\\\\3' is not an amount (e.g. 12345.67)"),
    ("principal", "12.345", "principal: '12.345' is not an amount (e.g. 12345.67)"),
    ("principal", "", "principal: missing"),
    ("principal", "12345678901234.00",
     "principal: '12345678901234.00' is not an amount (e.g. 12345.67)"),
    ("due_date", "2026-02-29", "due_date: '2026-02-29' is not a valid date (YYYY-MM-DD)"),
    ("due_date", "2026-W48-1", "due_date: '2026-W48-1' is not a valid date (YYYY-MM-DD)"),
    ("due_date", "1899-12-31", "due_date: 1899-12-31 is outside 1900-01-01..2100-12-31"),
    ("days_past_due", "-99999999999", "days_past_due: -99999999999 is negative"),
    ("days_past_due", "2147483648", "days_past_due: more than 2147483647"),
    ("days_past_due", "3.5", "days_past_due: '3.5' is not a whole number"),
    ("due_date", "2026-10-30", "days_past_due: 45 does not match due_date 2026-10-30 "
     "(3 days before 2026-11-02; tolerance 3)"),
    ("id_number", "110105197102228133", "id_number: check digit does not match"),
    ("id_number", "11010519710222813",
     "id_number: not 18 characters (17 digits + digit or X) nor 15 digits"),
    ("phone", "12", "phone: not a phone number"),
    ("email", "no-at", "email: not an email address"),
    ("name", "\u3000", "name: missing"),
    ("address", "路" * 501, "address: longer than 500 characters"),
    ("card_number", "123", "card_number: not 12 to 19 digits"),
    ("last_payment_date", "2023-02-29",
     "last_payment_date: '2023-02-29' is not a valid date (YYYY-MM-DD)"),
]  # fmt: skip


def _import(engine: Engine, path: Path, tmp_path: Path) -> ImportResult:
    return import_snapshot(
        engine, path, DAY, quarantine_dir=tmp_path / "q", policy=load_policy(None), chunk_size=4
    )


def _reasons(result: ImportResult) -> dict[str, str]:
    assert result.quarantine_file is not None
    with open(result.quarantine_file, encoding="utf-8-sig", newline="") as f:
        return {r["account_id"]: r["reason"] for r in csv.DictReader(f)}


def test_sql_gives_the_parsers_reasons_without_asking_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[list[str]] = []
    real = RowParser.parse

    def parse(self: RowParser, record: Any) -> Any:
        asked.append(list(record))
        return real(self, record)

    monkeypatch.setattr(RowParser, "parse", parse)
    rows = [snapshot_row(account_id=f"A{i:02d}", **{col: value}) for i, (col, value, _) in
            enumerate(CASES)]  # fmt: skip
    rows += [
        snapshot_row(account_id="G1", principal=" 100 ", days_past_due="007"),  # good after all
        snapshot_row(account_id="U1", principal="１２.００"),  # full-width: the parser's
        snapshot_row(account_id="K'4"),
        snapshot_row(account_id="K\u200b'4"),  # ambiguous with the line above
    ]
    result = _import(engine, write_snapshot(tmp_path / "s.csv", rows), tmp_path)
    reasons = _reasons(result)
    for i, (_, _, reason) in enumerate(CASES):
        assert reasons[f"A{i:02d}"] == reason
    assert reasons["U1"] == "principal: holds full-width digits; write it with ASCII digits 0-9"
    assert reasons["K\u200b'4"] == (
        'account_id: "K\'4" is ambiguous: the same as line '
        f"{len(CASES) + 4} once invisible and look-alike characters are normalised"
    )
    assert "G1" not in reasons and result.imported == 2
    # the parser read only the rows SQL cannot: non-ASCII figures or keys
    assert sorted(r[0] for r in asked) == ["K\u200b'4", "U1"]
    with engine.connect() as conn:
        principal, dpd = conn.execute(
            sa.text("SELECT principal, days_past_due FROM card_account WHERE id = 'G1'")
        ).one()
    assert (int(principal), dpd) == (10000, 7)  # fen; '007' is 7


def test_a_crash_while_applying_applies_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [snapshot_row(account_id=f"A{i}", customer_id=f"C{i}") for i in range(6)]
    rows.append(snapshot_row(account_id="B1", principal="-1.00"))
    path = write_snapshot(tmp_path / "s.csv", rows)

    def crash(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the machine went away")

    monkeypatch.setattr("tasks.intake.flag_missing", crash)  # after every table's write
    with pytest.raises(RuntimeError):
        _import(engine, path, tmp_path)
    with engine.connect() as conn:
        for table in ("customer", "card_account", "balance_snapshot", "collection_case",
                      "contact_point", "quarantined_row"):  # fmt: skip
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
        status, error, quarantined, file = conn.execute(
            sa.text("SELECT status, error, quarantined, quarantine_file FROM import_run")
        ).one()
    assert (status, quarantined, file) == ("failed", 0, None)
    assert error == "RuntimeError: the machine went away"
    assert not any((tmp_path / "q").glob("*.csv"))  # its quarantine file is not left behind
    monkeypatch.undo()
    result = _import(engine, path, tmp_path)  # the same file again: everything, once
    assert (result.imported, result.quarantined, result.opened) == (6, 1, 6)
