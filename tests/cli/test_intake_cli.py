from __future__ import annotations

import csv
import json
import shutil
import threading
from pathlib import Path

import pytest

from rules.snapshot_row import id_check_digit
from tests.cli.conftest import Cli, Outcome
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


def test_an_input_that_never_ends_is_refused_in_one_line(cli: Cli, tmp_path: Path) -> None:
    """Regression (issue 13 item 13): `duecourse import /dev/zero` never returned."""
    outcome: list[Outcome] = []
    worker = threading.Thread(target=lambda: outcome.append(cli("import", "/dev/zero")))
    worker.daemon = True  # before the fix it reads forever: fail, do not hang the suite
    worker.start()
    worker.join(timeout=60)
    assert outcome, "import /dev/zero did not return"
    (done,) = outcome
    assert done.code == 2 and done.out == ""
    assert (
        done.err
        == "duecourse: /dev/zero: not a regular file (a device, pipe or socket is not read)\n"
    )
    header = tmp_path / "one-line.csv"
    header.write_text("account_id," + "x" * 70_000, encoding="utf-8")
    long = cli("import", str(header))
    assert long.code == 2 and long.err.count("\n") == 1
    assert "the header line is longer than 64 KiB" in long.err


def _policy_with(tmp_path: Path, intake: str) -> Path:
    policy = tmp_path / "policy"
    shutil.copytree(Path(__file__).resolve().parents[2] / "policy", policy)
    (policy / "intake.yaml").write_text(intake, encoding="utf-8")
    return policy


def test_the_dpd_tolerance_is_the_banks_setting(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 13 item 2): DPD was taken as given whatever the due date said; now it
    must match as-of minus due date within `dpd_tolerance_days` of the policy's intake.yaml."""
    rows = [
        snapshot_row(account_id="A1", customer_id="C1", days_past_due="45"),  # exact
        snapshot_row(account_id="A2", customer_id="C2", days_past_due="46", due_date="2026-09-18"),
        snapshot_row(account_id="A3", customer_id="C3", days_past_due="400", due_date="2026-10-30"),
    ]
    path = write_snapshot(tmp_path / "s.csv", rows)
    shipped = json.loads(cli("import", str(path), "--as-of", "2026-11-02", "--json").out)
    assert (shipped["imported"], shipped["quarantined"]) == (2, 1)  # the shipped tolerance: 3
    with open(shipped["quarantine_file"], encoding="utf-8-sig") as f:
        (bad,) = list(csv.DictReader(f))
    assert (bad["line"], bad["account_id"]) == ("4", "A3")
    assert bad["reason"] == (
        "days_past_due: 400 does not match due_date 2026-10-30 (3 days before 2026-11-02; "
        "tolerance 3)"
    )
    monkeypatch.setenv(
        "DUECOURSE_POLICY_DIR", str(_policy_with(tmp_path, "dpd_tolerance_days: 0\n"))
    )
    strict = cli("import", str(path), "--as-of", "2026-11-02", "--json", home_dir=tmp_path / "h2")
    assert json.loads(strict.out)["quarantined"] == 2  # A2 is a day off: refused at tolerance 0


def test_a_bad_intake_setting_is_located(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = _policy_with(tmp_path, "# the bank's\ndpd_tolerance_days: -1\n")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(policy))
    path = write_snapshot(tmp_path / "s.csv", [snapshot_row()])
    refused = cli("import", str(path), "--as-of", "2026-11-02")
    assert refused.code == 1 and refused.err.count("\n") == 1  # a broken policy, as bank.yaml
    assert f"{policy / 'intake.yaml'}:2: " in refused.err and "dpd_tolerance_days" in refused.err
    check = cli("policy", "check")
    assert check.code == 1 and "intake.yaml:2: " in check.out + check.err
