"""Enumerations of the domain. Tables, policy files and the CLI all reuse these."""

from __future__ import annotations

from enum import StrEnum


class Bucket(StrEnum):
    """Delinquency bucket by days past due (boundaries are policy data, see rules/buckets.py)."""

    M0 = "M0"
    M1 = "M1"
    M2 = "M2"
    M3 = "M3"
    M4 = "M4"
    M5 = "M5"
    M6 = "M6"
    M7_PLUS = "M7+"


class Stage(StrEnum):
    """Stages a case can be in. The ladder (policy/ladder.yaml) says which are used and how."""

    EARLY_WARNING = "early_warning"
    SOFT_REMINDER = "soft_reminder"
    FORMAL_DEMAND = "formal_demand"
    NEGOTIATION = "negotiation"
    LAWYER_LETTER = "lawyer_letter"
    PAYMENT_ORDER = "payment_order"
    LITIGATION = "litigation"
    ENFORCEMENT = "enforcement"
    # closed outcomes
    CURED = "cured"
    PAID = "paid"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STAGES


CLOSED_STAGES = frozenset({Stage.CURED, Stage.PAID, Stage.SETTLED, Stage.WRITTEN_OFF})


class Outcome(StrEnum):
    """How a closed case ended."""

    CURED = "cured"
    PAID = "paid"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RiskTier(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    APP = "app"
    CALL = "call"
    MAIL = "mail"  # registered letter to the billing address
    VISIT = "visit"
    COURT = "court"  # filings with a court
    INTERNAL = "internal"  # work for staff: reviews, preparing a file


class Role(StrEnum):
    COLLECTOR = "collector"
    SUPERVISOR = "supervisor"
    LEGAL = "legal"
    OPS = "ops"


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"


class ContactRelation(StrEnum):
    SELF = "self"
    EMERGENCY = "emergency"


class MilestoneStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    WAIVED = "waived"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # a run found still `running` by the next run to take the cycle lock: its process died
    CRASHED = "crashed"
