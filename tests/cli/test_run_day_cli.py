"""`duecourse run-day`: the JSON contract, idempotent reruns, --through, the order of days, a
future day refused, a day without its snapshot warned stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.cycle_home import seed


def test_run_day_json_then_rerun_then_through(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    first = cli("run-day", "--as-of", "2026-11-02", "--json", "--no-prefect")
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert list(data)[:5] == ["run_id", "as_of", "actions", "skipped", "warnings"]
    assert data["as_of"] == "2026-11-02" and data["run_id"] == 1
    assert data["actions"]["owner_assigned"] == 3 and data["actions"]["review_opened"] == 1
    assert "13812345678" not in first.out and "330106199001011234" not in first.out
    # the steps after the cycle ran too: nothing to draft (the review is not today's), no line
    assert data["after"]["letters"]["lines_planned"] == 0
    assert data["after"]["next_step_reviews"] == {}

    again = json.loads(cli("run-day", "--as-of", "2026-11-02", "--json", "--no-prefect").out)
    assert again["actions"] == {} and again["skipped"] > 0

    through = cli(
        "run-day", "--as-of", "2026-11-02", "--through", "2026-11-04", "--json", "--no-prefect"
    )
    assert through.code == 0, through.err
    days = json.loads(through.out)
    assert [d["as_of"] for d in days["days"]] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    assert days["days"][0]["skipped_day"] is True
    assert days["totals"]["days_run"] == 2 and days["totals"]["days_skipped"] == 1
    assert days["totals"]["actions"] == {
        k: sum(d["actions"].get(k, 0) for d in days["days"]) for k in days["totals"]["actions"]
    }


def test_run_day_refuses_a_day_before_the_last_and_bad_dates(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    assert cli("run-day", "--as-of", "2026-11-03", "--no-prefect").code == 0
    before = cli("run-day", "--as-of", "2026-11-02", "--no-prefect")
    assert before.code == 1
    assert before.err.startswith("duecourse: as-of 2026-11-02 is before the last day run")
    assert len(before.err.strip().splitlines()) == 1 and "Traceback" not in before.err
    bad = cli("run-day", "--as-of", "2026-13-01", "--no-prefect")
    assert bad.code == 2 and "--as-of" in bad.err
    backwards = cli("run-day", "--as-of", "2026-11-05", "--through", "2026-11-04", "--no-prefect")
    assert backwards.code == 2 and "--through" in backwards.err


def test_run_day_prints_a_table_and_warns_on_stderr(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2031-03-03")
    seed(tmp_path / "home")
    out = cli("run-day", "--as-of", "2031-03-03", "--no-prefect")
    assert out.code == 0, out.err
    assert "owner_assigned" in out.out and "daily cycle 2031-03-03" in out.out
    assert "CALENDAR WARNING" in out.err and "2031" in out.err


def test_a_day_after_today_is_refused_in_one_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 16): a typo'd future --as-of ran, and every scheduled day before it
    was then refused as out of order."""
    seed(tmp_path / "home")
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-03")
    future = cli("run-day", "--as-of", "2026-12-03", "--no-prefect")
    assert future.code == 1 and future.out == ""
    assert future.err.strip() == (
        "duecourse: --as-of 2026-12-03 is after today (2026-11-03): a future day cannot be run "
        "(once run, every day before it would be refused)"
    )
    through = cli("run-day", "--as-of", "2026-11-02", "--through", "2026-11-04", "--no-prefect")
    assert through.code == 1 and "--through 2026-11-04 is after today" in through.err
    assert len(through.err.strip().splitlines()) == 1
    runs = json.loads(cli("runs", "--json").out)
    assert runs["total"] == 0  # refused before any day ran
    today = cli("run-day", "--json", "--no-prefect")  # the default is today: allowed
    assert today.code == 0 and json.loads(today.out)["as_of"] == "2026-11-03"


def test_a_day_without_its_snapshot_warns_stale(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")  # cases made directly: no snapshot was imported for the day
    out = cli("run-day", "--as-of", "2026-11-02", "--json", "--no-prefect")
    assert out.code == 0, out.err
    (warning,) = [w for w in json.loads(out.out)["warnings"] if w.startswith("stale data")]
    assert "no snapshot imported for 2026-11-02" in warning
    assert "warning: stale data" in out.err


def test_a_policy_that_does_not_load_is_one_line_and_a_failed_run(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(tmp_path / "home")
    bad = tmp_path / "policy"
    shutil.copytree(Path(__file__).resolve().parents[2] / "policy", bad)
    (bad / "ladder.yaml").write_text("- stage: nowhere\n  next: [nothing]\n", encoding="utf-8")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(bad))
    out = cli("run-day", "--as-of", "2026-11-02", "--no-prefect")
    assert out.code != 0 and len(out.err.strip().splitlines()) == 1
    assert out.err.startswith(f"duecourse: {bad / 'ladder.yaml'}:1:")
    (run,) = json.loads(cli("runs", "--json").out)["runs"]
    assert (run["as_of"], run["status"]) == ("2026-11-02", "failed")
    assert run["error"].startswith(f"{bad / 'ladder.yaml'}:1:")
