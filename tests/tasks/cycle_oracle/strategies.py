"""Hypothesis strategies for random valid policies drawn from the shipped ladder's vocabulary.

A policy is drawn as the YAML would hold it (plain dicts), so a failing example prints as a
ladder a person can read and paste into policy/ladder.yaml. Stages keep the ladder's order;
entry conditions are built to be disjoint (DPD bands, event stages kept apart by
`without_events`) and then narrowed by balance bounds and risk tiers; the whole is filtered by the
policy validator (rules/policy_validate.py) as `duecourse policy check` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from pydantic import TypeAdapter

from rules.buckets import DEFAULT_SCHEME, BucketScheme, BucketsFile
from rules.enums import Bucket, Channel, RiskTier, Role, Stage
from rules.events import CASE_FLAGS, MILESTONE_EVENTS, cleared
from rules.periods import PeriodEvent
from rules.policy import TEMPLATED_CHANNELS, Policy, RiskPolicy, StageDef
from rules.policy_validate import validate_policy
from rules.roster import User

OPEN_STAGES = [s for s in Stage if not s.is_closed]  # the enum keeps the ladder's order
CLOSED_STAGES = [s for s in Stage if s.is_closed]
FLAGS = sorted(CASE_FLAGS)
OWNER_ROLES = [Role.COLLECTOR, Role.COLLECTOR, Role.LEGAL, Role.SUPERVISOR, Role.OPS]
TEMPLATES: dict[Channel, list[str]] = {
    Channel.SMS: ["reminder_sms", "predue_sms"],
    Channel.EMAIL: ["reminder_email", "predue_email"],
    Channel.MAIL: ["collection_letter"],
    Channel.APP: ["reminder_sms"],
}
KNOWN_TEMPLATES = frozenset(t for names in TEMPLATES.values() for t in names)
# Every event a day may record: milestone events, case flags and their clearing.
EVENTS = sorted(MILESTONE_EVENTS | {cleared(f) for f in FLAGS})
BALANCES = [
    Decimal(v) for v in ("500", "5000", "29999.99", "30000", "30000.01", "100000", "150000")
]
RISK_VALUES: dict[str, list[Any]] = {
    "balance": BALANCES,
    "principal": [Decimal(v) for v in ("1000", "20000", "50000.50", "100000")],
    "dpd": [0, 30, 31, 60, 90, 91, 120, 180],
    "utilisation": [Decimal(v) for v in ("0.5", "0.9", "0.95", "1", "1.2")],
    "days_since_payment": [0, 10, 30, 60, 90],
    "recent_partial_payment": [True, False],
    "contactable": [True, False],
}
REASONS: dict[str, list[str]] = {
    "balance": ["balance {value:,.0f} ≥ {threshold:,.0f}", "balance {value}", "owes {value:,.2f}"],
    "principal": ["principal {value:,.0f} vs {threshold}", "principal {value:,.2f}", "big loan"],
    "dpd": ["DPD {value} > {threshold}", "DPD {value:,}", "{field} is {value:d}"],
    "utilisation": ["utilisation {value:.0%} ≥ {threshold:.0%}", "uses {value:.1%}", "{value}"],
    "days_since_payment": ["no payment for {value} days", "{value:,} days ({points} pts)"],
    "recent_partial_payment": ["recent partial payment", "{field} = {value}"],
    "contactable": ["not contactable", "contactable: {value}"],
}
# Formats the validator accepts that the SQL compiler may hand back to the reference evaluator
# (tasks/cycle/sql/risk_sql.py `Unsupported`): drawn now and then, so that path is played too.
EXOTIC_REASONS: dict[str, list[str]] = {
    "balance": ["balance {value:.0%}", "balance {value:>12}"],
    "principal": ["principal {value:.0%}", "principal {value!r}", "principal {value:,}"],
    "dpd": ["DPD {value:,.0f}", "DPD {value:>4}"],
    "utilisation": ["utilisation {value:,.3f}"],
    "days_since_payment": ["{value:,.0f} days"],
    "recent_partial_payment": ["partial: {value:d}"],
    "contactable": ["contactable: {value!s}"],
}


@dataclass(frozen=True)
class PolicyDraw:
    """A drawn policy: as built, and as YAML-shaped data for the failure message."""

    policy: Policy
    users: list[User]
    ladder: list[dict[str, Any]]
    risk: dict[str, Any]
    buckets: list[dict[str, Any]] | None  # None: the shipped scheme


@st.composite
def bucket_schemes(draw: st.DrawFn) -> tuple[BucketScheme, list[dict[str, Any]] | None]:
    """The shipped scheme mostly; sometimes other boundaries over a prefix of the buckets."""
    if draw(st.integers(0, 9)) < 7:
        return DEFAULT_SCHEME, None
    names = list(Bucket)[: draw(st.integers(2, len(Bucket)))]
    upper = draw(st.integers(0, 5))
    data: list[dict[str, Any]] = []
    for name in names[:-1]:
        data.append({"bucket": name.value, "max_dpd": upper})
        upper += draw(st.integers(5, 45))
    data.append({"bucket": names[-1].value})
    return BucketsFile.model_validate({"buckets": data}).scheme(), data


def dpd_points(scheme: BucketScheme) -> list[int]:
    """DPD values where something changes: bucket edges and the shipped ladder's bounds."""
    edges = {0, 1, 15, 45, 91, 200}
    for _bucket, lo, hi in scheme.ranges():
        edges |= {lo, lo + 1}
        if hi is not None:
            edges |= {hi, hi + 1}
    return sorted(edges)


def _bucket_form(draw: st.DrawFn, scheme: BucketScheme, lo: int, hi: int | None) -> dict[str, Any]:
    """The band [lo, hi] as min/max DPD, or as the buckets it touches with bounds where it
    cuts a bucket (both say the same)."""
    if not draw(st.booleans()):
        out: dict[str, Any] = {"min_dpd": lo} if lo > 0 or draw(st.booleans()) else {}
        return out | ({"max_dpd": hi} if hi is not None else {})
    out = {"buckets": []}
    for bucket, b_lo, b_hi in scheme.ranges():
        if (hi is None or b_lo <= hi) and (b_hi is None or b_hi >= lo):
            out["buckets"].append(bucket.value)
            if b_lo < lo:
                out["min_dpd"] = lo
            if hi is not None and (b_hi is None or b_hi > hi):
                out["max_dpd"] = hi
    return out


def _narrowed(draw: st.DrawFn, entry: dict[str, Any]) -> dict[str, Any]:
    """Extra conditions that only shrink an entry: balance bounds, risk tiers."""
    if draw(st.integers(0, 3)) == 0:
        lo, hi = sorted(draw(st.lists(st.sampled_from(BALANCES), min_size=2, max_size=2)))
        entry |= draw(
            st.sampled_from(
                [
                    {"min_balance": str(lo)},
                    {"max_balance": str(hi)},
                    {"min_balance": str(lo), "max_balance": str(hi)},
                ]
            )
        )
    if draw(st.integers(0, 3)) == 0:
        tiers = draw(st.lists(st.sampled_from(list(RiskTier)), min_size=1, max_size=2, unique=True))
        entry["risk_tiers"] = [t.value for t in tiers]
    return entry


@st.composite
def entry_plans(
    draw: st.DrawFn, stages: list[Stage], scheme: BucketScheme
) -> dict[Stage, dict[str, Any] | None]:
    """Entry conditions per stage: DPD stages on disjoint bands, event stages on disjoint flags
    (each later one without the earlier ones' flags), some stages without entry."""
    modes = {s: draw(st.sampled_from(["dpd", "dpd", "dpd", "event", "none"])) for s in stages}
    dpd_stages = [s for s in stages if modes[s] == "dpd"]
    event_stages = [s for s in stages if modes[s] == "event"][: len(FLAGS)]
    cuts = sorted(
        draw(
            st.lists(
                st.sampled_from(dpd_points(scheme)),
                min_size=len(dpd_stages),
                max_size=len(dpd_stages),
                unique=True,
            )
        )
    )
    shuffled: bool = draw(st.booleans())
    if shuffled:
        dpd_stages = list(draw(st.permutations(dpd_stages)))
    flags = draw(st.permutations(FLAGS))
    plan: dict[Stage, dict[str, Any] | None] = dict.fromkeys(stages)
    event_flags: list[str] = []
    for i, s in enumerate(event_stages):
        entry: dict[str, Any] = {"events": [flags[i]]}
        if event_flags:
            entry["without_events"] = list(event_flags)
        if draw(st.booleans()):
            entry |= {"min_dpd": 1, "max_dpd": draw(st.sampled_from([30, 90, 180]))}
        event_flags.append(flags[i])
        plan[s] = _narrowed(draw, entry)
    for i, s in enumerate(dpd_stages):
        hi = cuts[i + 1] - 1 if i + 1 < len(cuts) else None
        if hi is None and draw(st.integers(0, 3)) == 0:
            hi = cuts[i] + draw(st.integers(0, 60))
        entry = _bucket_form(draw, scheme, cuts[i], hi)
        if event_flags:
            entry["without_events"] = list(event_flags)
        elif draw(st.integers(0, 4)) == 0:
            entry["without_events"] = [draw(st.sampled_from(FLAGS))]
        plan[s] = _narrowed(draw, entry)
    return plan


@st.composite
def actions(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 3) | st.integers(1, 3))):
        channel = draw(st.sampled_from(list(Channel)))
        action: dict[str, Any] = {"key": f"act{i}", "channel": channel.value}
        if channel in TEMPLATED_CHANNELS:
            action["template"] = draw(st.sampled_from(TEMPLATES[channel]))
        action["offset_days"] = draw(st.integers(0, 3))
        repeat = draw(st.none() | st.integers(1, 4))
        if repeat is not None:
            action |= {"repeat_every_days": repeat, "max_times": draw(st.integers(1, 4))}
        out.append(action)
    return out


@st.composite
def milestones(draw: st.DrawFn, review: Role | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 2))):
        m: dict[str, Any] = {"kind": f"ms{i}"}
        if review is not None and draw(st.integers(0, 2)) == 0:
            m |= {"opens": "review_requested", "owner_role": review.value}
        else:
            m["owner_role"] = draw(st.sampled_from(OWNER_ROLES)).value
        if draw(st.integers(0, 4)) == 0:
            m["statutory_event"] = draw(st.sampled_from(list(PeriodEvent))).value
        else:
            m |= {
                "offset": draw(st.integers(0, 6)),
                "unit": draw(st.sampled_from(["calendar", "working"])),
            }
        m["on_miss"] = draw(st.sampled_from(["escalate", "reassign", "advance", "none"]))
        m["met_by"] = draw(
            st.lists(st.sampled_from(sorted(MILESTONE_EVENTS)), max_size=2, unique=True)
        )
        if draw(st.booleans()):
            m["alert_working_days"] = draw(st.integers(0, 4))
        out.append(m)
    return out


def _fix_reach(ladder: list[dict[str, Any]]) -> None:
    """A stage nothing reaches (no entry, in nobody's `next`) is put in another's `next`; an
    `advance` on a stage without an open next stage becomes `none`."""
    reached = {n for s in ladder for n in s.get("next", [])}
    opens = [s for s in ladder if "owner_role" in s]
    for s in ladder:
        if (s.get("entry") is None or "owner_role" not in s) and s["stage"] not in reached:
            other = next((o for o in opens if o["stage"] != s["stage"]), None)
            if other is not None:
                other["next"].append(s["stage"])
                reached.add(s["stage"])
    closed = {c.value for c in CLOSED_STAGES}
    for s in opens:
        if not set(s["next"]) - closed:
            for m in s["milestones"]:
                m["on_miss"] = "none" if m["on_miss"] == "advance" else m["on_miss"]


@st.composite
def ladders(draw: st.DrawFn, scheme: BucketScheme) -> list[dict[str, Any]]:
    stages = draw(st.lists(st.sampled_from(OPEN_STAGES), min_size=1, max_size=6, unique=True))
    stages.sort(key=OPEN_STAGES.index)
    closed = draw(st.lists(st.sampled_from(CLOSED_STAGES), min_size=1, max_size=3, unique=True))
    closed.sort(key=CLOSED_STAGES.index)
    entries = draw(entry_plans(stages, scheme))
    ladder: list[dict[str, Any]] = []
    for s in stages:
        review = draw(st.none() | st.sampled_from([Role.LEGAL, Role.SUPERVISOR, Role.COLLECTOR]))
        others = [o.value for o in stages if o != s]
        nxt = draw(st.lists(st.sampled_from(others), max_size=4, unique=True)) if others else []
        nxt += [c.value for c in draw(st.lists(st.sampled_from(closed), min_size=1, unique=True))]
        stage: dict[str, Any] = {
            "stage": s.value,
            "owner_role": draw(st.sampled_from(OWNER_ROLES)).value,
        }
        if entries[s] is not None:
            stage["entry"] = entries[s]
        if review is not None:
            stage["review"] = review.value
        if draw(st.integers(0, 2)) == 0:
            stage["sticky"] = True
        stage |= {"actions": draw(actions()), "milestones": draw(milestones(review)), "next": nxt}
        ladder.append(stage)
    ladder += [{"stage": c.value} for c in closed]
    _fix_reach(ladder)
    return ladder


@st.composite
def risk_policies(draw: st.DrawFn) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 6))):
        field = draw(st.sampled_from(sorted(RISK_VALUES)))
        boolean = field in ("recent_partial_payment", "contactable")
        ops = ["==", "!="] if boolean else [">", ">=", "<", "<=", "==", "!="]
        value = draw(st.sampled_from(RISK_VALUES[field]))
        exotic = draw(st.integers(0, 39)) == 0
        rules.append(
            {
                "field": field,
                "op": draw(st.sampled_from(ops)),
                "value": value if boolean else str(value),
                "points": draw(st.integers(-20, 40)),
                "reason": draw(
                    st.sampled_from(EXOTIC_REASONS[field] if exotic else REASONS[field])
                ),
            }
        )
    medium = draw(st.integers(0, 40))
    return {"tiers": {"high": medium + draw(st.integers(1, 40)), "medium": medium}, "rules": rules}


@st.composite
def rosters(draw: st.DrawFn, needed: set[Role]) -> list[User]:
    """Several users per needed role with small capacities (so capacity runs out); a role the
    ladder does not name (the supervisor who takes escalations) is sometimes missing."""
    users: list[User] = []
    for role in Role:
        low = 1 if role in needed else 0
        for k in range(draw(st.integers(low, 3))):
            capacity = 0 if role == Role.OPS else draw(st.integers(0, 6))
            users.append(
                User(
                    name=f"{role.value}.{k}",
                    display_name=f"{role.value} {k}",
                    role=role,
                    capacity=capacity,
                )
            )
    return users


def _roles(ladder: list[dict[str, Any]]) -> set[Role]:
    roles: set[Role] = set()
    for s in ladder:
        roles |= {Role(s[k]) for k in ("owner_role", "review") if k in s}
        roles |= {Role(m["owner_role"]) for m in s.get("milestones", [])}
    return roles


@st.composite
def policies(draw: st.DrawFn) -> PolicyDraw:
    """A policy the validator accepts (with its roster), as `tasks/policy.py` builds one."""
    scheme, bucket_data = draw(bucket_schemes())
    ladder = draw(ladders(scheme))
    risk = draw(risk_policies())
    users = draw(rosters(_roles(ladder)))
    stages = TypeAdapter(list[StageDef]).validate_python(ladder)
    policy = Policy.build(stages, RiskPolicy.model_validate(risk), scheme, "oracle")
    assume(not validate_policy(policy, KNOWN_TEMPLATES, users))
    return PolicyDraw(policy, users, ladder, risk, bucket_data)
