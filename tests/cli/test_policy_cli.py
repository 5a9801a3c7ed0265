"""`duecourse policy check` and `duecourse policy show`."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import duecourse.cli  # noqa: F401  (registers the commands)
from documents.registry import known_kinds
from duecourse.cli import main
from duecourse.cli.app import app
from rules.errors import DuecourseError
from tasks.policy import SHIPPED_POLICY_DIR, load_policy
from tests.tasks.test_policy_load import LAWYER_LETTER_ENTRY

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    monkeypatch.delenv("DUECOURSE_DATABASE_URL", raising=False)
    return tmp_path / "home"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A policy folder with an unknown template (line 46) and an overlapping entry."""
    folder = tmp_path / "bank-policy"
    shutil.copytree(SHIPPED_POLICY_DIR, folder)
    ladder = folder / "ladder.yaml"
    text = ladder.read_text(encoding="utf-8")
    text = text.replace("template: collection_letter,", "template: collection_lettre,")
    text = text.replace(LAWYER_LETTER_ENTRY, "entry: {min_dpd: 85}")
    ladder.write_text(text, encoding="utf-8")
    return folder


def invoke(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args])
    if result.exception is not None and not isinstance(
        result.exception, SystemExit | DuecourseError
    ):
        raise result.exception
    code = (
        result.exception.exit_code
        if isinstance(result.exception, DuecourseError)
        else result.exit_code
    )
    return code, result.stdout, result.stderr


def line_of(file: Path, needle: str) -> int:
    text = file.read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def test_check_the_shipped_policy(home: Path) -> None:
    code, out, _ = invoke(home, "policy", "check")
    assert code == 0
    version = load_policy(SHIPPED_POLICY_DIR).short_version
    assert out.startswith("policy OK: default ladder")
    assert "13 stages (9 open), 8 risk rules, 8 buckets, 13 users; conduct pack cn@v1" in out
    assert out.rstrip().endswith(f"version {version}")


def test_check_says_which_conduct_pack_is_in_force(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED_POLICY_DIR, folder)
    bank = folder / "bank.yaml"
    bank.write_text(bank.read_text("utf-8").replace("conduct_pack: cn", "conduct_pack: us-regf"))
    code, out, _ = invoke(home, "policy", "check", str(folder))
    assert code == 0 and "conduct pack us-regf@v1" in out


def test_check_a_broken_policy_prints_file_and_line_and_exits_1(
    home: Path, broken: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `duecourse.cli.main`, which turns the failure into one line and exit status 1."""
    argv = ["duecourse", "--home", str(home), "policy", "check", str(broken)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    assert exited.value.code == 1
    ladder = broken / "ladder.yaml"
    lines = captured.out.splitlines()
    assert lines[0] == (
        f"{ladder}:{line_of(ladder, 'collection_lettre')}: unknown template 'collection_lettre' "
        f"(known: {', '.join(sorted(known_kinds()))})"  # every shipped kind, whoever adds one
    )
    assert all(ln.startswith(f"{ladder}:{line_of(ladder, 'min_dpd: 85')}: entry of lawyer_letter")
               for ln in lines[1:])  # fmt: skip
    assert len(lines) == 3
    assert captured.err.strip() == "duecourse: policy check failed: 3 problems"


def test_check_a_missing_file_is_a_usage_error(home: Path, tmp_path: Path) -> None:
    code, _, _ = invoke(home, "policy", "check", str(tmp_path / "nope.yaml"))
    assert code == 2


def test_show_prints_the_ladder_and_version(home: Path) -> None:
    code, out, _ = invoke(home, "policy", "show")
    assert code == 0
    policy = load_policy(SHIPPED_POLICY_DIR)
    for word in ("stage", "entry", "owner", "actions", "milestones", "next", "review"):
        assert word in out
    assert "first_contact: 3 working days, collector," in out
    assert "collection_letter: mail [collection_letter]" in out
    assert "by transition" in out and "settled (closed)" in out
    assert f"policy version {policy.version}" in out


def test_show_json(home: Path) -> None:
    code, out, _ = invoke(home, "policy", "show", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == load_policy(SHIPPED_POLICY_DIR).version
    assert [s["stage"] for s in doc["stages"]][:3] == [
        "early_warning",
        "soft_reminder",
        "formal_demand",
    ]
    assert doc["buckets"][-1] == {"bucket": "M7+", "min_dpd": 181, "max_dpd": None}
    assert doc["risk"]["tiers"] == {"high": 60, "medium": 30}


def test_show_uses_the_policy_folder_from_the_environment(
    home: Path, broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(broken))
    code, out, _ = invoke(home, "policy", "show")
    assert code == 1 and out == ""
    result = runner.invoke(app, ["--home", str(home), "policy", "show"])
    assert "collection_lettre" in str(result.exception)
    assert "run `duecourse policy check`" in str(result.exception)


def test_check_names_parts_taken_from_elsewhere(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "only-ladder"
    folder.mkdir()
    shutil.copy(SHIPPED_POLICY_DIR / "ladder.yaml", folder / "ladder.yaml")
    code, out, _ = invoke(home, "policy", "check", str(folder))
    assert code == 0
    assert "from elsewhere: risk " in out and "roster " in out
    assert "ladder " not in out.split("from elsewhere")[1]


def test_check_reports_a_met_by_event_nothing_records_with_file_and_line(
    home: Path, tmp_path: Path
) -> None:
    """Issue 12 item 10: legal_review waited for `review_decided` while the decision recorded
    `review`; a name outside rules/events.py is now a policy problem at its line."""
    folder = tmp_path / "bank-policy"
    shutil.copytree(SHIPPED_POLICY_DIR, folder)
    ladder = folder / "ladder.yaml"
    text = ladder.read_text(encoding="utf-8")
    ladder.write_text(text.replace("met_by: [letter_sent]}", "met_by: [letter_send]}", 1), "utf-8")
    code, out, _ = invoke(home, "policy", "check", str(folder))
    assert code == 1
    (line,) = [ln for ln in out.splitlines() if "letter_send'" in ln]
    assert line.startswith(f"{ladder}:{line_of(ladder, 'letter_send]')}: milestone ")
    assert "met_by 'letter_send' is not an event the product records" in line


def test_check_lists_calendar_bank_and_bucket_problems_at_their_lines(
    home: Path, tmp_path: Path
) -> None:
    """Every policy file goes through the one loader: `policy check` prints each problem of
    buckets.yaml, calendar.yaml and bank.yaml as file:line (before: bank.yaml was not checked
    at all and only the calendar's first problem was printed)."""
    folder = tmp_path / "bank-policy"
    shutil.copytree(SHIPPED_POLICY_DIR, folder)
    buckets, calendar, bank = (
        folder / "buckets.yaml",
        folder / "calendar.yaml",
        folder / "bank.yaml",
    )
    text = buckets.read_text(encoding="utf-8")
    buckets.write_text(text.replace("{bucket: M3, max_dpd: 90}", "{bucket: M3, max_dpd: 50}"))
    calendar.write_text(
        "years:\n  2027:\n    holidays: [2027-10-01]\n    workdays: [2027-10-01, 2027-10-08]\n",
        encoding="utf-8",
    )
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace("mail_transit_days: 3", "mail_transit_days: -3"), "utf-8")
    code, out, _ = invoke(home, "policy", "check", str(folder))
    assert code == 1
    assert out.splitlines() == [
        f"{buckets}:{line_of(buckets, 'max_dpd: 50')}: buckets[3]: max_dpd must be an integer "
        "above 60",
        f"{calendar}:4: 2027-10-01 is both a holiday and a make-up working day",
        f"{calendar}:4: 2027-10-08 is a weekday: make-up working days (调休) are weekend days",
        f"{bank}:{line_of(bank, 'mail_transit_days: -3')}: mail_transit_days: Input should be "
        "greater than or equal to 0",
    ]
