"""The ops view of contacts: what a dispatch run did (by channel and status, blocked and deferred
by the conduct rule that stopped them, failures by reason), and the day's contacts for the daily
cycle's artifact. Markdown for Prefect artifacts; no personal data (reasons never carry any)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _counts_table(title: str, counts: Mapping[str, int], head: str) -> list[str]:
    lines = ["", f"## {title} ({sum(counts.values())})", ""]
    if not counts:
        return [*lines, "none"]
    return [*lines, f"| {head} | count |", "|---|---:|"] + [
        f"| {_cell(k)} | {n} |" for k, n in counts.items()
    ]


def _cell(text: str) -> str:
    """A table cell: a reason's `|` would end it, a line break the row."""
    return " ".join(text.split()).replace("|", "\\|")


def dispatch_markdown(summary: Mapping[str, Any]) -> str:
    """A dispatch run for its Prefect artifact."""
    at = summary["at"]
    when = at.strftime("%H:%M %z") if hasattr(at, "strftime") else str(at)
    lines = [
        f"# Contact dispatch {summary['as_of']} at {when} (run {summary['run_id']})",
        "",
        f"Conduct pack `{summary['conduct_pack']}`; {summary['lines']} lines taken in "
        f"{summary['batches']} batch(es); {summary['stale']} stale lines skipped.",
        "",
        "Senders: " + ", ".join(f"{c}: {d}" for c, d in summary["senders"].items()) + ".",
        "",
        "| channel | " + " | ".join(_STATUSES) + " |",
        "|---|" + "---:|" * len(_STATUSES),
    ]
    by_channel: Mapping[str, Mapping[str, int]] = summary["by_channel"]
    for channel, counts in by_channel.items():
        lines.append(
            f"| {channel} | " + " | ".join(str(counts.get(s, 0)) for s in _STATUSES) + " |"
        )
    if not by_channel:
        lines.append("| (nothing due) |" + " 0 |" * len(_STATUSES))
    lines += _counts_table("Blocked by rule", summary["blocked"], "rule")
    lines += _counts_table("Deferred by rule", summary["deferred"], "rule")
    lines += _counts_table("Failures", summary["failures"], "reason")
    return "\n".join(lines) + "\n"


_STATUSES = ("sent", "delivered", "queued", "deferred", "blocked", "failed", "skipped")


def day_contacts(conn: Connection, day: date) -> dict[str, Any]:
    """The day's channel lines by channel and status, and its contacts by channel and status
    (for the daily cycle's artifact: what was planned and what became of it so far)."""
    lines = conn.execute(
        sa.text(
            "SELECT channel, status, count(*) FROM cycle_action WHERE as_of = :day "
            "AND channel IN ('sms', 'email', 'app', 'call', 'visit', 'mail') "
            "GROUP BY channel, status ORDER BY channel, status"
        ),
        {"day": day},
    ).all()
    contacts = conn.execute(
        sa.text(
            "SELECT channel, status, count(*) FROM contact WHERE as_of = :day "
            "GROUP BY channel, status ORDER BY channel, status"
        ),
        {"day": day},
    ).all()
    return {
        "lines": {f"{c}:{s}": n for c, s, n in lines},
        "contacts": {f"{c}:{s}": n for c, s, n in contacts},
    }


def day_contacts_markdown(counts: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Markdown lines for `day_contacts`."""
    out = _counts_table("Channel actions by status", counts["lines"], "channel:status")
    out += _counts_table("Contacts recorded that day", counts["contacts"], "channel:status")
    return out
