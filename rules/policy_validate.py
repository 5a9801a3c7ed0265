"""Checks of a whole policy that the models alone cannot make. Pure: returns problems, each with
the part (ladder, risk, buckets, roster) and the path inside that part's document, so the loader
can point at the file and line.

Overlap of entry conditions (no two open stages may match the same case). Two conditions
overlap when some case satisfies both; the dimensions are independent, so they overlap exactly
when they overlap on every one of them:
- DPD: each condition is a set of DPD intervals: its buckets mapped to their DPD ranges through
  the bucket scheme (a case's bucket is a function of its DPD), intersected with
  [min_dpd, max_dpd]; the two sets must intersect;
- balance: the closed intervals [min_balance, max_balance] must intersect (bounds inclusive, so
  max 100000 and min 100000 overlap: write 99999.99);
- risk tier: either leaves it open, or the listed tiers share one;
- events: with W the union of both `without_events`, each condition that requires events must
  keep at least one of them outside W (a case carrying just those then matches both).
This test is exact (sound and complete) for conditions over these fields.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rules.buckets import BucketScheme
from rules.enums import Role, Stage
from rules.events import MILESTONE_EVENTS
from rules.policy import (
    TEMPLATED_CHANNELS,
    EntryCondition,
    MilestoneDef,
    MilestoneOpens,
    Policy,
    RiskRule,
    StageDef,
)
from rules.roster import User, duplicate_names

Path = tuple[str | int, ...]
INFINITY = 10**9  # an open upper DPD bound

BOOL_FIELDS = frozenset({"recent_partial_payment", "contactable"})
INT_FIELDS = frozenset({"dpd", "days_since_payment"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the policy: `part` is ladder, risk, buckets or roster."""

    part: str
    path: Path
    message: str


# ---- entry conditions as sets -------------------------------------------------------------


def dpd_intervals(entry: EntryCondition, scheme: BucketScheme) -> list[tuple[int, int]]:
    """The DPD values a condition admits, as sorted disjoint closed intervals."""
    lo = entry.min_dpd if entry.min_dpd is not None else 0
    hi = entry.max_dpd if entry.max_dpd is not None else INFINITY
    if entry.buckets is None:
        base = [(0, INFINITY)]
    else:
        base = [
            (b_lo, b_hi if b_hi is not None else INFINITY)
            for bucket, b_lo, b_hi in scheme.ranges()
            if bucket in entry.buckets
        ]
    out = [(max(lo, a), min(hi, b)) for a, b in sorted(base)]
    return [(a, b) for a, b in out if a <= b]


def _intervals_meet(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> bool:
    return any(max(a, c) <= min(b, d) for a, b in xs for c, d in ys)


def _balance_range(entry: EntryCondition) -> tuple[Decimal | None, Decimal | None]:
    return entry.min_balance, entry.max_balance


def _balance_meet(a: EntryCondition, b: EntryCondition) -> bool:
    lows = [x for x in (a.min_balance, b.min_balance) if x is not None]
    highs = [x for x in (a.max_balance, b.max_balance) if x is not None]
    return not lows or not highs or max(lows) <= min(highs)


def _events_meet(a: EntryCondition, b: EntryCondition) -> bool:
    without = set(a.without_events or ()) | set(b.without_events or ())
    return all(c.events is None or set(c.events) - without for c in (a, b))


def _tiers_meet(a: EntryCondition, b: EntryCondition) -> bool:
    if a.risk_tiers is None or b.risk_tiers is None:
        return True
    return bool(set(a.risk_tiers) & set(b.risk_tiers))


def entries_overlap(a: EntryCondition, b: EntryCondition, scheme: BucketScheme) -> bool:
    """True when some case could match both conditions (see the module docstring)."""
    return (
        _intervals_meet(dpd_intervals(a, scheme), dpd_intervals(b, scheme))
        and _balance_meet(a, b)
        and _tiers_meet(a, b)
        and _events_meet(a, b)
    )


def entry_never_matches(entry: EntryCondition, scheme: BucketScheme) -> str | None:
    """Why no case can ever match the condition, or None when some can."""
    if not dpd_intervals(entry, scheme):
        return "entry can never match: its buckets and DPD bounds leave no DPD"
    lo, hi = _balance_range(entry)
    if lo is not None and hi is not None and lo > hi:
        return f"entry can never match: min_balance {lo} is above max_balance {hi}"
    if entry.risk_tiers is not None and not entry.risk_tiers:
        return "entry can never match: risk_tiers is empty"
    if entry.events is not None and not set(entry.events) - set(entry.without_events or ()):
        return "entry can never match: every one of its events is also in without_events"
    return None


# ---- the checks ---------------------------------------------------------------------------


def _ladder(*path: str | int) -> Path:
    return ("stages", *path)


def _check_stage_shapes(
    policy: Policy, known_templates: Collection[str] | None
) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    seen: set[Stage] = set()
    for i, s in enumerate(policy.stages):
        if s.stage in seen:
            out.append((_ladder(i, "stage"), f"stage {s.stage} is declared twice"))
        seen.add(s.stage)
        if s.stage.is_closed:
            if s.entry is not None:
                out.append((_ladder(i, "entry"), f"closed stage {s.stage} cannot have an entry"))
        elif s.owner_role is None:
            out.append((_ladder(i, "stage"), f"open stage {s.stage} needs an owner_role"))
        out.extend(_check_entry(i, s, policy.buckets))
        out.extend(_check_actions(i, s, known_templates))
        out.extend(_check_milestones(i, s))
    return out


def _check_entry(i: int, s: StageDef, scheme: BucketScheme) -> list[tuple[Path, str]]:
    """The entry's buckets exist in the scheme, and some case can match it."""
    if s.entry is None:
        return []
    scheme_buckets = {b for b, _, _ in scheme.ranges()}
    out = [
        (_ladder(i, "entry", "buckets"), f"bucket {b} is not in buckets")
        for b in s.entry.buckets or ()
        if b not in scheme_buckets
    ]
    why = entry_never_matches(s.entry, scheme)
    if why:
        out.append((_ladder(i, "entry"), why))
    return out


def _check_milestones(i: int, s: StageDef) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for j, m in enumerate(s.milestones):
        where = _ladder(i, "milestones", j)
        if m.offset is None and m.statutory_event is None:
            out.append((where, f"milestone {m.kind} needs an offset or a statutory_event"))
        if m.offset is not None and m.statutory_event is not None:
            out.append((where, f"milestone {m.kind}: give an offset or a statutory_event"))
        if m.on_miss == "advance" and not any(not n.is_closed for n in s.next):
            out.append((where, f"milestone {m.kind}: on_miss advance but no open next stage"))
        out.extend(_check_milestone_events(where, m))
        out.extend(_check_review_milestone(where, s, m))
    return out


def _check_milestone_events(where: Path, m: MilestoneDef) -> list[tuple[Path, str]]:
    """Every `met_by` event is one the product records or will record (rules.events): a name
    outside that vocabulary would leave the milestone waiting for an event that never comes."""
    out: list[tuple[Path, str]] = []
    for k, name in enumerate(m.met_by):
        if name not in MILESTONE_EVENTS:
            known = ", ".join(sorted(MILESTONE_EVENTS))
            msg = (
                f"milestone {m.kind}: met_by {name!r} is not an event the product records "
                f"(rules/events.py; known: {known})"
            )
            out.append(((*where, "met_by", k), msg))
    return out


def _check_review_milestone(where: Path, s: StageDef, m: MilestoneDef) -> list[tuple[Path, str]]:
    """A milestone that opens with the review needs a stage that has one, owned by its role."""
    if m.opens != MilestoneOpens.REVIEW_REQUESTED:
        return []
    if s.review is None:
        msg = f"milestone {m.kind} opens with the review, but stage {s.stage} needs no review"
        return [((*where, "opens"), msg)]
    if m.owner_role != s.review:
        msg = (
            f"milestone {m.kind} measures the {s.review} review: its owner_role must be "
            f"{s.review}, not {m.owner_role}"
        )
        return [((*where, "owner_role"), msg)]
    return []


def _check_actions(
    i: int, s: StageDef, known_templates: Collection[str] | None
) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    keys: set[str] = set()
    for j, a in enumerate(s.actions):
        where = _ladder(i, "actions", j)
        if a.key in keys:
            out.append(((*where, "key"), f"duplicate action key {a.key!r} in stage {s.stage}"))
        keys.add(a.key)
        if a.channel in TEMPLATED_CHANNELS and a.template is None:
            out.append((where, f"action {a.key}: channel {a.channel} needs a template"))
        if a.channel not in TEMPLATED_CHANNELS and a.template is not None:
            out.append(((*where, "template"), f"action {a.key}: {a.channel} takes no template"))
        known_kinds = known_templates if known_templates is not None else None
        if a.template is not None and known_kinds is not None and a.template not in known_kinds:
            known = ", ".join(sorted(known_kinds)) or "none"
            msg = f"unknown template {a.template!r} (known: {known})"
            out.append(((*where, "template"), msg))
        if a.max_times > 1 and a.repeat_every_days is None:
            msg = f"action {a.key}: max_times needs repeat_every_days"
            out.append(((*where, "max_times"), msg))
    return out


def _check_graph(policy: Policy) -> list[tuple[Path, str]]:
    """Every `next` names another declared stage, every stage is reached (by its entry or a
    `next`), and every open stage can reach a closed outcome."""
    return _check_next(policy) + _check_reached(policy) + _check_closable(policy)


def _check_next(policy: Policy) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    declared = {s.stage for s in policy.stages}
    for i, s in enumerate(policy.stages):
        for j, n in enumerate(s.next):
            if n not in declared:
                out.append((_ladder(i, "next", j), f"next stage {n} is not in the ladder"))
            elif n == s.stage:
                out.append((_ladder(i, "next", j), f"stage {s.stage} lists itself in next"))
    return out


# Closed outcomes a command reaches from any stage, not a ladder move: `withdrawn` is the outcome
# of an identity-theft claim upheld (`duecourse dispute resolve`), whatever stage the case is in.
CLOSED_BY_COMMAND = frozenset({Stage.WITHDRAWN})


def _check_reached(policy: Policy) -> list[tuple[Path, str]]:
    reached = {n for s in policy.stages for n in s.next if n != s.stage} | CLOSED_BY_COMMAND
    return [
        (
            _ladder(i, "stage"),
            f"nothing reaches stage {s.stage}: it has no entry and no stage lists it in next",
        )
        for i, s in enumerate(policy.stages)
        if (s.entry is None or s.stage.is_closed) and s.stage not in reached
    ]


def _reachable(graph: dict[Stage, list[Stage]], start: Stage) -> set[Stage]:
    seen, todo = {start}, [start]
    while todo:
        for n in graph.get(todo.pop(), []):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def _check_closable(policy: Policy) -> list[tuple[Path, str]]:
    declared = {s.stage for s in policy.stages}
    graph = {s.stage: [n for n in s.next if n in declared] for s in policy.stages}
    return [
        (
            _ladder(i, "next"),
            f"stage {s.stage} cannot reach a closed outcome (cured, paid, settled, ...)",
        )
        for i, s in enumerate(policy.stages)
        if not s.stage.is_closed and not any(x.is_closed for x in _reachable(graph, s.stage))
    ]


def _check_overlaps(policy: Policy) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    entries = [
        (i, s) for i, s in enumerate(policy.stages) if s.entry is not None and not s.stage.is_closed
    ]
    for n, (_, a) in enumerate(entries):
        for j, b in entries[n + 1 :]:
            assert a.entry is not None and b.entry is not None
            if entries_overlap(a.entry, b.entry, policy.buckets):
                msg = f"entry of {b.stage} overlaps the entry of {a.stage}: a case could match both"
                out.append((_ladder(j, "entry"), msg))
    return out


def _check_roles(policy: Policy, users: Sequence[User]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    staffed = {u.role for u in users}

    def need(role: Role | None, path: Path) -> None:
        if role is not None and role not in staffed:
            out.append((path, f"no user in the roster has role {role}"))

    for i, s in enumerate(policy.stages):
        need(s.owner_role, _ladder(i, "owner_role"))
        need(s.review, _ladder(i, "review"))
        for j, m in enumerate(s.milestones):
            need(m.owner_role, _ladder(i, "milestones", j, "owner_role"))
    return out


def _sample(field: str) -> Any:
    if field in BOOL_FIELDS:
        return True
    if field in INT_FIELDS:
        return 95
    return Decimal("182000.50")


def _check_risk(policy: Policy) -> list[Problem]:
    out: list[Problem] = []
    tiers = policy.risk.tiers
    if tiers.high <= tiers.medium:
        out.append(Problem("risk", ("tiers",), "tiers: high must be above medium"))
    for i, rule in enumerate(policy.risk.rules):
        out.extend(Problem("risk", ("rules", i, *p), m) for p, m in _check_rule(rule))
    return out


def _check_rule(rule: RiskRule) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    if rule.field in BOOL_FIELDS:
        if not isinstance(rule.value, bool):
            out.append((("value",), f"{rule.field} is true or false, not {rule.value}"))
        if rule.op not in ("==", "!="):
            out.append((("op",), f"{rule.field} is true or false: use == or !="))
    elif isinstance(rule.value, bool):
        out.append((("value",), f"{rule.field} needs a number, not {rule.value}"))
    try:
        rule.reason.format(
            value=_sample(rule.field), threshold=rule.value, field=rule.field, points=rule.points
        )
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:
        out.append((("reason",), f"reason does not format: {type(exc).__name__}: {exc}"))
    return out


def validate_roster(users: Sequence[User]) -> list[Problem]:
    return [
        Problem("roster", ("users", i, "name"), f"user name {name!r} is used twice")
        for i, name in duplicate_names(users)
    ]


def validate_policy(
    policy: Policy,
    known_templates: Collection[str] | None = None,
    users: Sequence[User] | None = None,
) -> list[Problem]:
    """Every problem of the policy (empty when it is sound). `known_templates`: the document
    kinds that exist (None skips that check); `users`: the roster (None skips role staffing)."""
    ladder: list[tuple[Path, str]] = []
    ladder += _check_stage_shapes(policy, known_templates)
    ladder += _check_graph(policy)
    ladder += _check_overlaps(policy)
    if users is not None:
        ladder += _check_roles(policy, users)
    problems = [Problem("ladder", p, m) for p, m in ladder]
    problems += _check_risk(policy)
    if users is not None:
        problems += validate_roster(users)
    return problems
