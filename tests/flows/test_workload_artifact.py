"""The daily cycle flow names who is over capacity in its artifact, under Prefect's harness."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY

pytestmark = pytest.mark.prefect
SHIPPED = Path(__file__).resolve().parents[2] / "policy"


def test_the_artifact_names_the_users_over_capacity(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.daily_cycle import daily_cycle, shared_url

    policy = tmp_path / "policy"
    shutil.copytree(SHIPPED, policy)
    roster = policy / "roster.yaml"
    # every collector full before the first case: the cycle still assigns, over capacity
    text = re.sub(r"(role: collector, +team: [^,]+, +capacity: )\d+", r"\g<1>0",
                  roster.read_text("utf-8"))  # fmt: skip
    roster.write_text(text, encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path}/flow.sqlite")
    upgrade(engine)
    with Session(engine) as s:
        for dpd in (10, 12):
            make_case(s, dpd=dpd, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    summary = daily_cycle(as_of=MONDAY, database_url=shared_url(engine), policy_dir=str(policy))
    assert isinstance(summary, dict) and summary["capacity_exceeded"] is True
    with get_client(sync_client=True) as client:
        (art,) = client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"daily-cycle-{MONDAY}"]))
        )
    line = next(x for x in str(art.data).splitlines() if x.startswith("Workload:"))
    names = re.findall(r"(demo\.\w+) 1/0", line)
    assert len(names) == 2 and line.startswith("Workload: over capacity: "), line
    assert date.fromisoformat(summary["as_of"]) == MONDAY
    engine.dispose()
