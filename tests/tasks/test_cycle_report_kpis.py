"""The daily cycle's artifact carries a compact KPI table: open cases by stage, the day's SLA
attainment and how many users are over capacity (tasks.report.build.day_kpis)."""

from __future__ import annotations

from typing import Any

from tasks.cycle.report import run_markdown
from tasks.report.build import DayKpis
from tasks.report.sla import attainment


def summary() -> dict[str, Any]:
    return {"as_of": "2026-11-02", "run_id": 7, "status": "succeeded", "policy_version": "abc",
            "cases": 3, "skipped": 0, "risk_changes": 0, "capacity_exceeded": False,
            "actions": {"owner_assigned": 3}, "missed": [], "missed_total": 0,
            "warnings": []}  # fmt: skip


def test_the_artifact_has_the_kpi_table() -> None:
    kpis = DayKpis(
        open_by_stage={"soft_reminder": 1200, "formal_demand": 3, "lawyer_letter": 1},
        sla=attainment({"w1": (2, 1), "w2": (0, 0)}, []),
    )
    over = [{"name": "w1", "role": "collector", "team": "t", "capacity": 1, "open_cases": 2}]
    lines = run_markdown(summary(), over_capacity=over, kpis=kpis).splitlines()
    start = lines.index("| KPI | value |")
    assert lines[start : start + 6] == [
        "| KPI | value |",
        "|---|---|",
        "| open cases | 1,204 |",
        "| open by stage | soft_reminder 1,200 · formal_demand 3 · lawyer_letter 1 |",
        "| SLA attainment of the day | 66.7% (2 met, 1 missed) |",
        "| users over capacity | 1 |",
    ]


def test_a_day_without_closed_milestones_has_no_rate_rather_than_zero() -> None:
    kpis = DayKpis(open_by_stage={}, sla=attainment({}, []))
    text = run_markdown(summary(), kpis=kpis)
    assert "| SLA attainment of the day | - (none met or missed) (0 met, 0 missed) |" in text
    assert "| open cases | 0 |" in text and "| open by stage | - |" in text
    assert "| KPI | value |" not in run_markdown(summary())  # no kpis given: no table
