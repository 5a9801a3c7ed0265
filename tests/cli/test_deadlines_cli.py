"""`duecourse deadlines`: open and missed milestones, by owner, masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


def _missed_and_escalated(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three cases run from 2026-11-02 to 11-20: first_contact and formal_demand_sent are
    missed (nothing records contact or letters yet) and escalated to a supervisor."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-28")
    seed(tmp_path / "home")
    out = cli("run-day", "--as-of", "2026-11-02", "--through", "2026-11-20", "--no-prefect")
    assert out.code == 0, out.err


def test_totals_per_owner_and_the_supervisors_escalations(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _missed_and_escalated(cli, tmp_path, monkeypatch)
    everything = json.loads(cli("deadlines", "--as-of", "2026-11-20", "--json").out)
    missed = [d for d in everything["deadlines"] if d["status"] == "missed"]
    assert missed and everything["total"] == everything["shown"] == everything["count"]
    assert everything["truncated"] is False
    bosses = {d["escalated_to"] for d in missed if d["kind"] == "first_contact"}
    assert bosses and bosses <= {"demo.zhoujie", "demo.wuxia"}
    # totals per owner add up to the list, by status
    by_owner: dict[str | None, dict[str, int]] = {}
    for d in everything["deadlines"]:
        row = by_owner.setdefault(d["owner"], {"total": 0, "due": 0, "overdue": 0, "missed": 0})
        row["total"] += 1
        row["due" if d["status"] == "open" else d["status"]] += 1
    assert {o["owner"]: {k: o[k] for k in ("total", "due", "overdue", "missed")}
            for o in everything["owners"]} == by_owner  # fmt: skip
    # a supervisor sees the misses escalated to them, nobody else's
    boss = sorted(bosses)[0]
    mine = json.loads(cli("deadlines", "--as-of", "2026-11-20", "--owner", boss, "--json").out)
    expected = sorted(d["milestone_id"] for d in missed if d["escalated_to"] == boss)
    assert sorted(d["milestone_id"] for d in mine["deadlines"]) == expected
    assert mine["escalated_to_owner"] == len(expected) == mine["total"]
    assert all(d["owner"] != boss and d["status"] == "missed" for d in mine["deadlines"])
    table = cli("deadlines", "--as-of", "2026-11-20", "--owner", boss)
    assert (
        table.code == 0 and f"{len(expected)} missed milestone(s) escalated to {boss}" in table.out
    )
    assert "escalated to" in table.out and "per owner" in table.out
    # a collector's own list does not include what was escalated away from nobody else
    collector = next(d["owner"] for d in missed)
    theirs = json.loads(
        cli("deadlines", "--as-of", "2026-11-20", "--owner", collector, "--json").out
    )
    assert {d["owner"] for d in theirs["deadlines"]} == {collector}
    assert theirs["escalated_to_owner"] == 0


def test_the_list_says_when_it_is_cut(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _missed_and_escalated(cli, tmp_path, monkeypatch)
    full = json.loads(cli("deadlines", "--as-of", "2026-11-20", "--json").out)
    assert full["total"] >= 3
    cut = json.loads(cli("deadlines", "--as-of", "2026-11-20", "--limit", "2", "--json").out)
    assert (cut["shown"], cut["count"], cut["total"], cut["truncated"]) == (
        2, 2, full["total"], True,
    )  # fmt: skip
    assert cut["deadlines"] == full["deadlines"][:2]  # the same order, the first page
    assert cut["owners"] == full["owners"]  # totals count the whole list
    table = cli("deadlines", "--as-of", "2026-11-20", "--limit", "2")
    assert f"2 of {full['total']} shown (--limit 2; raise it to see more)" in table.out


def test_an_unknown_owner_is_one_line_exit_1(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    out = cli("deadlines", "--owner", "nobody")
    assert out.code == 1 and out.out == ""
    assert out.err == "duecourse: no such user: nobody (not in the roster and owning no case)\n"
    # a rostered user with nothing due is not an error
    assert cli("deadlines", "--owner", "demo.sunfa", "--json").code == 0
