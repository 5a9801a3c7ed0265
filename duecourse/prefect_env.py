"""Prefect defaults for this product, set before Prefect is imported (the user's env wins)."""

from __future__ import annotations

import os

DEFAULTS = {
    # no telemetry: this machine reaches no outside host, and a bank's would not want it
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # a temporary local server on a busy 2-core machine can need more than the 20 s default
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def apply_defaults() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
