"""`duecourse serve`: serve prefect.yaml's deployments, with their schedules, on this machine.

The schedules and flows come from prefect.yaml (one source of truth); the store and policy of
this command's --home / --database-url / DUECOURSE_POLICY_DIR are passed as parameters.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from sqlalchemy.engine import make_url

from duecourse.cli.app import app
from duecourse.cli.common import console, settings
from duecourse.settings import REPO_ROOT, Settings
from rules.errors import InputError

PREFECT_YAML = REPO_ROOT / "prefect.yaml"


def read_deployments(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the deployments: {exc}") from None
    deployments = data.get("deployments") if isinstance(data, dict) else None
    if not isinstance(deployments, list) or not deployments:
        raise InputError(f"{path}: no deployments")
    return deployments


def build_deployments(s: Settings, path: Path = PREFECT_YAML) -> list[Any]:
    """Runner deployments of prefect.yaml's flows, with its cron schedules and time zones."""
    from prefect.flows import load_flow_from_entrypoint
    from prefect.schedules import Cron

    out = []
    for d in read_deployments(path):
        file, _, func = str(d["entrypoint"]).partition(":")
        entry = f"{(path.parent / file).resolve()}:{func}"
        flow: Any = load_flow_from_entrypoint(entry)
        schedules = [
            Cron(x["cron"], timezone=x.get("timezone"), active=x.get("active", True))
            for x in d.get("schedules") or []
        ]
        # a URL with a password stays out of the deployment (the UI shows parameters): the
        # served runs then read DUECOURSE_DATABASE_URL from this process's environment
        url = None if make_url(s.url).password else s.url
        params = {"database_url": url, "policy_dir": str(s.policy_dir)}
        params.update(d.get("parameters") or {})
        out.append(
            flow.to_deployment(
                name=d["name"],
                schedules=schedules,
                parameters=params,
                description=d.get("description"),
                tags=d.get("tags"),
                concurrency_limit=d.get("concurrency_limit"),
            )
        )
    return out


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    limit: Annotated[
        int | None, typer.Option("--limit", help="At most this many flow runs at once.")
    ] = None,
) -> None:
    """Serve the daily cycle and the deadline check with their schedules (Asia/Shanghai)."""
    from prefect import serve

    s = settings(ctx)
    s.engine  # migrate the store before the first scheduled run  # noqa: B018
    os.environ["DUECOURSE_DATABASE_URL"] = s.url  # the served runs' processes inherit it
    deployments = build_deployments(s)
    names = ", ".join(d.name for d in deployments)
    console.print(f"serving {names}; store {s.url.split('@')[-1]}; policy {s.policy_dir}")
    serve(*deployments, limit=limit)
