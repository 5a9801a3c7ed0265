"""Logging set-up for the command line: one handler on stderr, and masking of personal data in
every record (`tasks.log_masking`)."""

from __future__ import annotations

import logging

from tasks.log_masking import MaskingFilter, install_masking


def configure_logging(verbose: bool = False) -> None:
    install_masking()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(MaskingFilter())
        root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
