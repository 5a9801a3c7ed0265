"""What every KPI measure shares: the period it covers, rates, and "not yet recorded".

A measure the product cannot compute yet (promises kept before negotiation records promises,
recoveries before payments are recorded) is a `NotRecorded` with the reason, never a zero: a
zero would read as "nobody kept a promise".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rules.errors import InputError

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    """The days the report covers, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InputError(
                f"--from {self.start.isoformat()} is after --to {self.end.isoformat()}"
            )

    @classmethod
    def ending(cls, end: date, start: date | None = None) -> Period:
        """`start`..`end`; without `start`, the 30 days before `end` (end - 30 .. end)."""
        return cls(start if start is not None else end - timedelta(days=DEFAULT_DAYS), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class NotRecorded:
    """A measure the store holds no data for yet, and why."""

    reason: str
    status: str = "not yet recorded"

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "reason": self.reason}


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as "-", never 0%)."""
    return part / whole if whole else None
