from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.factories import snapshot_row, write_snapshot


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new letter is dated today: these tests render on 2026-11-23."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-23")


def _load(cli: Cli, tmp_path: Path) -> None:
    day = date(2026, 11, 20)  # the due dates the days past due count from, as of this day
    rows = [
        snapshot_row(day, account_id="A1", customer_id="C1", days_past_due="40", name="周<b>&五"),
        snapshot_row(day, account_id="A2", customer_id="C2", days_past_due="45", name="吴六"),
        snapshot_row(day, account_id="A3", customer_id="C3", days_past_due="200", name="郑七"),
    ]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", "2026-11-20")
    assert out.code == 0, out.err


def _render(cli: Cli, *args: str) -> dict:  # type: ignore[type-arg]
    out = cli("documents", "render", "collection_letter", *args, "--as-of", "2026-11-23", "--json")
    assert out.code == 0, out.err
    result: dict = json.loads(out.out)  # type: ignore[type-arg]
    return result


def test_render_by_case_is_idempotent_and_listed(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    first = _render(cli, "--case", "A1", "--format", "both")
    assert first["created"] == 2
    numbers = {d["number"] for d in first["documents"]}
    assert numbers == {"CL-2026-000001"}
    pdf = Path(first["documents"][0]["file"])
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    again = _render(cli, "--case", "A1")
    assert again["created"] == 0 and again["documents"][0]["number"] == "CL-2026-000001"
    listed = json.loads(cli("documents", "list", "--case", "A1", "--json").out)
    assert listed["count"] == 2 and {d["format"] for d in listed["documents"]} == {"pdf", "docx"}
    case_file = json.loads(cli("case", "A1", "--json").out)
    assert "documents" in case_file


def test_verify_catches_edited_and_deleted_files(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    docs = _render(cli, "--case", "A1", "--format", "docx")["documents"]
    docs += _render(cli, "--case", "A2", "--format", "docx")["documents"]
    ok = cli("documents", "verify", "--json")
    assert ok.code == 0 and json.loads(ok.out)["checked"] == 2
    Path(docs[0]["file"]).write_bytes(b"tampered")
    Path(docs[1]["file"]).unlink()
    bad = cli("documents", "verify")
    assert bad.code == 1
    assert f"changed: {docs[0]['number']}" in bad.err and f"missing: {docs[1]['number']}" in bad.err
    report = json.loads(cli("documents", "verify", "--json").out)
    assert {p["problem"] for p in report["problems"]} == {"changed", "missing"}


def test_verify_names_an_orphan_and_render_re_creates_a_deleted_file(
    cli: Cli, tmp_path: Path
) -> None:
    """Regression (issue 13 item 6): a file with no row is named; a deleted letter rendered
    again is re-created (same bytes), not reported "already stored"."""
    _load(cli, tmp_path)
    (doc,) = _render(cli, "--case", "A1", "--format", "pdf")["documents"]
    letter = Path(doc["file"])
    orphan = letter.with_name("CL-2026-000099.pdf")
    orphan.write_bytes(b"%PDF- a killed render's")
    bad = cli("documents", "verify")
    assert bad.code == 1
    assert bad.err.strip() == f"orphan: CL-2026-000099 (pdf) {orphan} (no document row)"
    orphan.unlink()
    stored = letter.read_bytes()
    letter.unlink()
    again = cli("documents", "render", "collection_letter", "--case", "A1", "--format", "pdf")
    assert again.code == 0, again.err
    assert "0 rendered, 1 already stored (1 of them re-created: the file was missing)" in again.out
    assert letter.read_bytes() == stored
    assert cli("documents", "verify").code == 0


def test_batch_by_bucket_writes_pdf_and_manifest(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    out = tmp_path / "mail.pdf"
    result = _render(cli, "--bucket", "M2", "--batch", str(out))
    assert result["batch"]["documents"] == 2 and out.is_file()
    csv_text = out.with_suffix(".csv").read_text(encoding="utf-8")
    assert "周<b>&五" in csv_text and "吴六" in csv_text and "郑七" not in csv_text
    assert {d["case_id"] for d in result["documents"]} == {1, 2}


def test_preview_and_check(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "p.txt"
    assert cli("documents", "preview", "reminder_email", "--out", str(out)).code == 0
    assert out.read_text(encoding="utf-8").startswith("[subject]\n")
    pdf = tmp_path / "p.pdf"
    assert cli("documents", "preview", "collection_letter", "--out", str(pdf)).code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    data = tmp_path / "d.json"
    data.write_text('{"debtor_name": "x"}', encoding="utf-8")
    bad = cli("documents", "preview", "reminder_sms", "--data", str(data), "--out", str(out))
    assert bad.code == 2 and "missing field" in bad.err
    check = cli("documents", "check")
    assert check.code == 0 and "templates ok" in check.out


def test_user_errors_are_one_line_with_exit_codes(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    unknown = cli("documents", "render", "nope", "--case", "A1")
    assert unknown.code == 1 and unknown.err.count("\n") == 1
    assert "unknown document kind 'nope'" in unknown.err
    missing = cli("documents", "render", "collection_letter", "--case", "ZZZ")
    assert missing.code == 1 and "no case" in missing.err
    both = cli("documents", "render", "collection_letter", "--case", "A1", "--bucket", "M2")
    assert both.code == 2
    fmt = cli("documents", "render", "collection_letter", "--case", "A1", "--format", "odt")
    assert fmt.code == 2 and "--format" in fmt.err
    text_kind = cli("documents", "render", "reminder_sms", "--case", "A1", "--format", "pdf")
    assert text_kind.code == 2 and "not rendered as pdf" in text_kind.err


def test_an_output_path_that_cannot_be_written_is_one_line(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    preview = cli("documents", "preview", "collection_letter", "--out", str(blocker / "p.pdf"))
    assert preview.code == 1 and preview.err.count("\n") == 1, preview.err
    assert "cannot write" in preview.err
    folder = tmp_path / "mail.pdf"
    folder.mkdir()
    batch = cli(
        "documents", "render", "collection_letter", "--bucket", "M2",
        "--as-of", "2026-11-23", "--batch", str(folder),
    )  # fmt: skip
    assert batch.code == 1 and batch.err.count("\n") == 1, batch.err
    assert "cannot write" in batch.err


def _import_on(cli: Cli, tmp_path: Path, day: str, **row: str) -> None:
    fields = {"account_id": "A1", "customer_id": "C1", "days_past_due": "40", **row}
    rows = [snapshot_row(date.fromisoformat(day), **fields)]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", day)
    assert out.code == 0, out.err


def _pdf_text(path: str) -> str:
    out = subprocess.run(["pdftotext", path, "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", "", out.stdout)


def test_a_letter_rendered_today_has_a_working_day_deadline_after_delivery(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-12-03")
    _import_on(cli, tmp_path, "2026-12-03")
    out = cli("documents", "render", "collection_letter", "--case", "A1", "--json")
    assert out.code == 0, out.err
    result = json.loads(out.out)
    assert result["calendar_warnings"] == [] and out.err == ""
    text = _pdf_text(result["documents"][0]["file"])
    # 3 days in the post + 10 days: Wednesday 2026-12-16 (was Sunday 2026-12-13)
    assert "请您于2026年12月16日（含当日）前归还" in text and "2026年12月3日" in text
    assert "本期" not in text  # 40 days past due: more than one billing cycle


def test_a_deadline_in_an_undeclared_year_warns_on_stderr_and_in_json(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-12-22")
    _import_on(cli, tmp_path, "2026-12-22")
    human = cli("documents", "render", "collection_letter", "--case", "A1")
    assert human.code == 0, human.err
    (line,) = human.err.splitlines()
    assert line.startswith("warning: deadline of 1 document: CALENDAR WARNING: ") and "2027" in line
    again = json.loads(
        cli("documents", "render", "collection_letter", "--case", "A1", "--json").out
    )
    (warning,) = again["calendar_warnings"]
    assert warning["number"] == "CL-2026-000001" and "2027" in warning["calendar_warning"]


def test_a_letter_for_last_week_is_refused(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    out = cli("documents", "render", "collection_letter", "--case", "A1", "--as-of", "2026-11-16")
    assert out.code == 1 and out.err.count("\n") == 1, out.err
    assert "a new document is dated today (2026-11-23) only" in out.err
    assert "CPL Art. 114" in out.err
    listed = json.loads(cli("documents", "list", "--json").out)
    assert listed["count"] == 0


def test_demo_values_refuse_rendering_with_demo_false(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(cli, tmp_path)
    policy = tmp_path / "policy"
    shutil.copytree(Path(__file__).resolve().parents[2] / "policy", policy)
    bank = policy / "bank.yaml"
    bank.write_text(bank.read_text("utf-8").replace("demo: true", "demo: false"), "utf-8")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(policy))
    out = cli("documents", "render", "collection_letter", "--case", "A1")
    assert out.code == 1 and out.err.count("\n") == 1, out.err
    assert "bank.yaml: name is still the demo value" in out.err
    assert "replace it before sending letters" in out.err


def test_predue_texts_for_an_account_not_yet_due(cli: Cli, tmp_path: Path) -> None:
    rows = [
        snapshot_row(account_id="A1", customer_id="C1", days_past_due="0", due_date="2026-12-05"),
        snapshot_row(date(2026, 11, 23), account_id="A2", customer_id="C2", days_past_due="40"),
    ]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", "2026-11-23")
    assert out.code == 0, out.err
    out = cli("documents", "render", "predue_sms", "--case", "A1", "--json")
    assert out.code == 0, out.err
    text = Path(json.loads(out.out)["documents"][0]["file"]).read_text("utf-8")
    assert "将于2026年12月5日到期" in text and "逾期" not in text
    overdue = cli("documents", "render", "predue_sms", "--case", "A2")
    assert overdue.code == 1 and overdue.err.count("\n") == 1, overdue.err
    assert "40 days past due: a pre-due reminder would be untrue" in overdue.err
