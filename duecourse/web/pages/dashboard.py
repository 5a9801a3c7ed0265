"""`/dashboard`: the operations view: the runs (`duecourse runs`: daily cycles, deadline checks,
contact dispatches, their counts, warnings and errors), the workload per owner against capacity,
and the KPI figures `duecourse report` computes (tasks.report.build_report) for the 30 days to
today: open cases by bucket, milestone SLA attainment, the legal pipeline.

Not for collectors: it is the whole portfolio (they have their queue and their deadlines).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from duecourse.web.auth import require_role, signed_in
from duecourse.web.pages.common import render, settings_of
from rules.enums import Role
from rules.roster import User
from tasks.clock import shanghai_time, today
from tasks.cycle.history import list_runs
from tasks.policy import load_roster
from tasks.report.build import build_report
from tasks.report.period import Period

router = APIRouter()
SignedIn = Annotated[User, Depends(signed_in)]
RUNS = 20


def duration(seconds: float | None) -> str:
    """As `duecourse runs` prints it: seconds up to two minutes, then minutes."""
    if seconds is None:
        return "-"
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def percent(value: float | None) -> str:
    """A rate as a percentage; '-' when there was nothing to divide by (never 0%)."""
    return "-" if value is None else f"{value:.0%}"


@router.get("/dashboard")
def dashboard_page(request: Request, user: SignedIn) -> Response:
    require_role(user, Role.OPS, Role.SUPERVISOR, Role.LEGAL)
    settings = settings_of(request)
    users = load_roster(settings.policy_dir)
    with settings.engine.connect() as conn:
        total_runs, runs = list_runs(conn, RUNS)
        kpis: dict[str, Any] = build_report(conn, Period.ending(today()), users).as_dict()
    for run in runs:  # stored in UTC; shown as `duecourse runs` shows them (Asia/Shanghai)
        if run["started_at"] is not None:
            run["started_at"] = shanghai_time(run["started_at"])
    return render(
        request,
        "dashboard.html",
        user,
        {
            "runs": runs,
            "total_runs": total_runs,
            "kpis": kpis,
            "duration": duration,
            "percent": percent,
        },
    )
