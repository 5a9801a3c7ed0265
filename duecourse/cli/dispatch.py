"""`duecourse dispatch [--as-of D] [--at HH:MM] [--json]`: carry out the day's planned contacts
(SMS, e-mail, letters for the mail batch, calls and visits for the work queues) through the
conduct gate, as the `contact-dispatch` flow does on its schedule."""

from __future__ import annotations

from datetime import time as clock_time
from typing import Annotated, Any

import typer
from rich.table import Table

from duecourse.cli.app import app
from duecourse.cli.common import (
    PrefectOpt,
    console,
    emit_json,
    parse_date,
    progress,
    progress_enabled,
    settings,
    through_prefect,
)
from rules.errors import InputError
from tasks.channels.settings import senders_from_env
from tasks.dispatch.run import dispatch_day, make_context

_STATUSES = ("sent", "delivered", "queued", "deferred", "blocked", "failed", "skipped")


def _parse_at(value: str | None) -> clock_time | None:
    if value is None:
        return None
    try:
        return clock_time.fromisoformat(value)
    except ValueError:
        raise InputError(f"--at {value!r} is not a time HH:MM") from None


def _print(summary: dict[str, Any]) -> None:
    at = summary["at"]
    console.print(
        f"contact dispatch {summary['as_of']} at {at:%H:%M %z} (run {summary['run_id']}): "
        f"{summary['lines']:,} lines, conduct pack {summary['conduct_pack']}",
        markup=False,
    )
    table = Table()
    table.add_column("channel")
    for status in _STATUSES:
        table.add_column(status, justify="right")
    for channel, counts in summary["by_channel"].items():
        table.add_row(channel, *(f"{counts.get(s, 0):,}" for s in _STATUSES))
    if not summary["by_channel"]:
        table.add_row("(nothing due)", *("0" for _ in _STATUSES))
    console.print(table)
    for title in ("blocked", "deferred"):
        if summary[title]:
            console.print(
                f"{title} by rule: " + ", ".join(f"{r} {n}" for r, n in summary[title].items()),
                markup=False,
            )
    for reason, n in summary["failures"].items():
        console.print(f"failed ({n}): {reason}", markup=False, soft_wrap=True)
    if summary["stale"]:
        console.print(f"stale lines skipped: {summary['stale']:,}")
    console.print(
        "senders: " + ", ".join(f"{c}: {d}" for c, d in summary["senders"].items()), markup=False
    )


@app.command("dispatch")
def dispatch_command(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day whose contacts to carry out; default today.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Time of day a simulated day runs as (HH:MM, Asia/Shanghai; only with "
            "DUECOURSE_TODAY set, default 09:00). A real dispatch sends now.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    use_prefect: PrefectOpt = None,
) -> None:
    """Send the day's SMS and e-mails, queue its calls, visits and letters, through the gate."""
    s = settings(ctx)
    day = parse_date(as_of)
    moment = _parse_at(at)
    prefect = through_prefect(use_prefect)
    if prefect:
        from flows.contact_dispatch import contact_dispatch
        from flows.daily_cycle import shared_url
        from flows.run_log import run_logs_off_terminal

        with run_logs_off_terminal():
            result = contact_dispatch(
                as_of=day, at=at, database_url=shared_url(s.engine),
                policy_dir=str(s.policy_dir), home=str(s.home),
            )  # fmt: skip
        assert isinstance(result, dict)  # a Failed state raised its cause already
        summary = result
    else:
        senders = senders_from_env(s.home)
        try:
            context = make_context(
                s.engine, day, policy_dir=s.policy_dir, senders=senders, at=moment
            )
            summary = _run(context, json_out)
        finally:
            for sender in senders.values():
                sender.close()
    if json_out:
        emit_json(summary)
    else:
        _print(summary)


def _run(context: Any, json_out: bool) -> dict[str, Any]:
    """The run, with a running count of the lines taken on stderr (a terminal only)."""
    with progress(progress_enabled(json_out), "dispatching lines") as tick:
        done = 0

        def counted(n: int) -> None:
            nonlocal done
            done += n
            if tick is not None:
                tick(done)

        return dispatch_day(context, on_progress=counted).as_dict()
