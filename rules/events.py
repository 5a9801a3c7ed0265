"""Timeline event names: the one vocabulary of what is recorded on a case and what the policy reads.

A case's timeline holds one row per event (`timeline_event.event`). The policy reads two kinds
of them: case flags in entry conditions (`events`, `without_events`: `<flag>` sets a flag,
`<flag>_cleared` clears it, the latest wins) and milestone events in `met_by` (a milestone is met
when one of its events is recorded after it opened). Code that writes or reads an event uses the
constants below, never a string of its own; `duecourse policy check` reports a `met_by` event
outside `MILESTONE_EVENTS`, so a typo cannot leave a milestone waiting for an event that never
comes.

Each name says which command records it. Several are conventions the later issues implement
(the channels, negotiation and court-step commands of the design): the shipped ladder already
waits for them, and until those commands exist a test or an import of the bank's own records
writes them.
"""

from __future__ import annotations

from typing import Final

# -- recorded by the product today -----------------------------------------------------------
OPENED: Final = "opened"  # the case file's first line (intake opens the case)
CLOSED: Final = "closed"  # `duecourse import`: the snapshot shows the account paid or cured
MISSING: Final = "missing"  # `duecourse import`: the account is absent from the snapshot
RETURNED: Final = "returned"  # `duecourse import`: back in the snapshot
CUSTOMER: Final = "customer"  # `duecourse import`: the account moved to another customer
STAGE: Final = "stage"  # `run-day`: a stage move
RISK: Final = "risk"  # `run-day`: a change of risk tier
OWNER: Final = "owner"  # `run-day`, `assign`, `reassign`: a change of owner
MILESTONE_MISSED: Final = "milestone_missed"  # `run-day`: a deadline missed, and what followed
REVIEW_REQUESTED: Final = "review_requested"  # `run-day`: entering a stage needs a review
REVIEW_DECIDED: Final = "review_decided"  # `duecourse review approve|reject`
REVIEW_WITHDRAWN: Final = "review_withdrawn"  # `run-day` or a decision: case closed or moved
PAYMENT_RECEIVED: Final = "payment_received"  # `duecourse pay`, `import-payments`: a partial
#   payment, the debtor agreeing to perform, interrupts the limitation period (SPC limitation
#   rules 2020 Art. 14; Civil Code Art. 195)

# -- negotiation (issue 18): promises, disputes, plans; each dated the day it happened ----------
PROMISE_MADE: Final = "promise_made"  # `duecourse ptp`, `contact log --outcome promise`: the
#   debtor agreeing to perform interrupts the limitation period (Civil Code Art. 195(2))
PROMISE_KEPT: Final = "promise_kept"  # `run-day`: payments reached the promised amount in time
PROMISE_BROKEN: Final = "promise_broken"  # `run-day`: the date plus grace passed short
DISPUTE_OPENED: Final = "dispute_opened"  # `duecourse dispute`
DISPUTE_RESOLVED: Final = "dispute_resolved"  # `duecourse dispute resolve`
EVIDENCE_ADDED: Final = "evidence_added"  # `duecourse dispute --evidence`: a file stored
PLAN_APPROVED: Final = "plan_approved"  # `review approve` of a plan: an agreement to perform,
#   which interrupts the limitation period (Civil Code Art. 195(2))
PLAN_REJECTED: Final = "plan_rejected"  # `review reject` of a plan
PLAN_BROKEN: Final = "plan_broken"  # `run-day`: an instalment missed beyond the grace period
PLAN_COMPLETED: Final = "plan_completed"  # `run-day` / a payment: the plan paid in full
INSTALLMENT_PAID: Final = "installment_paid"  # a payment that paid an instalment
NEGOTIATION_ENTERED: Final = "negotiation_entered"  # a claim, plan or promise moved the case
RESUMED: Final = "resumed"  # a broken plan or promise, or a rejected dispute, resumed collection

# -- milestone events the ladder's conventions define (README "Conventions later tracks hang
#    off"); which command records each ----------------------------------------------------------
CONTACT_MADE: Final = "contact_made"  # `duecourse contact log`: the debtor reached by phone/visit
LETTER_SENT: Final = "letter_sent"  # `duecourse mail batch`: a letter posted
DEMAND_DELIVERED: Final = "demand_delivered"  # `duecourse mail delivered`: a written demand
#   delivered (interrupts the limitation period, Civil Code Art. 195; SPC bank-card rules Art. 3)
LETTER_RETURNED: Final = "letter_returned"  # `duecourse mail delivered`: 退件, not a demand
LETTER_DELIVERED: Final = "letter_delivered"  # `duecourse mail delivered`: a letter whose kind
#   is not a demand for payment (manifest `demand: false`) delivered: no limitation effect
PLAN_PROPOSED: Final = "plan_proposed"  # `duecourse plan propose`
HARDSHIP_DECIDED: Final = "hardship_decided"  # `duecourse dispute resolve` of a hardship claim
PAYMENT_ORDER_FILED: Final = "payment_order_filed"  # `duecourse legal event` (legal issue)
PAYMENT_ORDER_ACCEPTED: Final = "payment_order_accepted"  # `duecourse legal event`
PAYMENT_ORDER_REJECTED: Final = "payment_order_rejected"  # `duecourse legal event`
LAWSUIT_FILED: Final = "lawsuit_filed"  # `duecourse legal event`
ENFORCEMENT_APPLIED: Final = "enforcement_applied"  # `duecourse legal event`
LEGAL_EVENT: Final = "legal_event"  # `duecourse legal event`: any other court step, dated by
#   the court's paper (the step's own date); the deadline check records `payment-order.effective`
STATUTORY_MISSED: Final = "statutory_missed"  # the deadline check: a statutory period a court
#   step opened has passed (what that means is in the line)
LIMITATION_WARNED: Final = "limitation_warned"  # the deadline check: the limitation period ends
#   within 90 days (the owner is told)
LIMITATION_ESCALATED: Final = "limitation_escalated"  # the deadline check: within 30 days (the
#   legal department is told)
PRESERVATION_APPLIED: Final = "preservation_applied"  # `duecourse legal event`: pre-suit
#   preservation applied for; bars a payment order (SPC CPL interpretation 2022 Art. 427)
PLACED: Final = "placed"  # `duecourse legal place`, an approved lawyer's letter: a case given
#   to a panel law firm (policy/law_firms.yaml)
RECALLED: Final = "recalled"  # `duecourse legal recall`, a payment closing the case, a plan
#   approved: the firm's placement ends
PLACEMENT_WAITING: Final = "placement_waiting"  # an approved lawyer's letter no panel firm had
#   room for: the case waits for `duecourse legal place`

# -- case flags (entry conditions); `<flag>_cleared` clears one -------------------------------
HARDSHIP_CLAIMED: Final = "hardship_claimed"  # `duecourse dispute --kind hardship`
PLAN_REQUESTED: Final = "plan_requested"  # `duecourse plan propose`; cleared when the plan is
#                                           rejected, broken or completed
PROMISE_TO_PAY: Final = "promise_to_pay"  # `duecourse ptp`; cleared when the promise is kept or
#                                           broken

# -- conduct states the negotiation issue sets; the conduct gate stops collection contacts while
#    one holds (rules/conduct.py). Set and cleared like the flags above.
DISPUTE_OPEN: Final = "dispute_open"  # a dispute or defence (履行抗辩) awaiting its decision
HARDSHIP_REVIEW: Final = "hardship_review"  # a hardship claim under review
PLAN_CURRENT: Final = "plan_current"  # an approved repayment plan being kept

CONDUCT_FLAGS: Final = frozenset({DISPUTE_OPEN, HARDSHIP_REVIEW, PLAN_CURRENT})

CLEARED_SUFFIX: Final = "_cleared"

CASE_FLAGS: Final = frozenset({HARDSHIP_CLAIMED, PLAN_REQUESTED, PROMISE_TO_PAY})

# What a milestone's `met_by` may name: the milestone events above and the case flags (a
# milestone may be met when the debtor engages, e.g. by a promise to pay).
MILESTONE_EVENTS: Final = frozenset(
    {
        REVIEW_DECIDED,
        CONTACT_MADE,
        LETTER_SENT,
        DEMAND_DELIVERED,
        PLAN_PROPOSED,
        HARDSHIP_DECIDED,
        DISPUTE_RESOLVED,
        PLAN_APPROVED,
        PLAN_REJECTED,
        PROMISE_KEPT,
        PROMISE_BROKEN,
        PAYMENT_RECEIVED,
        PAYMENT_ORDER_FILED,
        PAYMENT_ORDER_ACCEPTED,
        PAYMENT_ORDER_REJECTED,
        LAWSUIT_FILED,
        ENFORCEMENT_APPLIED,
    }
    | CASE_FLAGS
)


def cleared(flag: str) -> str:
    """The event that clears a case flag: `promise_to_pay` -> `promise_to_pay_cleared`."""
    return f"{flag}{CLEARED_SUFFIX}"
