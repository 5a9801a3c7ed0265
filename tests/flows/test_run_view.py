"""What an ops manager sees of runs in Prefect, really run under the test harness: each run
named by its as-of, its progress in the run log, its flow run id on the cycle_run row (deadline
checks too), a rerun's artifact not emptied, and a person's mistake as a Failed run with its
cause, a failed row, and one line on the CLI (no traceback)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from rules.errors import DuecourseError
from tests.cli.cycle_home import seed
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, table

pytestmark = pytest.mark.prefect


def _store(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path}/flow.sqlite")
    upgrade(engine)
    with Session(engine) as s:
        for dpd, stage in ((10, Stage.SOFT_REMINDER), (45, Stage.FORMAL_DEMAND)):
            make_case(s, dpd=dpd, stage=stage, as_of=MONDAY)
        s.commit()
    return engine


def _flow_run(run_id: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(run_id))


def _log_lines(run_id: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run_id)]))
        )
    return [f"{log.level} {log.message}" for log in logs]


def _artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        (latest,) = client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return str(latest.data)


def test_runs_are_named_logged_recorded_and_reruns_keep_their_report(
    prefect_harness: None, tmp_path: Path
) -> None:
    from flows.daily_cycle import run_days

    engine = _store(tmp_path)
    (first,) = run_days(MONDAY, None, engine=engine)
    (again,) = run_days(MONDAY, None, engine=engine)
    assert first["actions"] and again["actions"] == {}
    one, two = table(engine, "cycle_run")
    assert one.flow_run_id and two.flow_run_id and one.flow_run_id != two.flow_run_id
    run = _flow_run(one.flow_run_id)
    assert run.name == "daily-cycle-2026-11-02"
    assert run.parameters["as_of"] == "2026-11-02"
    lines = _log_lines(one.flow_run_id)
    assert any("daily cycle 2026-11-02 (run 1)" in x and "1 batch(es)" in x for x in lines)
    assert any("batch 1/1 (case ids" in x and "2 cases" in x for x in lines), lines
    assert any(x.startswith("20 done: 2 open cases, actions") for x in lines), lines
    assert any(x.startswith("30 stale data: no snapshot imported") for x in lines), lines
    # the rerun found nothing new: the day's artifact still shows what the day did
    text = _artifact("daily-cycle-2026-11-02")
    assert "Daily cycle 2026-11-02 (run 2" in text
    assert "The day's earlier run(s): 1" in text and "owner_assigned | 2" in text
    engine.dispose()


def test_a_refused_day_fails_the_run_with_its_cause_and_a_row(
    prefect_harness: None, tmp_path: Path
) -> None:
    from flows.daily_cycle import daily_cycle, run_days, shared_url

    engine = _store(tmp_path)
    run_days(date(2026, 11, 3), None, engine=engine)
    with pytest.raises(DuecourseError, match="before the last day run"):
        run_days(MONDAY, None, engine=engine)
    refused = table(engine, "cycle_run")[-1]
    assert refused.status == "failed" and "before the last day run" in refused.error
    run = _flow_run(refused.flow_run_id)
    assert run.state.is_failed() and run.name == "daily-cycle-2026-11-02"
    assert "before the last day run (2026-11-03)" in (run.state.message or "")
    lines = _log_lines(refused.flow_run_id)
    assert any(x.startswith("40 daily cycle 2026-11-02 refused: as-of") for x in lines), lines
    assert not any("Traceback" in x for x in lines)
    # a policy that does not load: the same, before any lock or row of the run
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "ladder.yaml").write_text("- stage: x\n", encoding="utf-8")
    with pytest.raises(DuecourseError, match=r"ladder\.yaml"):
        daily_cycle(as_of=date(2026, 11, 4), database_url=shared_url(engine),
                    policy_dir=str(tmp_path / "policy"))  # fmt: skip
    bad_policy = table(engine, "cycle_run")[-1]
    assert (bad_policy.as_of, bad_policy.status) == (date(2026, 11, 4), "failed")
    assert "ladder.yaml" in bad_policy.error and bad_policy.flow_run_id
    engine.dispose()


def test_the_deadline_check_is_named_and_recorded_and_refuses_a_future_day(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.daily_cycle import shared_url
    from flows.deadline_check import deadline_check

    engine = _store(tmp_path)
    url = shared_url(engine)
    summary = deadline_check(as_of=MONDAY, database_url=url)
    assert isinstance(summary, dict)
    (row,) = table(engine, "cycle_run")
    assert row.flow == "deadline_check" and row.status == "succeeded" and row.flow_run_id
    run = _flow_run(row.flow_run_id)
    assert run.name.startswith("deadline-check-2026-11-02-") and len(run.name) == 30
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-02")
    with pytest.raises(DuecourseError, match=r"2026-11-03 is after today \(2026-11-02\)"):
        deadline_check(as_of=date(2026, 11, 3), database_url=url)
    future = table(engine, "cycle_run")[-1]
    assert (future.flow, future.status) == ("deadline_check", "failed")
    assert future.flow_run_id and _flow_run(future.flow_run_id).state.is_failed()
    engine.dispose()


def test_run_day_through_the_flow_fails_in_one_line(
    prefect_harness: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Regression (issue 16): a refused day through the flow printed 86 lines and two
    tracebacks (the task's and the flow's)."""
    from duecourse.cli import main

    home = tmp_path / "home"
    seed(home)
    for var in ("DUECOURSE_POLICY_DIR", "DUECOURSE_DATABASE_URL", "DUECOURSE_HOME"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["duecourse", "--home", str(home), *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capfd.readouterr()
        return code, out, err

    code, out, err = run("run-day", "--as-of", "2026-11-03", "--prefect", "--json")
    assert code == 0, err
    assert json.loads(out)["as_of"] == "2026-11-03"
    assert [x for x in err.splitlines() if not x.startswith("warning: ")] == []
    code, out, err = run("run-day", "--as-of", "2026-11-02", "--prefect")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "duecourse: as-of 2026-11-02 is before the last day run (2026-11-03): days run in "
        "order; a past day cannot be run again after later ones"
    ]
