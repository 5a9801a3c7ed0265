"""`duecourse runs`: the run history (daily cycles, refusals, deadline checks), newest first,
as a table or one JSON document, and "N of M shown" when --limit cuts it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from models.db import make_engine
from tasks.cycle.core import PolicyBundle
from tasks.cycle.intraday import check_deadlines
from tasks.cycle.runs import set_flow_run_id
from tests.cli.conftest import Cli
from tests.cli.cycle_home import seed

FLOW_RUN = "0b5a6c1e-1111-4222-8333-944445555666"


def test_runs_lists_cycles_refusals_and_checks_newest_first(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed(home)
    assert cli("run-day", "--as-of", "2026-11-03", "--no-prefect").code == 0
    assert cli("run-day", "--as-of", "2026-11-02", "--no-prefect").code == 1  # out of order
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    check = check_deadlines(engine, date(2026, 11, 3), PolicyBundle.load(None))
    set_flow_run_id(engine, int(check["run_id"]), FLOW_RUN)
    engine.dispose()

    data = json.loads(cli("runs", "--json").out)
    assert (data["total"], data["shown"], data["truncated"]) == (3, 3, False)
    runs = data["runs"]
    assert [(r["run_id"], r["flow"], r["status"]) for r in runs] == [
        (3, "deadline_check", "succeeded"),
        (2, "daily_cycle", "failed"),
        (1, "daily_cycle", "succeeded"),
    ]
    check_run, refused, daily = runs
    assert check_run["flow_run_id"] == FLOW_RUN and check_run["as_of"] == "2026-11-03"
    assert refused["error"].startswith("as-of 2026-11-02 is before the last day run")
    assert daily["cases"] == 3 and daily["actions"]["owner_assigned"] == 3
    assert daily["actions_total"] == sum(daily["actions"].values())
    assert daily["duration_seconds"] is not None and daily["duration_seconds"] >= 0
    assert any(w.startswith("stale data") for w in daily["warnings"])
    assert daily["started_at"].endswith("+00:00")

    table = cli("runs")
    assert table.code == 0
    assert "3 run(s), newest first" in table.out and "0b5a6c1e" in table.out
    assert "run 2 error: as-of 2026-11-02 is before the last day run" in table.out
    assert "shown" not in table.out.splitlines()[-1]

    cut = cli("runs", "--limit", "2")
    assert cut.out.strip().splitlines()[-1] == "2 of 3 shown (--limit 2; raise it to see more)"
    cut_json = json.loads(cli("runs", "--limit", "1", "--json").out)
    assert (cut_json["total"], cut_json["shown"], cut_json["truncated"]) == (3, 1, True)
    assert cli("runs", "--limit", str(2**63)).code == 0  # beyond the database integer


def test_runs_on_an_empty_home_says_so(cli: Cli) -> None:
    out = cli("runs")
    assert out.code == 0 and "no runs yet" in out.out
    assert json.loads(cli("runs", "--json").out) == {
        "total": 0, "shown": 0, "truncated": False, "runs": [],
    }  # fmt: skip
