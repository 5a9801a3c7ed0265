"""The daily cycle flow, really run once under Prefect's test harness: the run record, its flow
run id, the markdown artifact (masked), and the same result as the core without Prefect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, table


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
