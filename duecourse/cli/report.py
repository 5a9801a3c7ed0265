"""`duecourse report [--from D] [--to D] [--format html|pdf|md|json] [--out FILE] [--json]`:
portfolio and team KPIs over a period, with charts in HTML and PDF.

The numbers are set-based SQL aggregates (tasks/report); the HTML, PDF and markdown are rendered
by documents/kpi_report.py. `--as-of D` (the design's contract) is `--to D`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_date, settings, to_json
from rules.errors import DuecourseError, InputError
from rules.terminal_text import terminal_block
from tasks.clock import today
from tasks.policy import load_roster
from tasks.report.build import build_report
from tasks.report.period import Period


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"
    JSON = "json"


SUFFIXES = {".html": ReportFormat.HTML, ".htm": ReportFormat.HTML, ".pdf": ReportFormat.PDF,
            ".md": ReportFormat.MD, ".json": ReportFormat.JSON}  # fmt: skip
FILE_ONLY = (ReportFormat.HTML, ReportFormat.PDF)


def report_period(start: str | None, end: str | None, as_of: str | None) -> Period:
    """--from/--to (or --as-of for --to) as a period; the end defaults to today and may not be
    after it, the start to 30 days before the end."""
    if end is not None and as_of is not None and end != as_of:
        raise InputError("--as-of is another name for --to: give one of them")
    to_option = "--to" if end is not None else "--as-of"
    last = parse_date(end if end is not None else as_of, to_option)
    if last > today():
        raise InputError(
            f"{to_option} {last.isoformat()} is after today ({today().isoformat()}): "
            "there are no figures for it yet"
        )
    first = parse_date(start, "--from") if start is not None else None
    return Period.ending(last, first)


def output_format(fmt: str | None, out: Path | None, json_out: bool) -> ReportFormat | None:
    """The format to write (None: nothing but --json's document): --format, else --out's
    suffix, else markdown on stdout."""
    if fmt is not None:
        try:
            chosen = ReportFormat(fmt.lower())
        except ValueError:
            known = ", ".join(f.value for f in ReportFormat)
            raise InputError(f"--format: unknown value {fmt!r} (one of: {known})") from None
    elif out is not None:
        chosen = SUFFIXES.get(out.suffix.lower(), ReportFormat.MD)
    else:
        return None if json_out else ReportFormat.MD
    if out is None and chosen in FILE_ONLY:
        raise InputError(f"--format {chosen.value} needs --out FILE (it is not for a terminal)")
    if out is None and json_out:
        raise InputError(
            f"--json prints the numbers on stdout: give --out FILE for the {chosen.value} report"
        )
    return chosen


def render(data: dict[str, Any], fmt: ReportFormat) -> bytes:
    # imported here: matplotlib and WeasyPrint load only when a report is drawn
    from documents.kpi_report import render_html, render_markdown, render_pdf

    if fmt is ReportFormat.JSON:
        return (to_json(data) + "\n").encode()
    if fmt is ReportFormat.MD:
        return render_markdown(data).encode()
    html = render_html(data)
    return html.encode() if fmt is ReportFormat.HTML else render_pdf(html)


def write_out(out: Path, content: bytes) -> None:
    """Write `out` whole or not at all (a temporary file beside it, then renamed)."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(content)
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise DuecourseError(f"--out {out}: cannot write ({exc.strerror or exc})") from None


@app.command("report")
def report_command(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option("--from", help="First day (default: 30 days before --to).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: today).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Same as --to.")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="html, pdf, md or json (default: from --out, else md)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (required for html and pdf).")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the numbers as one JSON document.")
    ] = False,
) -> None:
    """Portfolio and team KPIs over a period: roll rates, cure rate, SLA attainment per owner and
    team, ageing, workload against capacity, legal pipeline; charts in html and pdf."""
    period = report_period(start, end, as_of)
    chosen = output_format(fmt, out, json_out)
    s = settings(ctx)
    users = load_roster(s.policy_dir)
    with s.engine.connect() as conn:
        data = build_report(conn, period, users).as_dict()
    content = render(data, chosen) if chosen is not None else b""
    if out is not None and chosen is not None:
        write_out(out, content)
    if json_out:
        emit_json(data)
    elif out is None:  # markdown on the terminal: no control character of a stored name
        sys.stdout.write(terminal_block(content.decode()))
        sys.stdout.flush()
    else:
        console.print(
            f"KPI report {period.start.isoformat()} to {period.end.isoformat()} "
            f"({chosen.value if chosen else ''}, {len(content):,} bytes) written to {out}",
            markup=False,
            soft_wrap=True,
        )
