"""Logging set-up: every record passes a filter that masks personal data."""

from __future__ import annotations

import logging

from rules.masking import scrub_text


class MaskingFilter(logging.Filter):
    """Masks ID, card and phone numbers in the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub_text(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def install_masking(logger: logging.Logger) -> None:
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    for handler in logger.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def configure_logging(verbose: bool = False) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in ("", "duecourse", "tasks", "flows", "prefect"):
        install_masking(logging.getLogger(name))
