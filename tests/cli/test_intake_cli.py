from __future__ import annotations

import csv
import json
from pathlib import Path

from rules.snapshot_row import id_check_digit
from tests.cli.conftest import Cli
from tests.factories import snapshot_row, write_snapshot

KEYS = {"rows", "imported", "updated", "unchanged", "quarantined", "missing", "quarantine_file"}


def test_import_json_counts_and_idempotent_rerun(cli: Cli, tmp_path: Path) -> None:
    rows = [snapshot_row(account_id=f"A{i}", customer_id=f"C{i}") for i in range(3)]
    rows.append(snapshot_row(account_id="BAD", days_past_due="-1"))
    path = write_snapshot(tmp_path / "s.csv", rows)
    first = cli("import", str(path), "--as-of", "2026-11-02", "--json")
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert set(data) >= KEYS
    assert (data["rows"], data["imported"], data["quarantined"]) == (4, 3, 1)
    assert Path(data["quarantine_file"]).is_file()
    again = json.loads(cli("import", str(path), "--as-of", "2026-11-02", "--json").out)
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_bad_input_gives_one_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    missing = cli("import", str(tmp_path / "nope.csv"))
    assert missing.code == 2
    assert missing.err.strip().count("\n") == 0 and "no such file" in missing.err
    header = write_snapshot(tmp_path / "h.csv", [snapshot_row()], header=["account_id", "name"])
    bad_header = cli("import", str(header))
    assert bad_header.code == 2 and "missing columns: customer_id" in bad_header.err
    assert "Traceback" not in bad_header.err
    bad_date = cli("import", str(header), "--as-of", "2026-02-30")
    assert bad_date.code == 2
    assert (
        bad_date.err.strip()
        == "duecourse: --as-of: '2026-02-30' is not a date (expected YYYY-MM-DD)"
    )


def test_generate_portfolio_is_realistic_and_reproducible(cli: Cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert (
        cli("generate-portfolio", "300", "--seed", "5", "--as-of", "2026-11-02", "-o", str(a)).code
        == 0
    )
    cli("generate-portfolio", "300", "--seed", "5", "--as-of", "2026-11-02", "-o", str(b))
    assert a.read_bytes() == b.read_bytes()
    with a.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 300
    assert all(id_check_digit(r["id_number"][:17]) == r["id_number"][17] for r in rows)
    assert all(len(r["phone"]) == 11 and r["phone"].startswith("1") for r in rows)
    dpds = [int(r["days_past_due"]) for r in rows]
    assert sum(d == 0 for d in dpds) > 20 and sum(1 <= d <= 30 for d in dpds) > 60
    assert max(dpds) > 180
    imported = json.loads(cli("import", str(a), "--as-of", "2026-11-02", "--json").out)
    assert imported["imported"] == 300 and imported["quarantined"] == 0


def test_generated_defects_are_quarantined(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    cli("generate-portfolio", "100", "--defects", "5", "--as-of", "2026-11-02", "-o", str(path))
    data = json.loads(cli("import", str(path), "--as-of", "2026-11-02", "--json").out)
    assert data["quarantined"] == 5 and data["imported"] == 95


def test_a_file_name_with_brackets_is_printed_as_given(cli: Cli, tmp_path: Path) -> None:
    rows = [snapshot_row(), snapshot_row(account_id="BAD", days_past_due="x")]
    path = write_snapshot(tmp_path / "snap[b]old.csv", rows)
    out = cli("import", str(path), "--as-of", "2026-11-02")
    assert out.code == 0, out.err
    assert "snap[b]old.csv" in out.out.replace("\n", "")


def test_generate_portfolio_user_errors_are_one_line(cli: Cli, tmp_path: Path) -> None:
    folder = cli("generate-portfolio", "5", "-o", str(tmp_path))
    assert folder.code == 1 and folder.err.strip().count("\n") == 0
    assert "cannot write (Is a directory)" in folder.err
    early = cli("generate-portfolio", "5", "--as-of", "0001-01-05", "-o", str(tmp_path / "x"))
    assert early.code == 2 and "--as-of: 0001-01-05 is outside" in early.err


def test_a_quote_left_open_quarantines_its_line_only_and_the_fixed_file_completes(
    cli: Cli, tmp_path: Path
) -> None:
    rows = [snapshot_row(account_id=f"A{i:03d}", customer_id=f"C{i:03d}") for i in range(60)]
    path = write_snapshot(tmp_path / "s.csv", rows)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines[50] = lines[50].replace("张三", '"张三', 1)  # a quote that never closes, on line 51
    path.write_text("".join(lines), "utf-8")
    out = cli("import", str(path), "--as-of", "2026-11-02", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert (data["rows"], data["imported"], data["quarantined"]) == (60, 59, 1)
    with open(data["quarantine_file"], encoding="utf-8-sig") as f:
        (bad,) = list(csv.DictReader(f))
    assert bad["line"] == "51" and bad["account_id"] == "A049"  # the 50th row
    assert bad["reason"].startswith("a quote opened on this line is not closed")
    fixed = cli("import", str(write_snapshot(path, rows)), "--as-of", "2026-11-02", "--json")
    assert fixed.code == 0, fixed.err
    data = json.loads(fixed.out)
    assert (data["rows"], data["imported"], data["unchanged"], data["opened"]) == (60, 1, 59, 1)
