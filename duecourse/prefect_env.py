"""Prefect defaults for this product, set before Prefect is imported (the user's env wins), and
the deploy-time check that `prefect deploy` runs as a build step of prefect.yaml."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULTS = {
    # no telemetry: this machine reaches no outside host, and a bank's would not want it
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # a temporary local server on a busy 2-core machine can need more than the 20 s default
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # ...but a run's own log lines (progress, counts, warnings) reach the server at INFO, so the
    # UI shows them; the terminal (served runs inherit this) still prints warnings and errors only
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "INFO",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
}
ROOT_VAR = "DUECOURSE_ROOT"


def apply_defaults() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)


class DeployConfigError(SystemExit):
    """prefect.yaml cannot be deployed as the environment stands: ends `prefect deploy` with
    this one line on stderr and exit status 1 (an ordinary exception would be wrapped in two
    Prefect tracebacks)."""


def deploy_root() -> dict[str, str]:
    """prefect.yaml's build step: `prefect deploy` fails here, at deploy time, unless
    $DUECOURSE_ROOT names this checkout. Its absolute path becomes the deployments' pull step
    (the folder each worker runs the flows from), fixed at deploy time."""
    value = os.environ.get(ROOT_VAR, "").strip()
    if not value:
        raise DeployConfigError(
            f"duecourse: {ROOT_VAR} is not set: deploy with `{ROOT_VAR}=$(pwd) prefect deploy "
            "--all` from the Duecourse folder (workers run the flows from that path)"
        )
    root = Path(value).expanduser().resolve()
    if not (root / "flows" / "daily_cycle.py").is_file():
        raise DeployConfigError(
            f"duecourse: {ROOT_VAR}={value} is not a Duecourse checkout "
            "(no flows/daily_cycle.py there)"
        )
    return {"duecourse_root": str(root)}
