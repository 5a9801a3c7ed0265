"""`duecourse generate-portfolio N`: a synthetic snapshot for demos, tests and benchmarks."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from duecourse.cli.app import app
from duecourse.cli.common import err_console, parse_date
from duecourse.synthetic import write_portfolio, write_portfolio_file
from rules.errors import DuecourseError, InputError


@app.command("generate-portfolio")
def generate_portfolio(
    n: Annotated[int, typer.Argument(help="Number of accounts.", min=1)],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")] = 1,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Snapshot date.")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
    defects: Annotated[
        int, typer.Option("--defects", help="Rows made invalid on purpose (to see quarantine).")
    ] = 0,
) -> None:
    """Write a realistic synthetic delinquency snapshot (CSV, UTF-8)."""
    day = parse_date(as_of)
    if not date(1900, 1, 1) <= day <= date(9999, 11, 30):  # due and payment dates must fit
        raise InputError(f"--as-of: {day} is outside 1900-01-01..9999-11-30")
    if defects < 0 or defects > n:
        raise InputError(f"--defects: must be between 0 and {n}")
    if out is None:
        write_portfolio(sys.stdout, n, seed, day, defects)
        return
    try:
        rows = write_portfolio_file(out, n, seed, day, defects)
    except OSError as exc:
        raise DuecourseError(f"{out}: cannot write ({exc.strerror})") from None
    err_console.print(f"wrote {rows} accounts as of {day} to {out}")
