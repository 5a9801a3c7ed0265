"""`duecourse deadlines`: open and missed milestones, by owner, masked."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.cli.cycle_home import seed


def test_deadlines_json_and_owner_filter(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    assert cli("run-day", "--as-of", "2026-11-02", "--no-prefect").code == 0
    out = cli("deadlines", "--as-of", "2026-11-02", "--within", "14", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    # first_contact, formal_demand_sent x2, and legal_review: the DPD-120 case's review was
    # requested, and its milestone opens with it (issue 12 item 10)
    assert data["count"] == 4 == len(data["deadlines"])
    assert "legal_review" in {d["kind"] for d in data["deadlines"]}
    first = data["deadlines"][0]
    assert set(first) >= {"case_id", "kind", "stage", "due", "days_left", "status", "owner"}
    assert {d["status"] for d in data["deadlines"]} == {"open"}
    owner = first["owner"]
    mine = json.loads(
        cli("deadlines", "--as-of", "2026-11-02", "--within", "14", "--owner", owner, "--json").out
    )
    assert mine["count"] >= 1 and {d["owner"] for d in mine["deadlines"]} == {owner}
    assert "13812345678" not in out.out
    table = cli("deadlines", "--as-of", "2026-11-20", "--within", "0")
    assert table.code == 0 and "overdue" in table.out


def test_a_huge_within_lists_everything_instead_of_overflowing(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    assert cli("run-day", "--as-of", "2026-11-02", "--no-prefect").code == 0
    out = cli("deadlines", "--as-of", "2026-11-02", "--within", "100000000", "--json")
    assert out.code == 0, out.err
    assert json.loads(out.out)["count"] >= 3
