"""`duecourse db upgrade`: apply the schema migrations."""

from __future__ import annotations

import typer

from duecourse.cli.app import app
from duecourse.cli.common import console, settings
from duecourse.settings import opening_database
from models.db import make_engine, pending_migrations, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every migration not yet applied (also done automatically on first use)."""
    s = settings(ctx)
    s.make_home()
    with opening_database(s.url):
        engine = make_engine(s.url)
        if not pending_migrations(engine):
            console.print("database is up to date")
            return
        upgrade(engine)
    console.print("database upgraded to the newest schema")
