"""The run's Prefect artifact as markdown: counts, missed deadlines, warnings. Masked: only case
ids, milestone kinds, dates and staff user names appear, never a debtor's personal data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rules.masking import scrub_text
from tasks.dispatch.report import day_contacts_markdown
from tasks.report.build import DayKpis
from tasks.workload import over_capacity_line


def _earlier_runs(earlier: Sequence[dict[str, Any]]) -> list[str]:
    """A rerun that found nothing new: what the day's earlier runs recorded, so the day's
    artifact (same key, latest version shown) is not replaced by an empty one."""
    total: Counter[str] = Counter()
    for r in earlier:
        total.update(r["actions"])
    ids = ", ".join(str(r["run_id"]) for r in earlier)
    lines = ["", f"## The day's earlier run(s): {ids}", "",
             "Nothing new in this run; the day's actions were recorded by the run(s) above:", "",
             "| action | count |", "|---|---:|"]  # fmt: skip
    lines += [f"| {k} | {n} |" for k, n in sorted(total.items())] or ["| (none) | 0 |"]
    return lines


def _kpi_table(kpis: DayKpis, over: int) -> list[str]:
    """A compact KPI table (tasks.report.build.day_kpis): open cases by stage, the day's SLA
    attainment, how many users are over capacity (named in the Workload line)."""
    stages = " · ".join(f"{s} {n:,}" for s, n in kpis.open_by_stage.items()) or "-"
    sla = kpis.sla.total
    rate = f"{sla.rate:.1%}" if sla.rate is not None else "- (none met or missed)"
    return ["", "| KPI | value |", "|---|---|",
            f"| open cases | {sum(kpis.open_by_stage.values()):,} |",
            f"| open by stage | {stages} |",
            f"| SLA attainment of the day | {rate} ({sla.met} met, {sla.missed} missed) |",
            f"| users over capacity | {over} |"]  # fmt: skip


def run_markdown(
    summary: dict[str, Any],
    earlier: Sequence[dict[str, Any]] = (),
    *,
    over_capacity: Sequence[dict[str, Any]] = (),
    kpis: DayKpis | None = None,
    contacts: Mapping[str, Any] | None = None,
) -> str:
    """`over_capacity`: tasks.workload.over_capacity_rows after the run (named in one line);
    `kpis`: the day's KPI table (tasks.report.build.day_kpis), none when not given."""
    lines = [
        f"# Daily cycle {summary['as_of']} (run {summary['run_id']}, {summary['status']})",
        "",
        f"Policy version `{str(summary['policy_version'])[:12]}`; "
        f"{summary['cases']} open cases evaluated; "
        f"{summary['skipped']} actions already recorded (skipped); "
        f"risk tiers set or changed: {summary['risk_changes']}; "
        f"capacity exceeded: {'yes' if summary['capacity_exceeded'] else 'no'}.",
        "",
        f"Workload: {over_capacity_line(over_capacity)}.",
        *(_kpi_table(kpis, len(over_capacity)) if kpis is not None else []),
        "",
        "| action | count |",
        "|---|---:|",
    ]
    actions: dict[str, int] = summary["actions"]
    lines += [f"| {kind} | {n} |" for kind, n in actions.items()] or ["| (none) | 0 |"]
    if not actions and earlier:
        lines += _earlier_runs(earlier)
    lines += ["", f"## Missed deadlines ({summary['missed_total']})", ""]
    if summary["missed"]:
        lines += ["| case | milestone | due | owner |", "|---:|---|---|---|"]
        lines += [
            f"| {m['case_id']} | {m['kind']} | {m['due']} | {m['owner'] or '-'} |"
            for m in summary["missed"]
        ]
        if summary["missed_total"] > len(summary["missed"]):
            lines.append(f"\n... and {summary['missed_total'] - len(summary['missed'])} more")
    else:
        lines.append("none")
    if contacts is not None:  # what became of the previous day's planned contacts
        lines += ["", f"# Contacts of {contacts['day']}"]
        lines += day_contacts_markdown(contacts)
    lines += ["", "## Warnings", ""]
    lines += [f"- {w}" for w in summary["warnings"]] or ["none"]
    return scrub_text("\n".join(lines))
