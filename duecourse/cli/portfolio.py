"""`duecourse generate-portfolio N`: a synthetic snapshot for demos, tests and benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from duecourse.cli.app import app
from duecourse.cli.common import err_console, parse_date
from duecourse.synthetic import write_portfolio, write_portfolio_file
from rules.errors import InputError


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
    if defects < 0 or defects > n:
        raise InputError(f"--defects: must be between 0 and {n}")
    if out is None:
        write_portfolio(sys.stdout, n, seed, day, defects)
        return
    rows = write_portfolio_file(out, n, seed, day, defects)
    err_console.print(f"wrote {rows} accounts as of {day} to {out}")
