"""`duecourse serve`: serve prefect.yaml's deployments, with their schedules, on this machine.

The schedules and flows come from prefect.yaml (one source of truth); the store and policy of
this command's --home / --database-url / DUECOURSE_POLICY_DIR are passed as parameters. Served
deployments are named `<name>-served` (`daily-cycle-served`), so that `serve` and
`prefect deploy` (work-pool deployments named as in prefect.yaml) never overwrite each other.
`--cron` replaces the schedules (still Asia/Shanghai), to watch a run happen soon.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from duecourse.cli.app import app
from duecourse.cli.common import console, err_console, settings
from duecourse.prefect_yaml import PREFECT_YAML, CronEntry, read_deployments
from duecourse.settings import Settings, shown_url
from rules.errors import InputError
from rules.masking import has_secret

SERVED_SUFFIX = "-served"
DAILY_DEPLOYMENT = "daily-cycle"
CHECK_DEPLOYMENT = "deadline-check"
DISPATCH_DEPLOYMENT = "contact-dispatch"


def check_cron(value: str, option: str) -> str:
    """A cron of 5 fields (or 6, the last one seconds); a bad one is one line naming the option."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=value, timezone="Asia/Shanghai")
    except ValueError:
        raise InputError(
            f'{option}: {value!r} is not a cron (e.g. "*/2 * * * *": every 2 minutes)'
        ) from None
    return value


def build_deployments(
    s: Settings, path: Path = PREFECT_YAML, crons: dict[str, str] | None = None
) -> list[Any]:
    """Runner deployments of prefect.yaml's flows, with its cron schedules and time zones;
    `crons` maps a prefect.yaml deployment name to a cron that replaces its schedules."""
    from prefect.flows import load_flow_from_entrypoint
    from prefect.schedules import Cron

    out = []
    for d in read_deployments(path):
        entry = f"{(path.parent / d.flow_file).resolve()}:{d.flow_function}"
        flow: Any = load_flow_from_entrypoint(entry)
        override = (crons or {}).get(d.name)
        declared = [CronEntry(cron=override, timezone="Asia/Shanghai")] if override else None
        schedules = [
            Cron(x.cron, timezone=x.timezone, active=x.active) for x in declared or d.schedules
        ]
        # a URL with a password stays out of the deployment (the UI shows parameters): the
        # served runs then read DUECOURSE_DATABASE_URL from this process's environment
        url = None if has_secret(s.url) else s.url
        params = {"database_url": url, "policy_dir": str(s.policy_dir)}
        params.update(d.parameters)
        out.append(
            flow.to_deployment(
                name=f"{d.name}{SERVED_SUFFIX}",
                schedules=schedules,
                parameters=params,
                description=d.description,
                tags=list(d.tags) if d.tags is not None else None,
                concurrency_limit=d.concurrency_limit,
            )
        )
    return out


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    limit: Annotated[
        int | None, typer.Option("--limit", help="At most this many flow runs at once.")
    ] = None,
    cron: Annotated[
        str | None,
        typer.Option("--cron", help='Replace every schedule, e.g. "*/2 * * * *" (to try it).'),
    ] = None,
    cron_daily: Annotated[
        str | None, typer.Option("--cron-daily", help="Replace the daily cycle's schedule.")
    ] = None,
    cron_check: Annotated[
        str | None, typer.Option("--cron-check", help="Replace the deadline check's schedule.")
    ] = None,
    cron_dispatch: Annotated[
        str | None,
        typer.Option("--cron-dispatch", help="Replace the contact dispatch's schedule."),
    ] = None,
) -> None:
    """Serve the daily cycle, the deadline check and the contact dispatch with their schedules
    (Asia/Shanghai)."""
    crons: dict[str, str] = {}
    for name, value, option in (
        (DAILY_DEPLOYMENT, cron_daily or cron, "--cron-daily" if cron_daily else "--cron"),
        (CHECK_DEPLOYMENT, cron_check or cron, "--cron-check" if cron_check else "--cron"),
        (
            DISPATCH_DEPLOYMENT,
            cron_dispatch or cron,
            "--cron-dispatch" if cron_dispatch else "--cron",
        ),
    ):
        if value is not None:
            crons[name] = check_cron(value, option)
    from prefect import serve

    s = settings(ctx)
    s.engine  # migrate the store before the first scheduled run  # noqa: B018
    os.environ["DUECOURSE_DATABASE_URL"] = s.url  # the served runs' processes inherit it
    os.environ["DUECOURSE_HOME"] = str(s.home)  # and the failure alerts' outbox under it
    deployments = build_deployments(s, crons=crons)
    names = ", ".join(d.name for d in deployments)
    console.print(f"serving {names}; store {shown_url(s.url)}; policy {s.policy_dir}")
    for name, value in crons.items():
        console.print(f"schedule of {name} replaced: {value!r} (Asia/Shanghai)", markup=False)
    if not os.environ.get("PREFECT_API_URL"):
        err_console.print(
            "note: PREFECT_API_URL is not set, so Prefect runs a temporary server inside this "
            "process: the schedules and run history live only as long as it does. For a lasting "
            "UI run `prefect server start` and export PREFECT_API_URL=http://127.0.0.1:4200/api",
            markup=False,
            soft_wrap=True,
        )
    serve(*deployments, limit=limit)
