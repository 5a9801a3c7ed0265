"""The escalation policy as typed data: the ladder's stages, the risk rules, the bucket scheme.

The bank edits `policy/*.yaml`; `tasks/policy.py` loads and validates them into a `Policy`.
Every model is frozen and forbids unknown keys, so a typo in the YAML fails loudly.

Entry conditions (`EntryCondition.matches`): every field that is set must hold, fields left
out (None) do not constrain. Bounds are inclusive: `min_dpd <= dpd <= max_dpd`,
`min_balance <= balance <= max_balance` (balance = principal + interest + fees, yuan).
`buckets`, `risk_tiers` and `events` match when the case's value is one of those listed
(for events: when the case carries at least one of them); `without_events` fails the match when
the case carries any of those (it is how a DPD stage yields to an event stage without overlap).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from rules.buckets import BucketScheme
from rules.enums import Bucket, Channel, RiskTier, Role, Stage
from rules.periods import PeriodEvent

# Channels whose actions send something worded, so they need a template.
TEMPLATED_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL, Channel.MAIL, Channel.APP})

MilestoneUnit = Literal["calendar", "working"]
OnMiss = Literal["escalate", "reassign", "advance", "none"]
RiskField = Literal[
    "balance",
    "principal",
    "dpd",
    "utilisation",
    "days_since_payment",
    "recent_partial_payment",
    "contactable",
]
RiskOp = Literal[">", ">=", "<", "<=", "==", "!="]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EntryFacts(Protocol):
    """What an entry condition looks at (rules.ladder.CaseFacts provides it)."""

    @property
    def bucket(self) -> Bucket: ...
    @property
    def dpd(self) -> int: ...
    @property
    def balance(self) -> Decimal: ...
    @property
    def risk_tier(self) -> RiskTier | None: ...
    @property
    def events(self) -> frozenset[str]: ...


class EntryCondition(_Frozen):
    """When a case belongs in a stage. Unset fields do not constrain; bounds are inclusive."""

    buckets: list[Bucket] | None = None
    min_dpd: int | None = Field(default=None, ge=0)
    max_dpd: int | None = Field(default=None, ge=0)
    min_balance: Decimal | None = None
    max_balance: Decimal | None = None
    risk_tiers: list[RiskTier] | None = None
    events: list[str] | None = None
    without_events: list[str] | None = None

    def matches(self, facts: EntryFacts) -> bool:
        if self.buckets is not None and facts.bucket not in self.buckets:
            return False
        if self.min_dpd is not None and facts.dpd < self.min_dpd:
            return False
        if self.max_dpd is not None and facts.dpd > self.max_dpd:
            return False
        if self.min_balance is not None and facts.balance < self.min_balance:
            return False
        if self.max_balance is not None and facts.balance > self.max_balance:
            return False
        if self.risk_tiers is not None and facts.risk_tier not in self.risk_tiers:
            return False
        if self.events is not None and not facts.events.intersection(self.events):
            return False
        return not (self.without_events and facts.events.intersection(self.without_events))

    @property
    def needs_event(self) -> bool:
        """True when only an event (a case flag) can bring a case here."""
        return self.events is not None


class ActionDef(_Frozen):
    """Something to do on a day of the stage: `offset_days` after entry, then every
    `repeat_every_days`, `max_times` in all. A templated channel needs a template."""

    key: str = Field(min_length=1)
    channel: Channel
    template: str | None = None
    offset_days: int = Field(default=0, ge=0)
    repeat_every_days: int | None = Field(default=None, ge=1)
    max_times: int = Field(default=1, ge=1)

    def occurrence_on(self, days_in_stage: int) -> int | None:
        """The 1-based occurrence due `days_in_stage` days after entry, or None."""
        delta = days_in_stage - self.offset_days
        if delta < 0:
            return None
        if delta == 0:
            return 1
        if self.repeat_every_days is None or delta % self.repeat_every_days:
            return None
        k = delta // self.repeat_every_days
        return k + 1 if k < self.max_times else None


class MilestoneOpens(StrEnum):
    """When a milestone opens: on entering its stage (the default), or when the daily cycle
    requests the review that entering its stage needs (it then measures the review and is met
    by its decision; the stage must declare `review`)."""

    STAGE_ENTRY = "stage_entry"
    REVIEW_REQUESTED = "review_requested"


class MilestoneDef(_Frozen):
    """A deadline opened on stage entry (or, with `opens: review_requested`, when the stage's
    review is requested): `offset` days (calendar or working) after that day, or the statutory
    period of `statutory_event` (counted from it by rules.periods). The owner is alerted
    `alert_working_days` working days before the due day (0: on the due day itself)."""

    kind: str = Field(min_length=1)
    offset: int | None = Field(default=None, ge=0)
    unit: MilestoneUnit = "calendar"
    statutory_event: PeriodEvent | None = None
    owner_role: Role
    on_miss: OnMiss = "escalate"
    met_by: list[str] = Field(default_factory=list)
    opens: MilestoneOpens = MilestoneOpens.STAGE_ENTRY
    alert_working_days: int = Field(default=1, ge=0, strict=True)


class StageDef(_Frozen):
    """One rung of the ladder."""

    stage: Stage
    owner_role: Role | None = None
    entry: EntryCondition | None = None
    actions: list[ActionDef] = Field(default_factory=list)
    milestones: list[MilestoneDef] = Field(default_factory=list)
    next: list[Stage] = Field(default_factory=list)
    review: Role | None = None
    sticky: bool = False

    @property
    def entry_milestones(self) -> list[MilestoneDef]:
        """The milestones opened on entering the stage."""
        return [m for m in self.milestones if m.opens == MilestoneOpens.STAGE_ENTRY]

    @property
    def review_milestones(self) -> list[MilestoneDef]:
        """The milestones opened when the review that entering the stage needs is requested."""
        return [m for m in self.milestones if m.opens == MilestoneOpens.REVIEW_REQUESTED]


class RiskRule(_Frozen):
    """`points` when `field op value` holds; `reason` is formatted with {value}, {threshold},
    {field} and {points} (e.g. "balance {value:,.0f} > {threshold:,.0f}")."""

    field: RiskField
    op: RiskOp
    value: Decimal | bool
    points: int
    reason: str = Field(min_length=1)


class RiskTiers(_Frozen):
    """Points at or above `high` make a case high risk; at or above `medium`, medium."""

    high: int
    medium: int


class RiskPolicy(_Frozen):
    rules: list[RiskRule] = Field(default_factory=list)
    tiers: RiskTiers


def canonical_json(data: Any) -> str:
    """Deterministic JSON of plain data: sorted keys, no spaces, Decimals as strings."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def policy_content(
    stages: Sequence[StageDef],
    risk: RiskPolicy,
    buckets: BucketScheme,
    label: str = "",
    calendar: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the policy version hashes, as plain data: the ladder, risk and buckets, and the
    business calendar (the bank's calendar file as parsed, and the versions of the libraries
    that supply holidays), since a calendar change moves deadlines. Never the roster."""
    return {
        "label": label,
        "ladder": [s.model_dump(mode="json") for s in stages],
        "risk": risk.model_dump(mode="json"),
        "buckets": [[b.value, lo, hi] for b, lo, hi in buckets.ranges()],
        "calendar": calendar or {},
    }


def policy_version(
    stages: Sequence[StageDef],
    risk: RiskPolicy,
    buckets: BucketScheme,
    label: str = "",
    calendar: dict[str, Any] | None = None,
) -> str:
    """sha256 (hex) of `policy_content`.

    Computed from the validated models, so comments, key order and spelling of defaults in the
    YAML do not change it; any change of meaning does.
    """
    content = policy_content(stages, risk, buckets, label, calendar)
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


class Policy(_Frozen):
    """The whole policy in force: label, content version, buckets, ordered stages, risk."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    label: str
    version: str
    buckets: BucketScheme
    stages: list[StageDef]
    risk: RiskPolicy
    calendar: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def build(
        cls,
        stages: Sequence[StageDef],
        risk: RiskPolicy,
        buckets: BucketScheme,
        label: str = "",
        calendar: dict[str, Any] | None = None,
    ) -> Policy:
        """A policy whose version is computed from its content (`calendar`: see
        `policy_content`)."""
        return cls(
            label=label,
            version=policy_version(stages, risk, buckets, label, calendar),
            buckets=buckets,
            stages=list(stages),
            risk=risk,
            calendar=dict(calendar or {}),
        )

    def content(self) -> dict[str, Any]:
        """What `version` is the sha256 of (stored with the version in the policy_version
        table, so that a version on an action line can be read years later)."""
        return policy_content(self.stages, self.risk, self.buckets, self.label, self.calendar)

    # Lookups built once (the daily cycle asks them for every case); cached_property stores
    # them in the instance dict, outside the fields (not dumped, not compared, not frozen).
    @cached_property
    def _index(self) -> dict[Stage, int]:
        index: dict[Stage, int] = {}
        for i, s in enumerate(self.stages):
            index.setdefault(s.stage, i)
        return index

    @cached_property
    def _entries(self) -> list[tuple[Stage, EntryCondition]]:
        return [
            (s.stage, s.entry) for s in self.stages if s.entry is not None and not s.stage.is_closed
        ]

    @property
    def short_version(self) -> str:
        return self.version[:12]

    def has_stage(self, stage: Stage) -> bool:
        return stage in self._index

    def stage_def(self, stage: Stage) -> StageDef:
        """The stage's definition; KeyError when the ladder does not use it."""
        i = self._index.get(stage)
        if i is None:
            raise KeyError(f"stage {stage.value!r} is not in the policy ladder")
        return self.stages[i]

    def stage_index(self, stage: Stage) -> int:
        """Position in the ladder (its order is the escalation order); -1 when absent."""
        return self._index.get(stage, -1)

    def entry_stages(self) -> list[StageDef]:
        """Open stages that declare an entry condition, in ladder order."""
        return [self.stages[self._index[stage]] for stage, _ in self._entries]

    def entry_stage_for(self, facts: EntryFacts) -> Stage | None:
        """The open stage whose entry condition the facts match (a valid policy has at most
        one); the first in ladder order if an unvalidated policy has several; None if none."""
        for stage, entry in self._entries:
            if entry.matches(facts):
                return stage
        return None
