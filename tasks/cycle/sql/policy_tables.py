"""The policy in force as small scratch tables and CASE expressions for the batch's statements:
stages, milestones and what meets them, actions, allowed moves, the roster, and the due days
that call for an alert today (calendar arithmetic done here, in Python, once per lead)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from rules.entry_sql import bucket_case, entry_sql
from rules.enums import ActionKind, Stage
from rules.milestone_checks import DueDates, event_names
from rules.policy import EntryCondition, MilestoneOpens, Policy
from rules.transitions import advance_target, allowed_moves, approved_transitions
from tasks.cycle.context import CycleContext
from tasks.cycle.sql.dialect import Dialect

ALERT_HORIZON_DAYS = 120  # due days searched ahead of today for an alert lead's reach


def flag_names(policy: Policy) -> list[str]:
    return sorted(event_names(policy)[0])


def leads(policy: Policy, default: int) -> set[int]:
    return {m.alert_working_days for s in policy.stages for m in s.milestones} | {default}


def alert_days(dues: DueDates, as_of: date, lead: int) -> list[date]:
    """Due days on or after `as_of` whose alert day (`lead` working days before) has come."""
    return [
        as_of + timedelta(days=i)
        for i in range(ALERT_HORIZON_DAYS)
        if dues.alert_day(as_of + timedelta(days=i), lead) <= as_of
    ]


class PolicyTables:
    """Creates the policy's scratch tables for one batch and says its CASE expressions."""

    def __init__(self, ctx: CycleContext, d: Dialect, dues: DueDates) -> None:
        self.ctx, self.d, self.dues = ctx, d, dues
        self.policy = ctx.policy
        self.flags = flag_names(self.policy)

    def create(self) -> None:
        d, p = self.d, self.policy
        d.temp_table("ps", "stage TEXT PRIMARY KEY, role TEXT, review TEXT, idx INTEGER")
        d.fill(
            "ps",
            ("stage", "role", "review", "idx"),
            [
                (s.stage.value, _v(s.owner_role), _v(s.review), p.stage_index(s.stage))
                for s in p.stages
                if p.stage_index(s.stage) == p.stages.index(s)
            ],
        )
        d.temp_table(
            "pm",
            "stage TEXT, kind TEXT, lead INTEGER, of_review INTEGER, owner_role TEXT, "
            "on_miss TEXT, ord INTEGER, first INTEGER",
        )
        d.temp_table("pmb", "stage TEXT, kind TEXT, event TEXT")
        pm, pmb = [], []
        for s in p.stages:
            seen: set[str] = set()
            for i, m in enumerate(s.milestones):
                review = int(m.opens == MilestoneOpens.REVIEW_REQUESTED)
                first = int(m.kind not in seen)
                pm.append(
                    (
                        s.stage.value,
                        m.kind,
                        m.alert_working_days,
                        review,
                        m.owner_role.value,
                        m.on_miss,
                        i,
                        first,
                    )
                )
                if first:
                    pmb += [(s.stage.value, m.kind, e) for e in sorted(set(m.met_by))]
                seen.add(m.kind)
        d.fill(
            "pm",
            ("stage", "kind", "lead", "of_review", "owner_role", "on_miss", "ord", "first"),
            pm,
        )
        d.fill("pmb", ("stage", "kind", "event"), pmb)
        d.temp_table(
            "pa",
            "stage TEXT, kind TEXT, akey TEXT, channel TEXT, template TEXT, off INTEGER, "
            "rep INTEGER, mx INTEGER, ord INTEGER",
        )
        d.fill(
            "pa",
            ("stage", "kind", "akey", "channel", "template", "off", "rep", "mx", "ord"),
            [
                (
                    s.stage.value,
                    ActionKind.for_channel(a.channel).value,
                    a.key,
                    a.channel.value,
                    a.template,
                    a.offset_days,
                    a.repeat_every_days,
                    a.max_times,
                    i,
                )
                for s in p.stages
                for i, a in enumerate(s.actions)
            ],
        )
        d.temp_table("mv", "cur TEXT, tgt TEXT")
        d.fill("mv", ("cur", "tgt"), [(a.value, b.value) for a, b in sorted(allowed_moves(p))])
        d.temp_table("ex", "cur TEXT, tgt TEXT")
        d.fill(
            "ex", ("cur", "tgt"), [(a.value, b.value) for a, b in sorted(approved_transitions(p))]
        )
        d.temp_table("ro", "name TEXT, role TEXT")
        d.fill("ro", ("name", "role"), [(u.name, u.role.value) for u in self.ctx.users])
        d.temp_table("ok", "lead INTEGER, due DATE")
        as_of = self.ctx.as_of
        d.fill(
            "ok",
            ("lead", "due"),
            [
                (n, day if not d.sqlite else day.isoformat())
                for n in sorted(leads(p, self.ctx.alert_working_days))
                for day in alert_days(self.dues, as_of, n)
            ],
        )
        d.analyze("ps", "pm", "pmb", "pa", "mv", "ex", "ro", "ok")

    # -- expressions over the work table `w` ---------------------------------------------------

    def bucket(self) -> str:
        return bucket_case(self.policy, "w.dpd")

    def flag(self, name: str) -> str:
        return f"w.fl{self.flags.index(name)}"

    def _any_flag(self, names: Iterable[str]) -> str:
        tests = [f"{self.flag(n)} = 1" for n in names if n in self.flags]
        return "(" + " OR ".join(tests) + ")" if tests else "1 = 0"

    def entry(self, e: EntryCondition, tier: str = "w.tier") -> str:
        test = entry_sql(
            e,
            bucket="w.bucket",
            dpd="w.dpd",
            balance_fen="w.bal",
            tier=tier,
            any_flag=self._any_flag,
        )
        return test if test is not None else "1 = 0"  # not reached: tier and flags are given

    def goal(self, tier: str = "w.tier") -> str:
        """The open stage whose entry condition the case meets (first in ladder order)."""
        whens = [
            f"WHEN {self.entry(s.entry, tier)} THEN {self.d.lit(s.stage.value)}"
            for s in self.policy.entry_stages()
            if s.entry is not None
        ]
        return f"CASE {' '.join(whens)} END" if whens else "NULL"

    def advance(self) -> str:
        """advance_target of the case's stage (rules.transitions), NULL when none."""
        whens = [
            f"WHEN {self.d.lit(s.stage.value)} THEN {self.d.lit(t.value)}"
            for s in self.policy.stages
            if (t := advance_target(self.policy, s.stage)) is not None
        ]
        return f"CASE w.stage {' '.join(whens)} END" if whens else "NULL"

    def closed(self) -> str:
        return self.d.in_list(s.value for s in Stage if s.is_closed)


def _v(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))
