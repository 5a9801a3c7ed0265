"""The `contact-dispatch` flow really run under Prefect's test harness (one flow run: they are
slow): its summary, its run record carrying the flow run id, its markdown artifact naming the
rule that blocked a line, and a batch whose SMS provider accepted then timed out retried by
Prefect's task retry without sending the text twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models import TimelineEvent
from models.db import make_engine, upgrade
from rules.events import DISPUTE_OPEN
from tests.cli.conftest import Cli
from tests.cli.cycle_home import seed
from tests.tasks.channels.sms_provider import Provider, sms_provider
from tests.tasks.dispatch.data import (
    DAY,
    POLICY,
    accept_then_time_out_once,
    contacts_of,
    line,
    lines_of,
    overdue_case,
)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    """An HTTP SMS provider, and the environment that makes it the SMS channel."""
    with sms_provider() as running:
        monkeypatch.setenv("DUECOURSE_SMS_PROVIDER", "http")
        monkeypatch.setenv("DUECOURSE_SMS_URL", running.url)
        monkeypatch.setenv("DUECOURSE_SMS_KEY", running.api_key)
        monkeypatch.setenv("DUECOURSE_SMS_SECRET", running.secret)
        monkeypatch.setenv("DUECOURSE_SMS_TIMEOUT", "0.5")
        yield running


@pytest.mark.prefect
def test_the_flow_dispatches_retries_a_timed_out_batch_once_and_leaves_its_artifact(
    prefect_harness: None, provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )

    from flows import contact_dispatch as module
    from flows.daily_cycle import shared_url

    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    monkeypatch.setattr(
        module,
        "dispatch_batch_task",
        module.dispatch_batch_task.with_options(retry_delay_seconds=0),
    )
    monkeypatch.setattr(module, "BATCH_SIZE", 2)  # two batches: the retry must stay in its own
    engine = make_engine(f"sqlite:///{tmp_path}/dispatch.sqlite")
    upgrade(engine)
    with Session(engine) as s:
        reached, disputed, later = overdue_case(s), overdue_case(s), overdue_case(s)
        sms, blocked, next_batch = line(s, reached), line(s, disputed), line(s, later)
        s.add(TimelineEvent(case_id=disputed, as_of=DAY, event=DISPUTE_OPEN))
        s.commit()
    accept_then_time_out_once(provider, delay=1.5)

    summary = module.contact_dispatch(
        as_of=DAY,
        at="10:00",
        database_url=shared_url(engine),
        policy_dir=str(POLICY),
        home=str(tmp_path / "home"),
    )

    assert isinstance(summary, dict)
    assert summary["as_of"] == DAY and summary["lines"] == 3 and summary["batches"] == 2
    assert summary["by_channel"] == {"sms": {"blocked": 1, "sent": 2}}
    assert summary["blocked"] == {"dispute_open": 1} and summary["failures"] == {}
    assert summary["senders"]["sms"].startswith("sms provider http://127.0.0.1:")
    contact, other = contacts_of(engine)
    assert contact.case_id == reached and contact.proof_ref == "prov-1"
    assert provider.sent_count[contact.key] == 1 and provider.sent_count[other.key] == 1
    assert [len(r["messages"]) for r in provider.requests] == [1, 1, 1]  # the retry: its own
    assert lines_of(engine)[sms][:2] == ("sent", "prov-1")
    assert lines_of(engine)[next_batch][0] == "sent" and other.case_id == later
    assert lines_of(engine)[blocked][0] == "blocked"
    with engine.connect() as conn:
        run_id, status, flow_run_id = conn.execute(
            sa.text("SELECT id, status, flow_run_id FROM cycle_run WHERE flow = 'contact_dispatch'")
        ).one()
    assert run_id == summary["run_id"] and status == "succeeded" and flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        # task runs reach the server as events, processed after the flow returns: wait for them
        deadline = time.monotonic() + 60
        while True:
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)]))
            )
            counts = sorted(t.run_count for t in tasks if t.name.startswith("dispatch-batch"))
            if counts == [1, 1, 2] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[f"contact-dispatch-{DAY.isoformat()}"])
            )
        )
    assert run.state is not None and run.state.is_completed()
    batches = [t for t in tasks if t.name.startswith("dispatch-batch")]
    assert sorted(t.run_count for t in batches) == [1, 1, 2]  # the timed-out batch ran twice
    assert all(t.state is not None and t.state.is_completed() for t in batches)
    assert artifacts
    text = str(artifacts[0].data)
    assert text.startswith(f"# Contact dispatch {DAY.isoformat()} at 10:00 +0800")
    assert "| dispute_open | 1 |" in text and "| sms | 2 | 0 | 0 | 0 | 1 | 0 | 0 |" in text
    assert "3 lines taken in 2 batch(es)" in text
    assert "13812345678" not in text
    engine.dispose()


@pytest.mark.prefect
def test_dispatch_through_prefect_refuses_a_day_to_come_in_one_line(
    prefect_harness: None, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    seed(tmp_path / "home")
    tomorrow = (DAY + timedelta(days=1)).isoformat()

    out = cli("dispatch", "--prefect", "--as-of", tomorrow, "--json")

    assert out.code == 1 and out.out == ""
    assert "Traceback" not in out.err and out.err.count("\n") == 1, out.err
    assert out.err.strip() == (
        f"duecourse: --as-of {tomorrow} is after today ({DAY}): contacts are not sent for a "
        "day to come"
    )
