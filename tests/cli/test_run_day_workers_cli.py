"""`duecourse run-day --workers N`: batches at once on PostgreSQL (without Prefect: threads of the
command's process), the same result as one at a time; a count out of range is a usage error."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli
from tests.conftest import require_pg
from tests.tasks.cycle_portfolio import pg_store


@pytest.mark.pg
def test_run_day_with_two_workers_on_postgresql(cli: Cli) -> None:
    base = require_pg()
    with pg_store(base) as one, pg_store(base) as two:
        args = ("run-day", "--as-of", "2026-11-02", "--json", "--no-prefect")
        url = one.url.render_as_string(hide_password=False)
        alone = cli("--database-url", url, *args)
        url = two.url.render_as_string(hide_password=False)
        together = cli("--database-url", url, *args, "--workers", "2")
        assert alone.code == together.code == 0, together.err
        a, b = json.loads(alone.out), json.loads(together.out)
        assert b["actions"] == a["actions"] and b["cases"] == a["cases"] == 36


def test_run_day_refuses_zero_workers(cli: Cli) -> None:
    out = cli("run-day", "--as-of", "2026-11-02", "--workers", "0", "--no-prefect")
    assert out.code == 2 and "--workers" in out.err


def test_a_bad_environment_value_is_one_line_not_a_traceback(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_CYCLE_WORKERS", "abc")
    result = cli("runs")
    assert result.code != 0
    assert result.err.strip().splitlines() == [
        "duecourse: DUECOURSE_CYCLE_WORKERS: input should be a valid integer, "
        "unable to parse string as an integer"
    ]
    assert "Traceback" not in result.err
