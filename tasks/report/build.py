"""The KPI report: every measure family over one period, as plain data for the renderers.

`build_report` runs the set-based queries (tasks/report/*: one module per family) on one
connection; `KpiReport.as_dict()` is the JSON the CLI prints and the templates read.
`day_kpis` is the compact table of the daily cycle's artifact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from rules.roster import User
from tasks.report.outcomes import (
    PAYMENTS_NOT_RECORDED,
    BalanceChange,
    CaseOutcomes,
    balance_change,
    case_outcomes,
)
from tasks.report.period import NotRecorded, Period
from tasks.report.portfolio import (
    Ageing,
    LegalPipeline,
    Workload,
    ageing,
    last_cycle_day,
    legal_pipeline,
    open_by_stage,
    workload,
)
from tasks.report.promises import PromiseKept, promise_kept
from tasks.report.rolls import RollRates, roll_rates
from tasks.report.sla import MILESTONE, SlaReport, attainment, closed_counts, sla_report


@dataclass(frozen=True)
class KpiReport:
    period: Period
    state_day: date  # the day the point-in-time figures are counted to
    cycle_ran: bool  # state_day is the latest daily cycle's (else no cycle ran: the period's end)
    rolls: RollRates
    outcomes: CaseOutcomes
    balance: BalanceChange | NotRecorded
    promise_kept: PromiseKept
    recoveries: NotRecorded
    sla: SlaReport
    ageing: Ageing
    workload: Workload
    legal: LegalPipeline

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": {"from": self.period.start, "to": self.period.end, "days": self.period.days},
            "state_as_of": self.state_day,
            "state_from_daily_cycle": self.cycle_ran,
            "roll_rates": self.rolls.as_dict(),
            "cases": self.outcomes.as_dict(),
            "promise_kept_rate": self.promise_kept.as_dict(),
            "recoveries": self.recoveries.as_dict(),
            "balance_change": self.balance.as_dict(),
            "sla": self.sla.as_dict(),
            "ageing": self.ageing.as_dict(),
            "workload": self.workload.as_dict(),
            "legal_pipeline": self.legal.as_dict(),
        }


def build_report(conn: Connection, period: Period, users: Sequence[User]) -> KpiReport:
    """Every measure over `period`; `users` is the roster (teams, capacities)."""
    rolls = roll_rates(conn, period)
    cycle_day = last_cycle_day(conn)
    day = cycle_day if cycle_day is not None else period.end
    return KpiReport(
        period=period,
        state_day=day,
        cycle_ran=cycle_day is not None,
        rolls=rolls,
        outcomes=case_outcomes(conn, period),
        balance=balance_change(conn, rolls.days),
        promise_kept=promise_kept(conn, period),
        recoveries=PAYMENTS_NOT_RECORDED,
        sla=sla_report(conn, period, users),
        ageing=ageing(conn, day),
        workload=workload(conn, users),
        legal=legal_pipeline(conn, period),
    )


@dataclass(frozen=True)
class DayKpis:
    """The daily cycle artifact's KPI table: open cases by stage, the day's SLA attainment
    (milestones met or missed that day). Who is over capacity the artifact already names."""

    open_by_stage: dict[str, int]
    sla: SlaReport


def day_kpis(conn: Connection, day: date, users: Sequence[User]) -> DayKpis:
    counts = closed_counts(conn, MILESTONE.c.closed_on == day)
    return DayKpis(open_by_stage(conn), attainment(counts, users))
