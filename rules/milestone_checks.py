"""Milestone dates and checks, declared once for both daily-cycle engines and the intraday
check (the set-based engine compiles the same rules to SQL: tasks/cycle/sql/checks.py): due
dates (working, calendar or statutory), alert days, and whether recorded events meet a
milestone. Pure apart from the calendar they are given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from rules.calendar import BusinessCalendar
from rules.enums import Stage
from rules.periods import statutory_deadline
from rules.policy import MilestoneDef, Policy

# An escalation's action line: step `escalate:<milestone id>`, reason ending `; escalated to
# <supervisor>` (a user name, no spaces): tasks/milestones.py finds a supervisor's by them.
ESCALATE_STEP = "escalate:"
ESCALATED_TO = "escalated to "

# Milestones a review of a subject opens (tasks/negotiation/dispute_milestone.py), not a stage
# entry: the ladder does not declare them, the daily cycle misses, escalates and alerts them like
# the others but never waives them when the case changes stage (a hardship claim moves the case
# to negotiation and must still be decided); their decision meets them.
DISPUTE_DECISION = "dispute_decision"
SUBJECT_MILESTONE_KINDS: frozenset[str] = frozenset({DISPUTE_DECISION})


class DueDates:
    """Due dates of milestones by (definition, entry date), cached: a million cases share a few
    hundred entry dates. Collects the calendar's warnings."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self._cache: dict[tuple[int, date], tuple[date, date, str | None]] = {}
        self.warnings: list[str] = []

    def due(self, mdef: MilestoneDef, entry_on: date) -> tuple[date, date, str | None]:
        """(due date, latest due date, statutory rule or None) for a milestone opened on
        entering on `entry_on`. The due date is the earliest the deadline can fall on; the latest
        differs only in a year whose bridges and make-up days are not declared yet."""
        key = (id(mdef), entry_on)  # the policy's frozen definitions live for the whole run
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        rule: str | None = None
        warning: str | None = None
        if mdef.statutory_event is not None:
            result = statutory_deadline(mdef.statutory_event, entry_on, self.calendar)
            due, latest = result.deadline, result.latest
            rule, warning = result.rule[:200], result.calendar_warning
        elif mdef.unit == "working":
            due, latest = self.calendar.add_working_days_range(entry_on, mdef.offset or 0)
            warning = self.calendar.warning_for_span(entry_on, latest)
        else:
            due = latest = entry_on + timedelta(days=mdef.offset or 0)
        if warning and warning not in self.warnings:
            self.warnings.append(warning)
        self._cache[key] = (due, latest, rule)
        return due, latest, rule

    def alert_day(self, due: date, working_days_before: int) -> date:
        return self.calendar.add_working_days(due, -working_days_before)


def alert_lead(mdef: MilestoneDef | None, default: int) -> int:
    """Working days before the due day to alert the owner: the milestone's `alert_working_days`
    in the policy, or `default` for a milestone whose kind the policy in force dropped."""
    return mdef.alert_working_days if mdef is not None else default


def milestone_def(policy: Policy, stage: Stage, kind: str) -> MilestoneDef | None:
    """The policy's definition of a milestone kind in a stage (None if the policy dropped it)."""
    if not policy.has_stage(stage):
        return None
    for m in policy.stage_def(stage).milestones:
        if m.kind == kind:
            return m
    return None


def met_event(
    met_by: list[str], events: list[tuple[str, date]], since: date, as_of: date
) -> tuple[str, date] | None:
    """The first event named in `met_by` recorded from `since` to `as_of`, if any."""
    if not met_by:
        return None
    for event, on in events:
        if since <= on <= as_of and event in met_by:
            return event, on
    return None


def event_names(policy: Policy) -> tuple[frozenset[str], frozenset[str]]:
    """(flag names the entry conditions use, event names that meet milestones)."""
    flags: set[str] = set()
    met: set[str] = set()
    for s in policy.stages:
        if s.entry is not None:
            flags.update(s.entry.events or ())
            flags.update(s.entry.without_events or ())
        for m in s.milestones:
            met.update(m.met_by)
    return frozenset(flags), frozenset(met)


class Verdict(StrEnum):
    """What a check finds for one open milestone on a day."""

    MET = "met"  # an event in `met_by` was recorded since it opened
    MISSED = "missed"  # its due day is over (the daily cycle records the miss and its on_miss)
    ALERT = "alert"  # within its alert lead and not alerted yet
    NONE = "none"


@dataclass(frozen=True)
class MilestoneCheck:
    verdict: Verdict
    met: tuple[str, date] | None = None

    @property
    def met_reason(self) -> str:
        return f"{self.met[0]} on {self.met[1].isoformat()}" if self.met else ""


def check_milestone(
    *,
    due: date,
    opened_on: date,
    alerted_on: date | None,
    mdef: MilestoneDef | None,
    events: list[tuple[str, date]],
    as_of: date,
    dues: DueDates,
    default_lead: int,
) -> MilestoneCheck:
    """The one milestone check, shared by the daily cycle and the intraday deadline check:
    met from recorded events first, then missed once its due day is over, then an alert when
    the milestone's alert lead (working days) has come and it was not alerted yet."""
    met = met_event(mdef.met_by if mdef else [], events, opened_on, as_of)
    if met is not None:
        return MilestoneCheck(Verdict.MET, met)
    if due < as_of:
        return MilestoneCheck(Verdict.MISSED)
    if alerted_on is None and dues.alert_day(due, alert_lead(mdef, default_lead)) <= as_of:
        return MilestoneCheck(Verdict.ALERT)
    return MilestoneCheck(Verdict.NONE)
