"""`duecourse policy show --version V`: the policy a run used, read back from the store after the
policy folder has changed (issue 12 item 14)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.cycle_home import DAY, seed


def test_show_a_version_a_run_used(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy"
    shutil.copytree(Path(__file__).resolve().parents[2] / "policy", policy)
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(policy))
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    seed(tmp_path / "home")
    ran = cli("run-day", "--as-of", DAY.isoformat(), "--json", "--no-prefect")
    assert ran.code == 0, ran.err
    used = json.loads(cli("policy", "show", "--json").out)["version"]
    # the bank edits its ladder afterwards: the version on the run's actions stays readable
    ladder = policy / "ladder.yaml"
    ladder.write_text(
        ladder.read_text(encoding="utf-8").replace("label: default ladder", "label: edited"),
        encoding="utf-8",
    )
    assert json.loads(cli("policy", "show", "--json").out)["version"] != used
    shown = cli("policy", "show", "--version", used[:10], "--json")
    assert shown.code == 0, shown.err
    doc = json.loads(shown.out)
    assert doc["version"] == used and doc["label"].startswith("default ladder")
    assert doc["calendar"]["library"].startswith("chinesecalendar")
    table = cli("policy", "show", "--version", used[:10])
    assert table.code == 0 and used in table.out


def test_an_unknown_version_is_one_line(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    out = cli("policy", "show", "--version", "abcdef123456")
    assert out.code == 1
    assert (
        out.err.strip()
        == "duecourse: no policy version 'abcdef123456' was ever used with this store"
    )
