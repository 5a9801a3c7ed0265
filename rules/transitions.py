"""The ladder's moves, declared once: which moves are allowed, which win, and what a missed
milestone does. Both daily-cycle engines read these (the per-case reference evaluator,
tasks/cycle/evaluate.py, and the set-based SQL engine, tasks/cycle/sql/); pure.

A case's day, in order:
1. Its open milestones are checked (met from recorded events, else missed after the due day,
   else alerted N working days before); a milestone of an ended stage entry is waived. One
   opened today is checked from tomorrow, so a rerun of the day finds nothing new to do (a
   milestone opened with its due day already past, for a case whose stage began before it came
   to the cycle, is missed the next day, not by a rerun).
2. The move that wins, first of:
   a. the ladder: the open stage whose entry condition the case meets, if `allowed_move`
      (a review opens instead when the target needs one not yet approved);
   b. a missed milestone whose `on_miss` is `advance`: `advance_target` of the current stage
      (a review opens instead when the target needs one not yet approved);
   c. an approved review's target reached only by transition (`approved_transitions`),
      approved during this stay (the first such target by name);
   d. none: the ladder's review request if any, and the current stage's actions due today.
3. Owners: cases whose stage role has no owner of that role get one, highest risk first, each
   to the user with the smallest share of capacity (rules.owners); then a missed milestone's
   `reassign` gives its case to the least-loaded other user of the stage's role; then the
   day's new milestones open (owner: the case's owner when the roles match, else the
   least-loaded user of the milestone's role). `escalate` names the least-loaded supervisor as
   the batch begins.
"""

from __future__ import annotations

from rules.enums import Stage
from rules.policy import Policy, StageDef


def allowed_move(policy: Policy, current: StageDef, target: StageDef) -> bool:
    """The ladder may move a case from `current` to `target`: the target is in `next`, and a
    sticky stage never moves back to an earlier stage unless the target is entered by an event
    (e.g. negotiation on a hardship claim)."""
    if target.stage not in current.next:
        return False
    if current.sticky and policy.stage_index(target.stage) < policy.stage_index(current.stage):
        return target.entry is not None and target.entry.needs_event
    return True


def allowed_moves(policy: Policy) -> frozenset[tuple[Stage, Stage]]:
    """Every (current, target) the ladder may take, target an open stage with an entry."""
    return frozenset(
        (current.stage, target.stage)
        for current in policy.stages
        for target in policy.entry_stages()
        if allowed_move(policy, current, target)
    )


def approved_transitions(policy: Policy) -> frozenset[tuple[Stage, Stage]]:
    """(current, target) where an approved review moves the case: a target without entry
    conditions (reached only by transition, e.g. a payment order), open, in `next`."""
    out: set[tuple[Stage, Stage]] = set()
    for current in policy.stages:
        for target in current.next:
            if not policy.has_stage(target) or target.is_closed:
                continue
            if policy.stage_def(target).entry is None:
                out.add((current.stage, target))
    return frozenset(out)


def advance_target(policy: Policy, stage: Stage) -> Stage | None:
    """Where a missed milestone with `on_miss: advance` takes a case in `stage`: the first open
    stage of its `next` that lies later in the ladder; None when there is none."""
    if not policy.has_stage(stage):
        return None
    current = policy.stage_index(stage)
    for nxt in policy.stage_def(stage).next:
        if not nxt.is_closed and policy.stage_index(nxt) > current:
            return nxt
    return None
