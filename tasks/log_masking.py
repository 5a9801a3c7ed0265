"""Personal data is masked in every log record, whoever handles it.

Masking happens where records are made (a log-record factory), not only in filters on a few
loggers: a filter on a logger does not see the records of its children, and Prefect's run
loggers (`prefect.flow_runs`, `prefect.task_runs`) send records to the Prefect API through
handlers of their own. The factory masks the message of every record before any handler runs.
It is installed by the CLI and by the `flows` package (a worker runs flows without the CLI).
"""

from __future__ import annotations

import logging
from typing import Any

from rules.masking import scrub_text

_base_factory = logging.getLogRecordFactory()


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed format: leave it to the handler's error path
        return record
    scrubbed = scrub_text(message)
    if scrubbed != message:
        record.msg, record.args = scrubbed, None
    return record


def _masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    return _masked(_base_factory(*args, **kwargs))


class MaskingFilter(logging.Filter):
    """Masks personal data in the formatted message of a record (for handlers that receive
    records made before `install_masking`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _masked(record)
        return True


def install_masking() -> None:
    """Mask every record made from now on, in this process (idempotent)."""
    if logging.getLogRecordFactory() is not _masking_factory:
        logging.setLogRecordFactory(_masking_factory)
