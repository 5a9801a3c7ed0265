"""`duecourse import FILE`: load a delinquency snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, err_console, parse_date, progress_enabled
from duecourse.cli.common import settings as get_settings
from tasks.import_run import ImportResult
from tasks.intake import import_snapshot
from tasks.policy import load_intake, load_policy

JSON_KEYS = (
    "run_id", "file", "as_of", "encoding", "rows", "imported", "updated", "unchanged",
    "quarantined", "missing", "opened", "closed", "quarantine_file",
)  # fmt: skip


def _print_result(result: ImportResult) -> None:
    console.print(
        f"imported {result.file} as of {result.as_of} ({result.encoding}): "
        f"{result.rows} rows - {result.imported} new accounts, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.quarantined} quarantined; "
        f"{result.opened} cases opened, {result.closed} closed, {result.missing} missing",
        markup=False,
    )
    if result.quarantine_file:
        console.print(f"quarantined rows (line and reason): {result.quarantine_file}", markup=False)
    if result.missing:
        console.print(
            f"{result.missing} open case(s) absent from this snapshot are flagged: "
            "duecourse cases --json | look for missing_since"
        )


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Snapshot CSV (UTF-8 or GB18030/GBK).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Snapshot date (YYYY-MM-DD).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Load a delinquency snapshot: open, update and close cases; quarantine bad rows."""
    settings = get_settings(ctx)
    day = parse_date(as_of)
    policy = load_policy(settings.policy_dir)  # buckets and opening stages: the bank's ladder
    intake = load_intake(settings.policy_dir)  # the DPD tolerance (intake.yaml)
    engine = settings.engine
    if progress_enabled(json_out) and file.is_file():
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"importing {file.name}", total=file.stat().st_size)
            result = import_snapshot(
                engine,
                file,
                day,
                quarantine_dir=settings.quarantine_dir,
                policy=policy,
                intake=intake,
                on_bytes=lambda n: progress.advance(task, n),
            )
    else:
        result = import_snapshot(
            engine, file, day, quarantine_dir=settings.quarantine_dir, policy=policy, intake=intake
        )
    if json_out:
        data = result.as_json()
        emit_json({k: data[k] for k in JSON_KEYS})
    else:
        _print_result(result)
