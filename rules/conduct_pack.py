"""A conduct rule pack: the contact limits of one jurisdiction as validated, versioned data.

The bank edits `policy/conduct/<name>.yaml` (the shipped `cn.yaml` is the default, `us-regf.yaml`
proves that a pack is data, not code); `tasks/conduct.py` reads it into a `ConductPack` and
`rules/conduct.py` applies it. The model is frozen and forbids unknown keys, so a typo fails loudly
at its line, and a pack that would allow what the law forbids is refused when it is loaded:

- `hours` must lie inside `floor_hours`, the law's outer window. China: no calls or visits
  22:00-08:00 (China Banking Association, consumer-loan collection guideline, 2026-01-30); the CN
  pack keeps the stricter 08:00-21:00 the seeds recommend. US: 08:00-21:00 debtor-local
  (Regulation F, 12 CFR 1006.6(b)(1)(i)).
- `stop_flags` and `courtesy_allowed_with` name only the conduct flags the store knows
  (rules.events.CONDUCT_FLAGS).

Times are written in quotes (`"21:00"`): YAML 1.1 reads an unquoted 21:00 as the number 1260.
Every contact stores the pack's `fingerprint` (name, version and a hash of the content), so the
rules a contact went out under can be read again later.
"""

from __future__ import annotations

import hashlib
import re
from datetime import time
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from rules.enums import Channel
from rules.events import CONDUCT_FLAGS, DISPUTE_OPEN, HARDSHIP_REVIEW, PLAN_CURRENT
from rules.policy import canonical_json

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Channels that reach a person at a moment (the window and holiday rules apply); a registered
# letter is posted and read when the debtor chooses, so `mail` is not timed by default.
TIMED_CHANNELS: tuple[Channel, ...] = (
    Channel.SMS,
    Channel.EMAIL,
    Channel.APP,
    Channel.CALL,
    Channel.VISIT,
)
DEFAULT_ATTEMPTS_PER_DAY = 6  # CBA guideline 2026-01-30: at most 6 attempts per method per day
DEFAULT_EMERGENCY_AFTER = 3  # CBA guideline: unreachable after 3 consecutive failed attempts


def _clock(value: Any) -> time:
    """A local time written "HH:MM" (quoted: YAML 1.1 turns an unquoted 21:00 into 1260)."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f'{value} is a number: write the time in quotes, like "21:00"')
    m = _HHMM.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f'{value!r} is not a time "HH:MM" (00:00-23:59)')
    return time(int(m.group(1)), int(m.group(2)))


Clock = Annotated[time, BeforeValidator(_clock)]


class NoContactDays(StrEnum):
    """Which days no timed collection contact is made (seed 001: no calls on holidays)."""

    STATUTORY = "statutory"  # 法定节假日 and the days off the State Council adds to them
    REST_DAYS = "rest_days"  # also every weekend day that is not a make-up working day
    NONE = "none"  # no holiday rule (the US pack)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Window(_Frozen):
    """Local times: a contact is lawful at `start` <= t < `end` (08:00 ok, 21:00 not)."""

    start: Clock
    end: Clock

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError(f"ends at {end:%H:%M}, not after its start {start:%H:%M}")
        return end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class RollingCap(_Frozen):
    """At most `attempts` contacts on `channels` in `days` consecutive debtor-local days (the
    day of the contact included). US: more than 7 calls in 7 days per debt is presumed
    harassment, 12 CFR 1006.14(b)(2)(i)."""

    attempts: int = Field(ge=1, le=1000)
    days: int = Field(ge=1, le=366)
    channels: tuple[Channel, ...] = Field(default=(Channel.CALL,), min_length=1)


def _known_flags(flags: frozenset[str]) -> frozenset[str]:
    unknown = sorted(flags - CONDUCT_FLAGS)
    if unknown:
        known = ", ".join(sorted(CONDUCT_FLAGS))
        raise ValueError(f"unknown conduct flag {unknown[0]!r} (known: {known})")
    return flags


class ConductPack(_Frozen):
    """One jurisdiction's contact rules (the fields are documented in policy/conduct/cn.yaml)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    label: str = Field(min_length=1)
    version: int = Field(ge=1)
    sources: tuple[str, ...] = ()
    time_zone: str
    floor_hours: Window
    hours: Window
    timed_channels: tuple[Channel, ...] = TIMED_CHANNELS
    no_contact_days: NoContactDays = NoContactDays.STATUTORY
    attempts_per_method_per_day: int | None = Field(default=DEFAULT_ATTEMPTS_PER_DAY, ge=1)
    rolling_cap: RollingCap | None = None
    quiet_after_conversation_days: int | None = Field(default=None, ge=1, le=366)
    quiet_channels: tuple[Channel, ...] = (Channel.CALL,)
    emergency_contacts: bool = True
    emergency_after_failed_attempts: int = Field(default=DEFAULT_EMERGENCY_AFTER, ge=1)
    identify_bank: bool = True
    stop_flags: frozenset[str] = frozenset({DISPUTE_OPEN, HARDSHIP_REVIEW, PLAN_CURRENT})
    courtesy_allowed_with: frozenset[str] = frozenset({PLAN_CURRENT})

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (like Asia/Shanghai)") from None
        return value

    @field_validator("hours")
    @classmethod
    def _inside_floor(cls, hours: Window, info: ValidationInfo) -> Window:
        floor = info.data.get("floor_hours")
        if floor is not None and (hours.start < floor.start or hours.end > floor.end):
            raise ValueError(f"{hours} goes outside the law's window floor_hours {floor}")
        return hours

    @field_validator("stop_flags", "courtesy_allowed_with")
    @classmethod
    def _flags(cls, flags: frozenset[str]) -> frozenset[str]:
        return _known_flags(flags)

    @property
    def ref(self) -> str:
        """`cn@v1`: the name and version the bank gave the pack."""
        return f"{self.name}@v{self.version}"

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the pack's content (canonical JSON), 12 hex digits: an edited pack whose
        version was not raised is still told apart."""
        data = self.model_dump(mode="json")
        for key in ("stop_flags", "courtesy_allowed_with"):
            data[key] = sorted(data[key])
        digest = hashlib.sha256(canonical_json(data).encode("utf-8"))
        return digest.hexdigest()[:12]

    @property
    def fingerprint(self) -> str:
        """`cn@v1:1a2b3c4d5e6f`: what each contact stores of the rules it went out under."""
        return f"{self.ref}:{self.content_hash}"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def debtor_unreachable(self, consecutive_failed: int, *, invalid_number: bool = False) -> bool:
        """Whether the debtor counts as unreachable, which alone opens emergency contacts: an
        invalid number, or `emergency_after_failed_attempts` consecutive failed attempts (CBA
        guideline 2026-01-30)."""
        return invalid_number or consecutive_failed >= self.emergency_after_failed_attempts
