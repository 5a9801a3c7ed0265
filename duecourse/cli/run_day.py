"""`duecourse run-day [--as-of D] [--through D2] [--workers N] [--json]`: the daily cycle, one
day or a range."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from duecourse.cli.app import app
from duecourse.cli.common import (
    PrefectOpt,
    console,
    emit_json,
    err_console,
    parse_date,
    settings,
    through_prefect,
)
from duecourse.settings import Settings
from models.db import env_settings
from tasks.calendar import load_calendar
from tasks.cycle.after import after_day
from tasks.cycle.days import run_days_core
from tasks.cycle.parallel import run_days_at_once
from tasks.policy import load_policy


def _totals(days: list[dict[str, Any]]) -> dict[str, Any]:
    actions: Counter[str] = Counter()
    for d in days:
        actions.update(d.get("actions", {}))
    return {
        "actions": dict(sorted(actions.items())),
        "skipped": sum(int(d.get("skipped", 0)) for d in days),
        "days_run": sum(1 for d in days if not d.get("skipped_day")),
        "days_skipped": sum(1 for d in days if d.get("skipped_day")),
    }


def _public(summary: dict[str, Any]) -> dict[str, Any]:
    """The JSON contract first (run_id, as_of, actions, skipped, warnings), then the rest."""
    head = {k: summary.get(k) for k in ("run_id", "as_of", "actions", "skipped", "warnings")}
    head["warnings"] = head["warnings"] or []
    return {**head, **{k: v for k, v in summary.items() if k not in head}}


def _print_day(d: dict[str, Any]) -> None:
    if d.get("skipped_day"):
        console.print(f"{d['as_of']}: already run, skipped")
        return
    console.print(f"daily cycle {d['as_of']} (run {d['run_id']}): {d['cases']:,} open cases")
    table = Table()
    table.add_column("action")
    table.add_column("count", justify="right")
    for kind, n in d["actions"].items():
        table.add_row(kind, f"{n:,}")
    if not d["actions"]:
        table.add_row("(nothing new)", "0")
    console.print(table)
    console.print(
        f"already recorded (skipped): {d['skipped']:,}; risk tiers set or changed: "
        f"{d['risk_changes']:,}; missed deadlines: {d['missed_total']:,}; capacity exceeded: "
        f"{'yes' if d['capacity_exceeded'] else 'no'}"
    )
    if d.get("negotiation"):  # promises and plans kept or broken today
        kept = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in d["negotiation"].items())
        console.print(f"negotiation: {kept}")


def _after(s: Settings) -> Callable[[date, dict[str, Any]], None]:
    """The steps after each day's cycle (tasks/cycle/after.py), as the flow runs them. The
    policy is read after the first day ran: a policy that does not load is the cycle's failed
    run to record, not this step's."""

    def step(day: date, summary: dict[str, Any]) -> None:
        if not summary.get("skipped_day"):
            policy, calendar = load_policy(s.policy_dir), load_calendar(s.policy_dir)
            summary["after"] = after_day(
                s.engine, day, policy, calendar, policy_dir=s.policy_dir, home=s.home
            )

    return step


@app.command("run-day")
def run_day_command(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to run (YYYY-MM-DD); default today.")
    ] = None,
    through: Annotated[
        str | None,
        typer.Option("--through", help="Run every day up to this one; days already run skip."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    use_prefect: PrefectOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Batches at once on PostgreSQL (default DUECOURSE_CYCLE_WORKERS, 1); "
            "SQLite runs them one at a time.",
        ),
    ] = None,
) -> None:
    """The daily cycle: stages, risk, owners, milestones, deadline checks, the day's actions."""
    s = settings(ctx)
    start = parse_date(as_of)
    end: date | None = parse_date(through, "--through") if through else None
    prefect = through_prefect(use_prefect)
    if prefect:
        from flows.daily_cycle import run_days

        days = run_days(start, end, policy_dir=s.policy_dir, engine=s.engine, workers=workers)
    elif (workers or env_settings().cycle_workers) > 1:  # threads of this process, no Prefect
        days = run_days_at_once(s.engine, start, end, s.policy_dir, workers, _after(s))
    else:  # the same core without Prefect: no server to record to, no second of import
        days = run_days_core(s.engine, start, end, s.policy_dir, _after(s))
    warnings = sorted({w for d in days for w in d.get("warnings", [])})
    for w in warnings:
        err_console.print(f"warning: {w}", markup=False, soft_wrap=True)
    if json_out:
        if end is None:
            emit_json(_public(days[0]))
        else:
            emit_json({"days": [_public(d) for d in days], "totals": _totals(days)})
        return
    for d in days:
        _print_day(d)
    if end is not None:
        t = _totals(days)
        console.print(
            f"{t['days_run']} day(s) run, {t['days_skipped']} already run; "
            f"{sum(t['actions'].values()):,} actions"
        )
