"""The `duecourse` Typer application and its global options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from duecourse.logs import configure_logging
from duecourse.settings import Settings
from models.db import ENV_HOME, restrict_new_files
from tasks.store_lock import set_wait

app = typer.Typer(
    name="duecourse",
    help="Credit-card collection and legal escalation: cases, ladder, deadlines, documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="DUECOURSE_HOME",
            help="Folder for the default SQLite database, documents and outbox.",
            show_default="./.duecourse",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", envvar="DUECOURSE_DATABASE_URL", help="Database URL."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
    lock_wait: Annotated[
        float | None,
        typer.Option(
            "--lock-wait",
            envvar="DUECOURSE_LOCK_WAIT",
            min=0,
            help="Seconds an import, run-day or deadline check waits for another to finish "
            "(default: until it does); then exit 1 naming it.",
        ),
    ] = None,
) -> None:
    configure_logging(verbose)
    restrict_new_files()  # the home, store, documents: the owner's only (0700/0600)
    set_wait(lock_wait)
    ctx.obj = Settings.resolve(str(home) if home else None, database_url)
    # The flows this process runs (run-day through Prefect) find the same home: their alert
    # outbox and ledger, and <home>/policy, are those of --home.
    os.environ[ENV_HOME] = str(ctx.obj.home)
