"""What every batch of a run shares: the policy, calendar, roster, owner loads and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Engine

from rules.calendar import BusinessCalendar
from rules.policy import Policy
from rules.roster import User

KEY_VERSION_CHARS = 16  # of the policy version, in an action's idempotency key


def action_key(case_id: int, step: str, policy_version: str, as_of: date) -> str:
    """The idempotency key of an action: (case, step, policy version, as-of)."""
    return f"{case_id}|{step}|{policy_version[:KEY_VERSION_CHARS]}|{as_of.isoformat()}"


def step_slot(case_id: int, step: str) -> str:
    """A case's step on a day whatever the policy version: a policy edited during the day and
    the day run again does not plan the same step twice."""
    return f"{case_id}|{step}"


@dataclass
class RunTotals:
    """Counts a run accumulates over its batches."""

    cases: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    risk_changes: int = 0
    capacity_exceeded: bool = False
    missed: list[dict[str, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def merge(self, other: RunTotals) -> None:
        self.cases += other.cases
        self.actions.update(other.actions)
        self.skipped += other.skipped
        self.risk_changes += other.risk_changes
        self.capacity_exceeded = self.capacity_exceeded or other.capacity_exceeded
        self.missed.extend(other.missed)
        for w in other.warnings:
            self.warn(w)


class CycleContext:
    """One run's shared state. Deliberately a plain class (not a dataclass) so that Prefect does
    not walk into the engine and policy when it inspects task parameters."""

    def __init__(
        self,
        *,
        engine: Engine,
        as_of: date,
        policy: Policy,
        calendar: BusinessCalendar,
        users: list[User],
        run_id: int,
        loads: dict[str, int],
        batch_size: int = 20_000,
        alert_working_days: int = 1,
    ) -> None:
        self.engine = engine
        self.as_of = as_of
        self.policy = policy
        self.calendar = calendar
        self.users = users
        self.users_by_name = {u.name: u for u in users}
        self.run_id = run_id
        self.loads = loads
        self.batch_size = batch_size
        self.alert_working_days = alert_working_days
        self.totals = RunTotals()

    @property
    def version(self) -> str:
        return self.policy.version

    def key(self, case_id: int, step: str) -> str:
        return action_key(case_id, step, self.policy.version, self.as_of)
