"""The daily cycle's artifact names who is over capacity after the run."""

from __future__ import annotations

from typing import Any

from tasks.cycle.report import run_markdown


def summary() -> dict[str, Any]:
    return {"as_of": "2026-11-02", "run_id": 7, "status": "succeeded", "policy_version": "abc",
            "cases": 3, "skipped": 0, "risk_changes": 0, "capacity_exceeded": True,
            "actions": {"owner_assigned": 3}, "missed": [], "missed_total": 0,
            "warnings": []}  # fmt: skip


def test_the_artifact_names_who_is_over_capacity() -> None:
    over = [
        {"name": "demo.liqiang", "role": "collector", "team": "t", "capacity": 150,
         "open_cases": 171},
        {"name": "demo.zhoujie", "role": "supervisor", "team": "t", "capacity": 60,
         "open_cases": 61},
    ]  # fmt: skip
    text = run_markdown(summary(), over_capacity=over)
    assert "Workload: over capacity: demo.liqiang 171/150, demo.zhoujie 61/60." in text
    assert "Workload: nobody over capacity." in run_markdown(summary())


def test_the_artifact_shows_the_previous_days_contacts_by_channel_and_status() -> None:
    contacts = {
        "day": "2026-11-01",
        "lines": {"sms:sent": 40, "call:queued": 12, "call:deferred": 3},
        "contacts": {"sms:sent": 40, "call:logged": 9},
    }
    text = run_markdown(summary(), contacts=contacts)
    assert "# Contacts of 2026-11-01" in text
    assert "## Channel actions by status (55)" in text
    assert "| call:deferred | 3 |" in text
    assert "## Contacts recorded that day (49)" in text and "| call:logged | 9 |" in text
    assert "Contacts of" not in run_markdown(summary())
