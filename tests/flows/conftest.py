"""One Prefect test harness for the whole session (it takes 20-30 s to start), heartbeats off."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import cli  # noqa: F401  (the CLI fixture, for flows run by commands)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=120),
    ):
        yield


@pytest.fixture(autouse=True)
def _alerts_stay_in_the_test(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A run these tests fail sends its failure alert (tasks/notify/alerts.py) to a recording
    outbox under a temporary home: never to ./.duecourse, nor to a relay set in the shell."""
    for var in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "SENDER", "CA_FILE"):
        monkeypatch.delenv(f"DUECOURSE_SMTP_{var}", raising=False)
    if not os.environ.get("DUECOURSE_HOME"):
        monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "alerts-home"))
