"""`duecourse documents`: render, list, preview, verify and check documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session

from documents.check import check_templates
from documents.engine import render
from documents.manifest import Format
from documents.registry import get_manifest
from duecourse.cli.app import app
from duecourse.cli.common import (
    console,
    emit_json,
    err_console,
    parse_date,
    progress,
    progress_enabled,
    settings,
)
from duecourse.settings import Settings
from rules.enums import Bucket, Stage
from rules.errors import DuecourseError, InputError
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.case_file import find_case
from tasks.document_batch import render_batch, select_case_ids
from tasks.document_verify import verify_documents
from tasks.documents import document_dict, list_documents, render_documents

documents_app = typer.Typer(
    help="Letters and other documents: render, list, verify.", no_args_is_help=True
)
app.add_typer(documents_app, name="documents")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
FORMATS = {
    "pdf": [Format.PDF],
    "docx": [Format.DOCX],
    "text": [Format.TEXT],
    "both": [Format.PDF, Format.DOCX],
}


def _choice(kind: type[Any], value: str | None, option: str) -> Any:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(m.value for m in kind)
        raise InputError(f"{option}: unknown value {value!r} (one of: {known})") from None


@documents_app.command("render")
def render_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="Document kind, e.g. collection_letter.")],
    case: Annotated[str | None, typer.Option("--case", help="Case id or account id.")] = None,
    bucket: Annotated[
        str | None, typer.Option("--bucket", help="All open cases in this bucket.")
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="All open cases in this stage.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="YYYY-MM-DD: new documents are dated today; another day reprints stored ones.",
        ),
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="pdf, docx, both or text.")] = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help="Also write all as one PDF here (+ .csv manifest)."),
    ] = None,
    duplex: Annotated[
        bool, typer.Option("--duplex", help="Pad odd-length letters for two-sided printing.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Render KIND for a case (or every open case of a bucket or stage), stored idempotently.

    A new document is dated today; --as-of another day only reprints what is stored for it.
    """
    s = settings(ctx)
    day = parse_date(as_of)
    manifest = get_manifest(kind)
    if sum(x is not None for x in (case, bucket or stage)) != 1:
        raise InputError("give --case ID, or --bucket B and/or --stage S")
    formats = FORMATS.get(fmt or manifest.formats[0].value)
    if formats is None:
        raise InputError(f"--format: unknown value {fmt!r} (one of: pdf, docx, both, text)")
    if batch is not None and formats != [Format.PDF]:
        raise InputError("--batch prints PDFs: leave out --format or give --format pdf")
    case_ids = _case_ids(s, case, bucket, stage)
    bank = load_bank(s.policy_dir)
    calendar = load_calendar(s.policy_dir)
    with progress(progress_enabled(json_out) and len(case_ids) > 1, kind, len(case_ids)) as tick:
        if batch is not None:
            report = render_batch(
                s.engine, s.documents_dir, bank, kind, case_ids, day,
                out=batch, calendar=calendar, duplex=duplex, on_progress=tick,
            )  # fmt: skip
            result: dict[str, Any] = {
                "batch": report.as_dict(),
                "documents": report.stored,
                "calendar_warnings": report.calendar_warnings,
            }
        else:
            rendered = render_documents(
                s.engine, s.documents_dir, bank, kind, case_ids, day,
                formats=formats, calendar=calendar, on_progress=tick, policy_dir=s.policy_dir,
            )  # fmt: skip
            result = {
                "created": rendered.created,
                "reused": rendered.reused,
                "restored": rendered.restored,
                "documents": [document_dict(d) for d in rendered.documents],
                "calendar_warnings": rendered.calendar_warnings,
            }
    for item in result["documents"]:
        item["file"] = str(s.documents_dir / item["path"])
    if json_out:
        emit_json(result)
    else:
        _print_rendered(result)


def _case_ids(s: Settings, case: str | None, bucket: str | None, stage: str | None) -> list[int]:
    """The case named, or every open case of the bucket and/or stage; none is an error."""
    with Session(s.engine) as session:
        if case is not None:
            found = find_case(session, case)
            assert found.id is not None
            return [found.id]
        case_ids = select_case_ids(
            session,
            bucket=_choice(Bucket, bucket, "--bucket"),
            stage=_choice(Stage, stage, "--stage"),
        )
    if not case_ids:
        raise DuecourseError("no open case matches")
    return case_ids


def _print_rendered(result: dict[str, Any]) -> None:
    _print_calendar_warnings(result["calendar_warnings"])
    for item in result["documents"]:
        console.print(
            f"{item['number'] or '-'}  case {item['case_id']}  {item['format']}  {item['file']}",
            markup=False,
            soft_wrap=True,
        )
    b = result.get("batch")
    if b is not None:
        for warning in b["warnings"]:
            err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
        console.print(
            f"batch: {b['documents']} letters, {b['pages']} pages -> {b['out']} "
            f"(manifest {b['manifest']}); {b['created']} rendered, {b['reused']} reused",
            markup=False,
        )
    else:
        restored = result["restored"]
        again = f" ({restored} of them re-created: the file was missing)" if restored else ""
        console.print(
            f"{result['created']} rendered, {result['reused']} already stored{again}",
            markup=False,
        )


def _print_calendar_warnings(items: list[dict[str, Any]]) -> None:
    """One stderr line per distinct warning, with how many documents it concerns."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item["calendar_warning"]] = counts.get(item["calendar_warning"], 0) + 1
    for warning, n in counts.items():
        which = f"{n} documents" if n > 1 else "1 document"
        err_console.print(f"warning: deadline of {which}: {warning}", markup=False, soft_wrap=True)


@documents_app.command("list")
def list_command(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Case id or account id.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 1000,
    json_out: JsonOpt = False,
) -> None:
    """List stored documents."""
    if kind is not None:
        get_manifest(kind)
    with Session(settings(ctx).engine) as session:
        case_id = find_case(session, case).id if case is not None else None
        items = list_documents(session, case_id=case_id, kind=kind, limit=limit)
    if json_out:
        emit_json({"count": len(items), "documents": items})
        return
    table = Table(title=f"{len(items)} documents")
    for name in ("id", "number", "case", "kind", "format", "as of", "pages", "path"):
        table.add_column(name, overflow="fold")
    for d in items:
        table.add_row(
            str(d["id"]),
            d["number"] or "-",
            str(d["case_id"]),
            d["kind"],
            d["format"],
            d["as_of"],
            str(d["pages"] or "-"),
            d["path"],
        )
    console.print(table)


@documents_app.command("preview")
def preview_command(
    kind: Annotated[str, typer.Argument(help="Document kind.")],
    out: Annotated[Path, typer.Option("--out", help="File to write (.pdf, .docx or .txt).")],
    data: Annotated[
        Path | None, typer.Option("--data", help="JSON data (default: the kind's sample).")
    ] = None,
) -> None:
    """Render KIND from sample data to a file, for template authors (nothing is stored)."""
    manifest = get_manifest(kind)
    source = data or manifest.sample_path
    try:
        values = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{source}: cannot read JSON data: {exc}") from None
    by_suffix = {".pdf": Format.PDF, ".docx": Format.DOCX, ".txt": Format.TEXT}
    fmt = by_suffix.get(out.suffix.lower())
    if fmt is None:
        raise InputError(f"--out: {out.name}: use a .pdf, .docx or .txt file name")
    if not isinstance(values, dict):
        raise InputError(f"{source}: expected a JSON object")
    content = render(kind, values, fmt)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
    except OSError as exc:
        raise DuecourseError(f"{out}: cannot write ({exc.strerror or exc})") from None
    console.print(f"wrote {out}", markup=False)


@documents_app.command("verify")
def verify_command(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Re-hash every stored document file; name each that changed or vanished, and each file
    in the store that no document row names (orphan: a killed render's); exit 1 if any."""
    s = settings(ctx)
    with Session(s.engine) as session:
        checked, problems = verify_documents(session, s.documents_dir)
    if json_out:
        emit_json({"checked": checked, "ok": not problems, "problems": problems})
    else:
        for p in problems:
            what = p["number"] or p["id"] or "-"
            why = f" ({p['detail']})" if p.get("detail") else ""
            err_console.print(
                f"{p['problem']}: {what} ({p['format']}) {p['file']}{why}",
                markup=False,
                soft_wrap=True,  # one line per problem, however long its path
            )
        console.print(f"{checked} documents checked, {len(problems)} problem(s)", markup=False)
    if problems:
        raise typer.Exit(1)


@documents_app.command("check")
def check_command(json_out: JsonOpt = False) -> None:
    """Validate every template against its manifest and render every sample (exit 1 on problems)."""
    problems = check_templates()
    if json_out:
        emit_json({"ok": not problems, "problems": problems})
    else:
        for p in problems:
            err_console.print(p, markup=False, soft_wrap=True)
        console.print(
            "templates ok" if not problems else f"{len(problems)} problem(s)", markup=False
        )
    if problems:
        raise typer.Exit(1)
