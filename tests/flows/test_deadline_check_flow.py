"""The intraday `deadline_check` flow really run under Prefect's test harness, over the shipped
policy: its run record (a `deadline_check` cycle_run row carrying the Prefect flow run id, which
names a completed run) and its effect (a milestone met from an event recorded after the morning's
daily cycle, the other left open), and its markdown artifact."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from tasks.cycle.core import PolicyBundle, run_day
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, event, table

TUESDAY = date(2026, 11, 3)


@pytest.mark.prefect
def test_the_deadline_check_flow_marks_a_milestone_met_since_the_morning(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.daily_cycle import shared_url
    from flows.deadline_check import deadline_check

    monkeypatch.setenv("DUECOURSE_TODAY", TUESDAY.isoformat())
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path}/check.sqlite")
    upgrade(engine)
    with Session(engine) as s:
        reached = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        silent = int(make_case(s, dpd=12, stage=Stage.SOFT_REMINDER, as_of=MONDAY).id or 0)
        s.commit()
    shipped = PolicyBundle.load(None)
    run_day(engine, MONDAY, shipped)
    run_day(engine, TUESDAY, shipped)  # the morning's cycle: nobody reached yet
    assert {m.status for m in table(engine, "milestone")} == {"open"}
    event(engine, reached, "contact_made", TUESDAY)  # a call that reached the debtor at noon

    summary = deadline_check(database_url=shared_url(engine))  # as-of: today (Tuesday)

    assert isinstance(summary, dict)
    assert summary["as_of"] == "2026-11-03" and summary["actions"] == {"milestone_met": 1}
    check = table(engine, "cycle_run")[-1]
    assert (check.flow, check.status, check.as_of) == ("deadline_check", "succeeded", TUESDAY)
    assert check.id == summary["run_id"] and check.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(check.flow_run_id))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["deadline-check-2026-11-03"])
            )
        )
    assert run.state is not None and run.state.is_completed()
    assert run.parameters["as_of"] == "2026-11-03"  # the day it checked, for a rerun
    ms = {m.case_id: m for m in table(engine, "milestone")}
    met = ms[reached]
    assert (met.kind, met.status, met.closed_on) == ("first_contact", "met", TUESDAY)
    assert "contact_made on 2026-11-03" in met.reason
    assert (ms[silent].status, ms[silent].alerted_on) == ("open", None)  # due Thursday
    (action,) = [a for a in table(engine, "cycle_action") if a.run_id == check.id]
    assert (action.case_id, action.kind) == (reached, "milestone_met")
    assert artifacts and "milestone_met: 1" in str(artifacts[0].data)
    engine.dispose()
