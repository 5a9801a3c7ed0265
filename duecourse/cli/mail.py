"""`duecourse mail`: the day's registered letters as one batch, and the post office's results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from duecourse.cli.app import app
from duecourse.cli.common import (
    console,
    emit_json,
    err_console,
    parse_date,
    print_import_result,
    progress,
    progress_enabled,
    settings,
)
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.conduct import load_conduct_pack
from tasks.mail.batch import MailReport, MailSetup, mail_batch
from tasks.mail.delivered import import_deliveries

mail_app = typer.Typer(
    help="Registered letters: the day's mail batch and the post office's results.",
    no_args_is_help=True,
)
app.add_typer(mail_app, name="mail")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@mail_app.command("batch")
def batch_command(
    ctx: typer.Context,
    day: Annotated[
        str | None,
        typer.Option("--date", help="YYYY-MM-DD (default today): letters are dated today only."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the PDF and manifest.")
    ] = None,
    duplex: Annotated[
        bool, typer.Option("--duplex", help="Pad odd-length letters for two-sided printing.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Post the mail lines queued up to the date: one printable PDF and manifest CSV per
    letter kind (default folder <home>/mail/<date>/); each letter recorded as sent."""
    s = settings(ctx)
    when = parse_date(day, "--date")
    setup = MailSetup(
        documents_dir=s.documents_dir,
        out_dir=out if out is not None else s.home / "mail" / when.isoformat(),
        bank=load_bank(s.policy_dir),
        calendar=load_calendar(s.policy_dir),
        pack=load_conduct_pack(s.policy_dir),
        duplex=duplex,
    )
    with progress(progress_enabled(json_out), "letters") as tick:
        report = mail_batch(s.engine, when, setup, on_progress=tick)
    if json_out:
        emit_json(report.as_dict())
    else:
        _print_batch(report)


def _print_batch(report: MailReport) -> None:
    """What was posted and where the files are; never an address (they are in the manifest)."""
    for warning in report.warnings:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    for b in report.batches:
        what = "printed again (posted earlier)" if b.rebuilt else "posted"
        console.print(
            f"{b.kind}: {b.letters} letters {what}, {b.pages} pages, {b.sheets} sheets -> "
            f"{b.pdf} (manifest {b.manifest})",
            markup=False,
            soft_wrap=True,
        )
    console.print(
        f"{report.day}: {report.letters} letters posted, {report.already_posted} already posted",
        markup=False,
    )
    for title, counts in (("blocked", report.blocked), ("deferred", report.deferred)):
        for rule, n in sorted(counts.items()):
            console.print(f"{title} by the conduct gate ({rule}): {n}", markup=False)
    for why, n in sorted(report.skipped.items()):
        console.print(f"skipped ({why}): {n}", markup=False)


@mail_app.command("delivered")
def delivered_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The post office's results CSV.")],
    json_out: JsonOpt = False,
) -> None:
    """Import the post office's results: number, tracking_number, delivered_on, status
    (delivered | returned), reason. A delivered letter is a demand; a returned one is not."""
    s = settings(ctx)
    report = import_deliveries(s.engine, file, quarantine_dir=s.quarantine_dir)
    if json_out:
        emit_json(report.as_dict())
        return
    print_import_result(
        f"{file}: {report.rows} rows - {report.delivered} delivered, {report.returned} "
        f"returned, {report.unchanged} unchanged, {report.quarantined} quarantined",
        report.quarantine_file,
    )
