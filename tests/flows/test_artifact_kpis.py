"""The daily cycle flow's artifact carries the day's KPI table, under Prefect's harness."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY

pytestmark = pytest.mark.prefect


def test_the_artifact_has_the_kpi_table(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.daily_cycle import daily_cycle, shared_url

    engine = make_engine(f"sqlite:///{tmp_path}/flow.sqlite")
    upgrade(engine)
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        make_case(s, dpd=12, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        make_case(s, dpd=45, stage=Stage.FORMAL_DEMAND, as_of=MONDAY)
        s.commit()
    summary = daily_cycle(as_of=MONDAY, database_url=shared_url(engine))
    assert isinstance(summary, dict) and summary["status"] == "succeeded"
    with get_client(sync_client=True) as client:
        (art,) = client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"daily-cycle-{MONDAY}"]))
        )
    text = str(art.data)
    assert "| open cases | 3 |" in text
    assert "| open by stage | soft_reminder 2 · formal_demand 1 |" in text
    # the first day opens milestones; none is met or missed yet: no rate, not 0%
    assert "| SLA attainment of the day | - (none met or missed) (0 met, 0 missed) |" in text
    assert "| users over capacity | 0 |" in text
    engine.dispose()
