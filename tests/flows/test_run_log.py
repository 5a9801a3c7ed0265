"""The run log keeps a person's mistake to its one line: the traceback Prefect's runner logs
again for a Failed run (a served or worker's run) is dropped for DuecourseError only."""

from __future__ import annotations

import logging

import pytest

from flows.run_log import install_no_traceback_filter
from rules.errors import DuecourseError, InputError


def _log_with(exc: BaseException) -> None:
    try:
        raise exc
    except BaseException:
        logging.getLogger("prefect.flow_runs").error(
            "Engine execution exited with unexpected exception", exc_info=True
        )


def test_a_mistakes_traceback_is_dropped_and_a_bugs_kept(caplog: pytest.LogCaptureFixture) -> None:
    install_no_traceback_filter()
    install_no_traceback_filter()  # idempotent
    mine = [f for f in logging.getLogger("prefect.flow_runs").filters
            if type(f).__name__ == "_NoTracebackForMistakes"]  # fmt: skip
    assert len(mine) == 1
    with caplog.at_level(logging.INFO, logger="prefect.flow_runs"):
        _log_with(DuecourseError("as-of 2026-11-02 is before the last day run"))
        _log_with(InputError("ladder.yaml:1: bad"))
        assert caplog.records == []
        _log_with(RuntimeError("disk on fire"))
    (kept,) = caplog.records
    assert kept.exc_info is not None and isinstance(kept.exc_info[1], RuntimeError)
