"""Schedules fire: a real `prefect server start` (its scheduler services, as users run it) and
`duecourse serve` with a schedule due within seconds; the scheduler creates a flow run, the
served process runs it, and it completes.

Parsing the cron cannot see what broke here before: with SQLAlchemy 2.1, Prefect 3.8.8's
scheduler failed on every loop and no scheduled run was ever created. Bounded: at most
DEADLINE seconds in all; the server and `serve` (with the runs it started) are killed after."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa

DEADLINE = 150.0  # seconds for the whole test: server start ~15 s, first run ~15-30 s later
EVERY_15_SECONDS = "* * * * * */15"  # croniter's sixth field is seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "DUECOURSE_")) or k == "DUECOURSE_TODAY"
    }
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
        DUECOURSE_HOME=str(tmp_path / "home"),
    )
    return env


@contextmanager
def _process(args: list[str], env: dict[str, str], log: IO[bytes]) -> Iterator[Any]:
    """A child in its own process group, killed with everything it started."""
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    try:
        yield proc
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _wait_healthy(url: str, end: float, proc: Any) -> None:
    while time.monotonic() < end:
        assert proc.poll() is None, "prefect server start exited"
        with suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as r:
            if json.loads(r.read()) is True:
                return
        time.sleep(0.5)
    pytest.fail("the Prefect server did not answer /api/health in time")


@pytest.mark.prefect
def test_a_served_schedule_creates_a_run_that_completes(tmp_path: Path) -> None:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        LogFilter,
        LogFilterFlowRunId,
    )

    end = time.monotonic() + DEADLINE
    port = _free_port()
    env = _env(tmp_path, port)
    api = env["PREFECT_API_URL"]
    bin_dir = Path(sys.executable).parent
    server_cmd = [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1",
                  "--port", str(port)]  # fmt: skip
    serve_cmd = [str(bin_dir / "duecourse"), "serve", "--cron-daily", EVERY_15_SECONDS]
    with (
        (tmp_path / "server.log").open("wb") as server_log,
        (tmp_path / "serve.log").open("wb") as serve_log,
        _process(server_cmd, env, server_log) as server,
    ):
        _wait_healthy(api, end, server)
        with _process(serve_cmd, env, serve_log) as serve, SyncPrefectClient(api) as client:
            served = DeploymentFilter(name=DeploymentFilterName(any_=["daily-cycle-served"]))
            done = None
            while done is None and time.monotonic() < end:
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                runs = client.read_flow_runs(deployment_filter=served)
                done = next((r for r in runs if r.state and r.state.is_completed()), None)
                time.sleep(1)
            server_text = (tmp_path / "server.log").read_text(errors="replace")
            assert "bulk DML" not in server_text, "the scheduler fails (SQLAlchemy 2.1?)"
            assert done is not None, (
                f"no completed scheduled run within {DEADLINE:.0f} s; runs: "
                f"{[(r.name, r.state_name) for r in runs]}\n"
                f"serve: {(tmp_path / 'serve.log').read_text(errors='replace')[-1500:]}"
            )
            of_run = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[done.id]))
            logs = client.read_logs(log_filter=of_run)
            while not any(x.message.startswith("done:") for x in logs) and (
                time.monotonic() < end  # the served process sends its last logs as it exits
            ):
                time.sleep(1)
                logs = client.read_logs(log_filter=of_run)
    # the served run's own log reached the server (INFO), not only Prefect's state lines
    assert any(x.message.startswith("done: 0 open cases") for x in logs), [x.message for x in logs]
    assert done.auto_scheduled, "the run was not created by the scheduler"
    assert done.idempotency_key and done.idempotency_key.startswith("scheduled ")
    assert done.name.startswith("daily-cycle-20"), done.name  # daily-cycle-YYYY-MM-DD
    assert done.parameters["as_of"] == done.name.removeprefix("daily-cycle-")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'home' / 'duecourse.sqlite'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT status, flow_run_id FROM cycle_run")).all()
    engine.dispose()
    assert ("succeeded", str(done.id)) in [tuple(r) for r in rows]
