"""The daily cycle flow, really run under Prefect's test harness: the run record, its flow run id,
the markdown artifact (masked), and the same result as the core without Prefect; on PostgreSQL
its batches as concurrent task runs (the same end as one at a time; a failed one fails the run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from rules.errors import DuecourseError
from tests.conftest import require_pg
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, rows, table
from tests.tasks.cycle_portfolio import BATCH, first_two_meet, outcome, pg_store

TASK_BODY = "tasks.cycle.prefect_tasks.process_batch"  # what the cycle-batch task runs


@pytest.mark.prefect
def test_the_flow_runs_a_day_and_publishes_its_artifact(
    prefect_harness: None, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.daily_cycle import run_days

    url = f"sqlite:///{tmp_path}/flow.sqlite"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        for dpd, stage in (
            (10, Stage.SOFT_REMINDER),
            (45, Stage.FORMAL_DEMAND),
            (120, Stage.FORMAL_DEMAND),
        ):
            make_case(s, dpd=dpd, stage=stage, as_of=MONDAY)
        s.commit()
    seen: list[str] = []
    (summary,) = run_days(
        MONDAY, None, engine=engine, progress=lambda day, _s: seen.append(day.isoformat())
    )
    assert seen == ["2026-11-02"]
    assert summary["status"] == "succeeded" and summary["cases"] == 3
    assert summary["actions"]["owner_assigned"] == 3
    (run,) = table(engine, "cycle_run")
    assert run.flow_run_id and run.status == "succeeded"
    assert json.loads(run.counts) == summary["actions"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["daily-cycle-2026-11-02"]))
        )
    assert artifacts, "no markdown artifact published"
    text = str(artifacts[0].data)
    assert "Daily cycle 2026-11-02" in text and "owner_assigned" in text
    assert "13812345678" not in text and "330106199001011234" not in text
    engine.dispose()


@pytest.mark.prefect
@pytest.mark.pg
def test_on_postgresql_the_flow_runs_batches_at_once_to_the_same_end(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.daily_cycle import daily_cycle, shared_url
    from tasks.cycle.core import PolicyBundle, process_batch, run_day

    base = require_pg()
    with pg_store(base) as one, pg_store(base) as two:
        shipped = PolicyBundle.load(None)  # the flow's policy: the shipped one
        alone = run_day(one, MONDAY, shipped, batch_size=BATCH)
        monkeypatch.setattr(TASK_BODY, first_two_meet(process_batch))
        summary = daily_cycle(
            as_of=MONDAY, database_url=shared_url(two), batch_size=BATCH, workers=2
        )
        assert isinstance(summary, dict) and summary["status"] == "succeeded"
        assert summary["actions"] == alone["actions"] and summary["cases"] == 36
        assert outcome(two) == outcome(one)


@pytest.mark.prefect
@pytest.mark.pg
def test_a_failed_batch_among_concurrent_ones_fails_the_flow_run(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.daily_cycle import daily_cycle, shared_url
    from tasks.cycle.core import process_batch

    real = process_batch

    def second_fails(run: Any, lo: int, hi: int) -> Any:
        if lo == run.bounds[1][0]:
            raise DuecourseError("batch refused")  # a person's mistake: not retried
        return real(run, lo, hi)

    monkeypatch.setattr(TASK_BODY, second_fails)
    with pg_store(require_pg()) as engine:
        with pytest.raises(DuecourseError, match="batch refused"):
            daily_cycle(as_of=MONDAY, database_url=shared_url(engine), batch_size=BATCH, workers=2)
        (run,) = table(engine, "cycle_run")
        assert run.status == "failed" and "batch refused" in (run.error or "")
        assert rows(engine, "select count(*) from cycle_action")[0][0] > 0  # the others stay
