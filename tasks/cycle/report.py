"""The run's Prefect artifact as markdown: counts, missed deadlines, warnings. Masked: only case
ids, milestone kinds, dates and staff user names appear, never a debtor's personal data."""

from __future__ import annotations

from typing import Any

from rules.masking import scrub_text


def run_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# Daily cycle {summary['as_of']} (run {summary['run_id']}, {summary['status']})",
        "",
        f"Policy version `{str(summary['policy_version'])[:12]}`; "
        f"{summary['cases']} open cases evaluated; "
        f"{summary['skipped']} actions already recorded (skipped); "
        f"risk tiers set or changed: {summary['risk_changes']}; "
        f"capacity exceeded: {'yes' if summary['capacity_exceeded'] else 'no'}.",
        "",
        "| action | count |",
        "|---|---:|",
    ]
    actions: dict[str, int] = summary["actions"]
    lines += [f"| {kind} | {n} |" for kind, n in actions.items()] or ["| (none) | 0 |"]
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
    lines += ["", "## Warnings", ""]
    lines += [f"- {w}" for w in summary["warnings"]] or ["none"]
    return scrub_text("\n".join(lines))
