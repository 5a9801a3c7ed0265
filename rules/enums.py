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
    WRITTEN_OFF = "written_off"  # off the books, still under recovery (an open stage)
    WITHDRAWN = "withdrawn"  # an identity-theft claim upheld: the debt was never the debtor's

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STAGES


# Written off (账销案存) is not among them: the claim stays open under recovery (issue 18 item 7).
CLOSED_STAGES = frozenset({Stage.CURED, Stage.PAID, Stage.SETTLED, Stage.WITHDRAWN})


class Outcome(StrEnum):
    """How a closed case ended."""

    CURED = "cured"
    PAID = "paid"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"
    WITHDRAWN = "withdrawn"  # `dispute resolve` of an identity-theft claim upheld


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RiskTier(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# The one risk order (work queues, owner assignment, deadline lists): high first, unscored last.
RISK_ORDER: tuple[RiskTier, ...] = (RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW)


_RISK_RANK: dict[str | None, int] = {tier: i for i, tier in enumerate(RISK_ORDER)}


def risk_rank(tier: RiskTier | str | None) -> int:
    """0 for high, 1 medium, 2 low, 3 for a case not yet scored (or an unknown value)."""
    return _RISK_RANK.get(tier, len(RISK_ORDER))  # a StrEnum member and its value hash alike


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
    """An action line's state. The cycle's own work is `done` at once; a channel action is
    `planned`, then the contact dispatcher moves it on: `sent` (handed to a provider or the post),
    `delivered` (the provider or post office confirms it), `queued` (a call or visit waiting in
    its owner's work queue), `deferred` (the conduct gate moved it to a lawful time: `not_before`),
    `blocked` (the gate refused it: the rule is in `reason`) or `failed` (the provider refused it,
    or retries ran out: the reason too)."""

    PLANNED = "planned"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    SENT = "sent"
    DELIVERED = "delivered"
    QUEUED = "queued"
    DEFERRED = "deferred"
    BLOCKED = "blocked"


class ContactStatus(StrEnum):
    """A contact record's state: `sending` is written before a message leaves (a crash between
    the two leaves it there, and a retry asks the provider by the key instead of sending again);
    `logged` is a call or visit a collector recorded."""

    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    RETURNED = "returned"  # 退件: a letter the post office brought back (not a demand)
    FAILED = "failed"
    LOGGED = "logged"


class ContactDirection(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Party(StrEnum):
    """Whom a contact reaches. Collection is only with the debtor (and a guarantor); an emergency
    contact only to ask for the debtor's contact details (2011 rules Art. 68; CBA guideline)."""

    DEBTOR = "debtor"
    EMERGENCY = "emergency"
    THIRD_PARTY = "third_party"


class CallOutcome(StrEnum):
    """What a call or visit came to (`duecourse contact log --outcome`)."""

    ANSWERED = "answered"
    NO_ANSWER = "no-answer"
    PROMISE = "promise"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong-number"
    THIRD_PARTY = "third-party"

    @property
    def is_conversation(self) -> bool:
        """The debtor was reached and spoke (a contact made; US Reg F's 'conversation')."""
        return self in (CallOutcome.ANSWERED, CallOutcome.PROMISE, CallOutcome.REFUSED)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # a run found still `running` by the next run to take the cycle lock: its process died
    CRASHED = "crashed"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the case closed or changed stage while the review was pending


class ReviewKind(StrEnum):
    """What a review decides: a stage move the ladder asked for (`stage`, with `target_stage`),
    a dispute or defence (`dispute`, `subject_id` = the dispute) or a proposed repayment plan
    (`plan`, maker-checker: `subject_id` = the plan)."""

    STAGE = "stage"
    DISPUTE = "dispute"
    PLAN = "plan"


class PromiseStatus(StrEnum):
    """A promise to pay: `open` until its date plus the grace period; `kept` when payments since
    it was made reach its amount by then, else `broken`; `superseded` by a later promise."""

    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    SUPERSEDED = "superseded"


class DisputeKind(StrEnum):
    """A claim that stops collection until it is decided (履行抗辩, or a hardship claim:
    2011 rules Art. 70). CLI spelling: the value."""

    HARDSHIP = "hardship"
    DISPUTED_CHARGES = "disputed-charges"
    FORCE_MAJEURE = "force-majeure"
    IDENTITY_THEFT = "identity-theft"


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the claim holds: the case resumes per the outcome (negotiation, closure)
    REJECTED = "rejected"  # the claim fails: collection resumes


class PlanKind(StrEnum):
    """A repayment plan's structure (个性化分期还款, 2011 rules Art. 70); CLI: the value."""

    INSTALLMENTS = "installments"
    DEFERRAL = "deferral"
    MINIMUM_PAYMENT = "minimum-payment"
    FEE_WAIVER = "fee-waiver"


class PlanStatus(StrEnum):
    PROPOSED = "proposed"  # awaiting the checker (a review of kind plan)
    CURRENT = "current"  # approved and being kept
    BROKEN = "broken"  # an instalment missed beyond the grace period
    COMPLETED = "completed"  # paid in full
    REJECTED = "rejected"  # the checker refused it
    WITHDRAWN = "withdrawn"  # the case closed, or a new plan replaced it, before a decision


class InstallmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    MISSED = "missed"


class DecisionVia(StrEnum):
    """Where a review's decision was taken: the command line (`--as`, a name anyone can type)
    or the web console (a signed-in user). Recorded so an audit tells the two apart."""

    CLI = "cli"
    WEB = "web"


class AuditAction(StrEnum):
    """What a row of the tamper-evident audit chain records (models/audit.py, tasks/audit.py):
    every approval, legal event, document, placement and stage change (issue 19 item 8). A
    review's decision is recorded by its kind: a stage move's as `review_decided`, a plan's as
    `plan_decided`, a dispute's as `dispute_resolved`. Values fit the 24-character column."""

    REVIEW_DECIDED = "review_decided"
    PLAN_DECIDED = "plan_decided"
    DISPUTE_RESOLVED = "dispute_resolved"
    STAGE_CHANGED = "stage_changed"
    DOCUMENT_STORED = "document_stored"
    LEGAL_EVENT = "legal_event"
    PLACEMENT = "placement"
    RECALL = "recall"
    FILING_PREPARED = "filing_prepared"


class ActionKind(StrEnum):
    """What an action line is. Channel actions use the channel's own value (sms, call, ...)."""

    STAGE_MOVE = "stage_move"
    REVIEW_OPENED = "review_opened"
    OWNER_ASSIGNED = "owner_assigned"
    MILESTONE_OPENED = "milestone_opened"
    MILESTONE_MET = "milestone_met"
    MILESTONE_MISSED = "milestone_missed"
    MILESTONE_WAIVED = "milestone_waived"
    MILESTONE_ALERT = "milestone_alert"
    ESCALATED = "escalated"
    REASSIGNED = "reassigned"
    OWNER_NOTIFIED = "owner_notified"  # something the owner must know (a plan broken)
    SMS = "sms"
    EMAIL = "email"
    APP = "app"
    CALL = "call"
    MAIL = "mail"
    VISIT = "visit"
    COURT = "court"
    INTERNAL = "internal"

    @classmethod
    def for_channel(cls, channel: Channel) -> ActionKind:
        return cls(channel.value)
