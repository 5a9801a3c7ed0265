"""A scenario: a policy with its roster, a portfolio of open cases and several days, each with
what happens before its cycle runs (accounts age or pay, events recorded, reviews decided,
cases closed). Drawn by `scenarios()`; applied to a store by tasks/cycle_oracle/portfolio.py.

Everything is indexed by case number (0-based; the store's case id is number + 1), so the same
scenario plays identically on two fresh stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import strategies as st

from rules.enums import Outcome, RiskTier, Stage
from rules.events import cleared
from tests.tasks.cycle_oracle.strategies import (
    BALANCES,
    EVENTS,
    FLAGS,
    OPEN_STAGES,
    PolicyDraw,
    dpd_points,
    policies,
)

# First days of scenarios: around National Day 2026 (10-01..10-08, make-up days around it),
# Spring Festival 2027 (a year the calendar may not declare yet), New Year, ordinary weeks.
START_DAYS = [
    date(2026, 9, 28),
    date(2026, 9, 30),
    date(2026, 10, 7),
    date(2027, 2, 3),
    date(2027, 2, 9),
    date(2026, 12, 30),
    date(2026, 11, 2),
    date(2026, 4, 29),
]
GHOST = "ghost.user"  # an owner the roster does not know


@dataclass(frozen=True)
class CaseSeed:
    """One open case on the first day, its account and its customer's contact points."""

    dpd: int
    principal: int  # fen
    interest: int
    fees: int
    credit_limit: int  # fen; 0 = none on file (utilisation unknown)
    paid_days_ago: int | None  # last payment, days before the first day (< 0: after it)
    paid_amount: int | None  # fen
    phone: bool
    email: bool
    stage: Stage
    entered_days_ago: int
    owner: str | None
    risk_tier: RiskTier | None


@dataclass(frozen=True)
class AccountChange:
    """A new snapshot figure for one case: `dpd` (None: ages as usual), a payment of
    `paid` fen (recorded as the last payment, taken off the principal), contact points."""

    case: int
    dpd: int | None = None
    paid: int = 0
    phone: bool | None = None
    email: bool | None = None


@dataclass(frozen=True)
class DayPlan:
    """What happens before a day's cycle. `step`: days after the previous day (ignored for
    the first). Events are (case, event, days before this day: -1 is dated
    tomorrow, which today's cycle must not read); decisions (k, approve)
    decide the k-th pending review, modulo their number (portfolio.py); closures (case, outcome)."""

    step: int = 1
    changes: tuple[AccountChange, ...] = ()
    events: tuple[tuple[int, str, int], ...] = ()
    decisions: tuple[tuple[int, bool], ...] = ()
    closures: tuple[tuple[int, Outcome], ...] = ()


@dataclass(frozen=True)
class Scenario:
    drawn: PolicyDraw
    start: date
    cases: tuple[CaseSeed, ...]
    days: tuple[DayPlan, ...]
    batch_size: int
    rerun: int = -1  # the index of a day run twice (-1: none)
    between: DayPlan = DayPlan()  # what happens between that day's run and its rerun
    second: PolicyDraw | None = None  # a policy edited between days, in force from `switch_at`
    switch_at: int = 0

    def day_dates(self) -> list[date]:
        out: list[date] = []
        for i, plan in enumerate(self.days):
            out.append(self.start if i == 0 else out[-1] + timedelta(days=plan.step))
        return out

    def policy_on(self, index: int) -> PolicyDraw:
        """The policy in force on day `index`: the second one from `switch_at` on."""
        return self.second if self.second is not None and index >= self.switch_at else self.drawn

    def describe(self, cases: set[int] | None = None, upto: int | None = None) -> str:
        """The scenario as a person reads it: ladder, risk and buckets as YAML, the roster, the
        cases (only `cases`, by store id, when given) and the days (up to index `upto`)."""
        lines = [_policy_text(self.drawn)]
        if self.second is not None and (upto is None or upto >= self.switch_at):
            lines += [
                f"-- from day {self.switch_at + 1} on, this policy:",
                _policy_text(self.second),
            ]
        rerun = f"day {self.rerun + 1}, before it {_plan_text(self.between, cases)}"
        lines.append(f"batch_size {self.batch_size}; rerun {rerun if self.rerun >= 0 else 'none'}")
        for i, c in enumerate(self.cases):
            if cases is None or i + 1 in cases:
                lines.append(f"case {i + 1}: {c}")
        for i, (plan, day) in enumerate(zip(self.days, self.day_dates(), strict=True)):
            if upto is not None and i > upto:
                break
            lines.append(f"day {i + 1} {day}: {_plan_text(plan, cases)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Scenario(\n{self.describe()}\n)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis prints a failing example: as `describe` has it."""
        printer.text(repr(self))


def _policy_text(d: PolicyDraw) -> str:
    policy = {"stages": d.ladder, "risk": d.risk} | ({"buckets": d.buckets} if d.buckets else {})
    roster = ", ".join(f"{u.name}({u.capacity})" for u in d.users)
    text = yaml.safe_dump(policy, sort_keys=False, allow_unicode=True, width=120)
    return f"{text}roster: {roster}"


def _plan_text(plan: DayPlan, cases: set[int] | None) -> str:
    def mine(i: int) -> bool:
        return cases is None or i + 1 in cases

    parts: dict[str, Any] = {
        "changes": [c for c in plan.changes if mine(c.case)],
        "events": [(i + 1, e, back) for i, e, back in plan.events if mine(i)],
        "decisions (k-th pending review)": list(plan.decisions),
        "closures": [(i + 1, o.value) for i, o in plan.closures if mine(i)],
    }
    return "; ".join(f"{k} {v}" for k, v in parts.items() if v) or "nothing"


def _balance_points(drawn: PolicyDraw) -> list[Decimal]:
    """Balances where an entry bound or a risk threshold sits, and a step either side."""
    points = set(BALANCES)
    for s in drawn.ladder:
        entry = s.get("entry") or {}
        points |= {Decimal(entry[k]) for k in ("min_balance", "max_balance") if k in entry}
    out: set[Decimal] = set()
    for p in points:
        out |= {p, p - Decimal("0.01"), p + Decimal("0.01")}
    return sorted(x for x in out if x > 0)


@st.composite
def case_seeds(draw: st.DrawFn, drawn: PolicyDraw) -> CaseSeed:
    dpds = dpd_points(drawn.policy.buckets)
    dpd = draw(st.sampled_from(dpds) | st.integers(0, 260))
    balance = draw(
        st.sampled_from(_balance_points(drawn)).map(lambda b: int(b * 100))
        | st.integers(0, 300_000_00)
        | st.sampled_from([2_500_50, 3_501_50, 1_234_567_89, 2_000_000_000])  # halves, big
    )
    interest = draw(st.integers(0, min(balance, 2_000_00)))
    fees = draw(st.integers(0, min(balance - interest, 100_00)))
    limit = draw(
        st.sampled_from([0, balance, balance + 1, balance * 2, balance * 8, balance * 200])
        | st.integers(0, 400_000_00)
    )
    paid_days_ago = draw(st.none() | st.integers(0, 120) | st.integers(-3, -1))
    owners = [None, GHOST, *[u.name for u in drawn.users]]
    in_policy = [s.stage for s in drawn.policy.stages if not s.stage.is_closed]
    return CaseSeed(
        dpd=dpd,
        principal=balance - interest - fees,
        interest=interest,
        fees=fees,
        credit_limit=limit,
        paid_days_ago=paid_days_ago,
        paid_amount=None if paid_days_ago is None else draw(st.sampled_from([0, 1, 50_000])),
        phone=draw(st.integers(0, 4)) > 0,
        email=draw(st.booleans()),
        stage=draw(st.sampled_from(in_policy) | st.sampled_from(OPEN_STAGES)),
        entered_days_ago=draw(st.integers(0, 30)),
        owner=draw(st.sampled_from(owners)),
        risk_tier=draw(st.none() | st.sampled_from(list(RiskTier))),
    )


@st.composite
def day_plans(draw: st.DrawFn, n: int, dpds: list[int], names: list[str], first: bool) -> DayPlan:
    case = st.integers(0, n - 1)
    changes = draw(
        st.lists(
            st.builds(
                AccountChange,
                case=case,
                dpd=st.none() | st.sampled_from(dpds),
                paid=st.sampled_from([0, 0, 100_00, 5_000_00]),
                phone=st.none() | st.booleans(),
                email=st.none() | st.booleans(),
            ),
            max_size=0 if first else 6,
        )
    )
    recorded = draw(
        st.lists(
            st.tuples(case, st.sampled_from(names) | st.sampled_from(EVENTS), st.integers(-1, 2)),
            max_size=8,
        )
    )
    return DayPlan(
        step=1 if first else draw(st.sampled_from([1, 1, 1, 2, 3])),
        changes=tuple(changes),
        events=tuple(recorded),
        decisions=tuple(
            draw(st.lists(st.tuples(st.integers(0, 9), st.booleans()), max_size=0 if first else 4))
        ),
        closures=tuple(
            draw(
                st.lists(
                    st.tuples(case, st.sampled_from(list(Outcome))), max_size=0 if first else 2
                )
            )
        ),
    )


def _policy_events(drawn: PolicyDraw) -> list[str]:
    """The events this policy reads (flags, their clearing, milestones' met_by), so that
    recorded events often matter."""
    names: set[str] = set()
    for s in drawn.ladder:
        entry = s.get("entry") or {}
        flags = [*entry.get("events", []), *entry.get("without_events", [])]
        names |= set(flags) | {cleared(f) for f in flags}
        names |= {e for m in s.get("milestones", []) for e in m["met_by"]}
    return sorted(names) or FLAGS


@st.composite
def scenarios(draw: st.DrawFn, max_cases: int = 30) -> Scenario:
    drawn = draw(policies())
    cases = tuple(draw(st.lists(case_seeds(drawn), min_size=1, max_size=max_cases)))
    dpds = dpd_points(drawn.policy.buckets)
    n_days = draw(st.integers(3, 5))
    second = draw(policies()) if draw(st.integers(0, 3)) == 0 else None
    events = _policy_events(drawn) + (_policy_events(second) if second is not None else [])
    days = tuple(draw(day_plans(len(cases), dpds, events, first=i == 0)) for i in range(n_days))
    return Scenario(
        second=second,
        switch_at=draw(st.integers(1, n_days - 1)),
        drawn=drawn,
        start=draw(st.sampled_from(START_DAYS)),
        cases=cases,
        days=days,
        batch_size=-(-len(cases) // draw(st.integers(1, 4))),  # 1 to 4 batches
        rerun=draw(st.integers(-1, n_days - 1)),
        between=draw(day_plans(len(cases), dpds, events, first=False)),
    )
