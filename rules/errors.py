"""Errors meant for people: one clear line, and the exit status the CLI contract gives them."""

from __future__ import annotations


class DuecourseError(Exception):
    """The request could not be done (exit 1). The message is shown as one line."""

    exit_code = 1


class NotFoundError(DuecourseError):
    """An unknown case, user, document or kind (exit 1)."""


class InputError(DuecourseError):
    """Unreadable or malformed input: a bad file, a bad date, a wrong header (exit 2)."""

    exit_code = 2
