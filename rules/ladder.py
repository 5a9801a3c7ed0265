"""The ladder's reference semantics: what a case should do today under a policy. Pure.

`next_actions(case, policy, as_of)`:
- a closed case does nothing;
- the target is the open stage whose entry condition matches the facts (a valid policy has at
  most one); no match, or the current stage, means no move;
- the case moves only if the target is in the current stage's `next`; a sticky stage never
  moves back (to an earlier stage of the ladder) because DPD fell; only an event-entered stage
  (entry with `events`, e.g. negotiation on hardship) may take it back;
- a case whose stage the policy no longer has moves to the target directly;
- if the target has a `review` role, the case stays and a review is requested, unless the
  target is in `approved_stages` (the approval lets it move);
- on a move, the new stage's milestones open and its day-0 actions are due; otherwise the
  current stage's actions due on `as_of` (see `ActionDef.occurrence_on`).
Closed outcomes (cured, paid, settled; withdrawn when an identity-theft claim is upheld) are
decided by the intake, payments and commands, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from rules.enums import Bucket, RiskTier, Role, Stage
from rules.policy import ActionDef, MilestoneDef, Policy, StageDef
from rules.transitions import allowed_move


@dataclass(frozen=True)
class CaseFacts:
    """What the ladder needs to know about one case on one day."""

    case_id: int
    stage: Stage
    bucket: Bucket
    dpd: int
    balance: Decimal  # principal + interest + fees, yuan
    principal: Decimal = Decimal("0")
    credit_limit: Decimal = Decimal("0")
    risk_tier: RiskTier | None = None
    stage_entered_on: date = date.min
    events: frozenset[str] = field(default_factory=frozenset)
    approved_stages: frozenset[Stage] = field(default_factory=frozenset)
    last_payment_date: date | None = None
    owner: str | None = None


class ReviewRequest(NamedTuple):
    """Entering `target` needs approval by `role`."""

    role: Role
    target: Stage


class DueAction(NamedTuple):
    """An action due today and which occurrence it is (1 = first)."""

    action: ActionDef
    occurrence: int


@dataclass(frozen=True)
class Decision:
    """What the ladder decided for one case on one day."""

    new_stage: Stage | None = None
    review_needed: ReviewRequest | None = None
    actions_due: list[DueAction] = field(default_factory=list)
    milestones_to_open: list[MilestoneDef] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        return self.new_stage is not None

    def stage_after(self, current: Stage) -> Stage:
        return self.new_stage if self.new_stage is not None else current


NOTHING = Decision()


def actions_due(stage: StageDef, days_in_stage: int) -> list[DueAction]:
    """The stage's actions due `days_in_stage` days after entry, in declaration order."""
    out: list[DueAction] = []
    for action in stage.actions:
        n = action.occurrence_on(days_in_stage)
        if n is not None:
            out.append(DueAction(action, n))
    return out


def target_stage(case: CaseFacts, policy: Policy) -> tuple[Stage | None, ReviewRequest | None]:
    """Where the case should go today (None: stay) and the review that blocks it, if any."""
    if case.stage.is_closed:
        return None, None
    target = policy.entry_stage_for(case)
    if target is None or target == case.stage:
        return None, None
    target_def = policy.stage_def(target)
    if policy.has_stage(case.stage) and not allowed_move(
        policy, policy.stage_def(case.stage), target_def
    ):
        return None, None
    if target_def.review is not None and target not in case.approved_stages:
        return None, ReviewRequest(target_def.review, target)
    return target, None


def next_actions(case: CaseFacts, policy: Policy, as_of: date) -> Decision:
    """The decision for `case` on `as_of` under `policy` (see the module docstring)."""
    if case.stage.is_closed:
        return NOTHING
    new_stage, review = target_stage(case, policy)
    if new_stage is not None:
        target_def = policy.stage_def(new_stage)
        return Decision(
            new_stage=new_stage,
            actions_due=actions_due(target_def, 0),
            milestones_to_open=target_def.entry_milestones,
        )
    if not policy.has_stage(case.stage):
        return Decision(review_needed=review)
    days = (as_of - case.stage_entered_on).days
    return Decision(
        review_needed=review,
        actions_due=actions_due(policy.stage_def(case.stage), days),
    )
