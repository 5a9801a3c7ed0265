""""Today", read in one place.

`DUECOURSE_TODAY` (an ISO date) when set, else the date in Asia/Shanghai. Every default as-of
date, every legal record (letters, review decisions, timeline events) and every "is this in the
future?" check asks `today()`; tests and the demo's simulated days set the variable, never a
command's own option.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules.errors import InputError

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENV_TODAY = "DUECOURSE_TODAY"


def today() -> date:
    """$DUECOURSE_TODAY, else today in Asia/Shanghai; a malformed variable is one line (exit 2)."""
    value = os.environ.get(ENV_TODAY, "").strip()
    if not value:
        return datetime.now(SHANGHAI).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{ENV_TODAY}={value!r} is not a date YYYY-MM-DD") from None


def is_pinned() -> bool:
    """Whether "today" is pinned by $DUECOURSE_TODAY (the demo's simulated days, tests): then a
    time of day may be simulated too; otherwise things happen at the real time."""
    return bool(os.environ.get(ENV_TODAY, "").strip())


def shanghai_time(moment: datetime) -> datetime:
    """A stored UTC-aware timestamp as people read it (Asia/Shanghai)."""
    return moment.astimezone(SHANGHAI)


@contextmanager
def pinned_today(day: date) -> Iterator[None]:
    """Within the block, `today()` is `day` (the demo's simulated days); restored after."""
    before = os.environ.get(ENV_TODAY)
    os.environ[ENV_TODAY] = day.isoformat()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_TODAY, None)
        else:
            os.environ[ENV_TODAY] = before
