"""Console script `duecourse`: one module per command group, registered on import."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from duecourse.prefect_env import apply_defaults

apply_defaults()

from duecourse.cli import (  # noqa: F401, E402  (each module registers its commands)
    assign,
    audit,
    cases,
    contact,
    db,
    deadlines,
    demo,
    dispatch,
    disputes,
    documents,
    intake,
    legal,
    legal_event,
    legal_filing,
    legal_firms,
    mail,
    payments,
    plans,
    policy,
    portfolio,
    promises,
    report,
    review,
    run_day,
    runs,
    serve,
    users,
    web,
    write_off,
)
from duecourse.cli.app import app  # noqa: E402
from duecourse.cli.common import err_console  # noqa: E402
from rules.errors import DuecourseError  # noqa: E402
from tasks.db_errors import db_error_line  # noqa: E402


def main() -> None:
    """Run the CLI; errors meant for people become one line on stderr and an exit status."""
    try:
        app(prog_name="duecourse")
    except DuecourseError as exc:
        err_console.print(f"duecourse: {exc}", markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except sa.exc.DBAPIError as exc:  # its text may quote rows: the constraint only, masked
        err_console.print(f"duecourse: {db_error_line(exc)}", markup=False, soft_wrap=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("duecourse: interrupted", markup=False)
        sys.exit(130)
