"""When intake opens and closes cases, and in which stage. Stated in the README ("Case rules").

The opening stage comes from the policy's ladder, never from a table of its own: the intake and
the daily cycle read the same bucket scheme and the same entry conditions.
"""

from __future__ import annotations

from rules.enums import Outcome, Stage
from rules.policy import EntryFacts, Policy, StageDef


def _opens_here(stage: StageDef) -> bool:
    """A stage a case may be opened in without anyone's approval or a recorded event."""
    return (
        not stage.stage.is_closed
        and stage.review is None
        and stage.entry is not None
        and not stage.entry.needs_event
    )


def opening_stage(policy: Policy, facts: EntryFacts) -> Stage:
    """The stage a new case opens in: the ladder stage whose entry condition the facts match
    (a new case has no risk tier and no events yet). When that stage needs a review (the legal
    stages) or nothing matches, the case opens in the nearest earlier stage that needs neither
    a review nor an event, and the daily cycle takes it on from there (opening the review).
    Without any such stage, the first open stage of the ladder."""
    return opening_stage_for_target(policy, policy.entry_stage_for(facts))


def opening_stage_for_target(policy: Policy, target: Stage | None) -> Stage:
    """`opening_stage` once the matching entry stage is known (None: none matches); the intake
    compiles the entry conditions into SQL and asks this once per stage."""
    if target is not None and _opens_here(policy.stage_def(target)):
        return target
    limit = policy.stage_index(target) if target is not None else len(policy.stages)
    earlier = [s for s in policy.stages[:limit] if _opens_here(s)]
    if earlier:
        return earlier[-1].stage
    first = [s for s in policy.stages if not s.stage.is_closed]
    if not first:
        raise ValueError("the ladder has no open stage to open a case in")
    return first[0].stage


def closing_outcome(*, max_dpd: int, dpd: int, balance_fen: int) -> Outcome | None:
    """Why an open case closes on a new snapshot row, or None if it stays open.

    - paid: the balance (principal + interest + fees) is zero;
    - cured: the account had been past due while the case was open and is now at DPD 0
      (nothing overdue). An early-warning case that never went past due stays open at DPD 0.
    """
    if balance_fen <= 0:
        return Outcome.PAID
    if dpd == 0 and max_dpd > 0:
        return Outcome.CURED
    return None


def opens_case(*, is_new_account: bool, dpd: int, balance_fen: int) -> bool:
    """Whether a row with no open case for its account opens one: a new account with something
    owed does (DPD 0 as early warning); a known account whose last case closed reopens only when
    it is past due again."""
    if balance_fen <= 0:
        return False
    return is_new_account or dpd > 0
