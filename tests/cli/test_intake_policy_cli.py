"""Regression (issue 12 item 12): the intake buckets and opens cases with the bank's policy, so
the intake and the daily cycle agree. Before, a buckets.yaml whose M1 ended at DPD 15 had the
intake record DPD 20 as M1 (soft_reminder), run-day move it to M2, and the next import flip its
bucket back, every day."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.factories import snapshot_row, write_snapshot

SHORT_M1 = """buckets:
  - {bucket: M0, max_dpd: 0}
  - {bucket: M1, max_dpd: 15}
  - {bucket: M2, max_dpd: 60}
  - {bucket: M3, max_dpd: 90}
  - {bucket: M4, max_dpd: 120}
  - {bucket: M5, max_dpd: 150}
  - {bucket: M6, max_dpd: 180}
  - {bucket: M7+}
"""


def test_a_banks_buckets_are_honoured_by_import_and_cycle(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy"
    shutil.copytree(Path(__file__).resolve().parents[2] / "policy", policy)
    (policy / "buckets.yaml").write_text(SHORT_M1, encoding="utf-8")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(policy))
    days = ["2026-11-02", "2026-11-03", "2026-11-04"]
    for n, day in enumerate(days):
        monkeypatch.setenv("DUECOURSE_TODAY", day)
        row = snapshot_row(account_id="A1", customer_id="C1", days_past_due=str(20 + n))
        path = write_snapshot(tmp_path / f"s-{day}.csv", [row])
        assert cli("import", str(path), "--as-of", day).code == 0
        case = json.loads(cli("case", "A1", "--json").out)
        assert (case["bucket"], case["stage"]) == ("M2", "formal_demand"), day
        ran = cli("run-day", "--as-of", day, "--json", "--no-prefect")
        assert ran.code == 0, ran.err
        case = json.loads(cli("case", "A1", "--json").out)
        assert (case["bucket"], case["stage"]) == ("M2", "formal_demand"), day
    stage_moves = [e for e in case["timeline"] if e["event"] == "stage"]
    assert stage_moves == []
