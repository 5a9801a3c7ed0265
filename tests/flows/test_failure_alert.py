"""Failure alerts from the flows' state hooks, really run under Prefect's test harness with a
real SMTP server in this process: a refused daily cycle, a deadline check whose policy folder
is broken, and a crashed run each e-mail the roster's ops role once, with the run's name, the
cause, the as-of day and the link to the run in the UI; a successful run sends nothing."""

from __future__ import annotations

from collections.abc import Iterator
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
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, table
from tests.tasks.smtp_server import Inbox, smtp_server

pytestmark = pytest.mark.prefect
SENDER = "duecourse@bank.example.com"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Inbox]:
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "home"))  # the alerts' ledger
    for var in ("USER", "PASSWORD", "TIMEOUT", "CA_FILE"):
        monkeypatch.delenv(f"DUECOURSE_SMTP_{var}", raising=False)
    with smtp_server() as box:
        monkeypatch.setenv("DUECOURSE_SMTP_HOST", box.host)
        monkeypatch.setenv("DUECOURSE_SMTP_PORT", str(box.port))
        monkeypatch.setenv("DUECOURSE_SMTP_SECURITY", "none")
        monkeypatch.setenv("DUECOURSE_SMTP_SENDER", SENDER)
        yield box


def _store(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path}/flow.sqlite")
    upgrade(engine)
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=MONDAY)
        s.commit()
    return engine


def _flow_run(run_id: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(run_id))


def _ui() -> str:
    from prefect.settings import get_current_settings

    ui = get_current_settings().ui_url
    assert ui, "the harness's server has a UI URL"
    return ui.rstrip("/")


def test_a_refused_daily_cycle_emails_the_ops_role_once(
    prefect_harness: None, inbox: Inbox, tmp_path: Path
) -> None:
    from flows.daily_cycle import daily_cycle, run_days
    from tasks.notify.alerts import alert_failed_run

    engine = _store(tmp_path)
    run_days(date(2026, 11, 3), None, engine=engine)
    assert inbox.received == []  # a successful run sends nothing
    with pytest.raises(DuecourseError, match="before the last day run"):
        run_days(MONDAY, None, engine=engine)
    refused = table(engine, "cycle_run")[-1]
    (got,) = inbox.received
    assert got.mail_from == SENDER and got.rcpt_tos == ["demo.maops@example.com"]
    msg = got.message
    assert msg["To"] == "demo.maops@example.com" and msg["From"] == SENDER
    assert msg["Subject"].startswith(
        "[Duecourse] daily-cycle-2026-11-02 failed: daily cycle 2026-11-02 refused: as-of"
    )
    assert msg["X-Duecourse-Flow-Run"] == refused.flow_run_id
    body = msg.get_content()
    assert "Run:      daily-cycle-2026-11-02" in body and "As of:    2026-11-02" in body
    assert "before the last day run (2026-11-03)" in body and "State:    Failed" in body
    assert f"Link:     {_ui()}/runs/flow-run/{refused.flow_run_id}" in body
    # the hook once more for the same run (a retry, the runner after a crash): nothing sent
    run = _flow_run(refused.flow_run_id)
    alert_failed_run(daily_cycle, run, run.state)
    assert len(inbox.received) == 1
    engine.dispose()


def test_a_deadline_check_with_a_broken_policy_folder_alerts_in_utf8(
    prefect_harness: None, inbox: Inbox, tmp_path: Path
) -> None:
    from flows.daily_cycle import shared_url
    from flows.deadline_check import deadline_check

    engine = _store(tmp_path)
    policy = tmp_path / "政策"
    policy.mkdir()
    (policy / "roster.yaml").write_text(
        "users:\n"
        "  - {name: ops.a, display_name: 运维甲, role: ops, email: ops.a@bank.example.com}\n"
        "  - {name: ops.b, display_name: 运维乙, role: ops, email: ops.b@bank.example.com}\n"
        "  - {name: col.c, display_name: 催收丙, role: collector, capacity: 5,"
        " email: col.c@bank.example.com}\n",
        encoding="utf-8",
    )
    (policy / "ladder.yaml").write_text("- stage: x\n", encoding="utf-8")
    with pytest.raises(DuecourseError):
        deadline_check(as_of=MONDAY, database_url=shared_url(engine), policy_dir=str(policy))
    failed = table(engine, "cycle_run")[-1]
    assert failed.status == "failed" and failed.flow_run_id
    (got,) = inbox.received
    assert got.rcpt_tos == ["ops.a@bank.example.com", "ops.b@bank.example.com"]
    msg = got.message
    assert msg["Subject"].startswith("[Duecourse] deadline-check-2026-11-02-")
    assert "failed: deadline check 2026-11-02 refused:" in msg["Subject"]
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert "政策" in body and "ladder.yaml" in body  # the cause, decoded from UTF-8
    assert f"{_ui()}/runs/flow-run/{failed.flow_run_id}" in body
    engine.dispose()


class Killed(BaseException):
    """Stands for the process being interrupted inside the flow (not an Exception)."""


def test_a_crashed_run_alerts_too(
    prefect_harness: None, inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.daily_cycle as module

    class Bundle:
        @classmethod
        def load(cls, _policy_dir: Path | None) -> None:
            raise Killed("interrupted while loading the policy")

    monkeypatch.setattr(module, "PolicyBundle", Bundle)
    engine = _store(tmp_path)
    with pytest.raises(Killed):
        module.daily_cycle(as_of=MONDAY, database_url=module.shared_url(engine))
    (got,) = inbox.received
    msg = got.message
    assert msg["Subject"].startswith("[Duecourse] daily-cycle-2026-11-02 crashed: ")
    body = msg.get_content()
    assert "State:    Crashed" in body and "Killed" in body
    run = _flow_run(msg["X-Duecourse-Flow-Run"])
    assert run.state.is_crashed() and run.name == "daily-cycle-2026-11-02"
    engine.dispose()
