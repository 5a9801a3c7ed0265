"""The document engine's front door: render a kind's data to PDF, DOCX or text bytes."""

from __future__ import annotations

from datetime import date
from typing import Any

from documents.data import prepare
from documents.docx import render_docx
from documents.manifest import Format, Manifest
from documents.pdf import render_pdf
from documents.registry import get_manifest
from documents.text import as_file, render_text
from rules.errors import InputError


def check_format(manifest: Manifest, fmt: Format) -> None:
    if fmt not in manifest.formats:
        offered = ", ".join(f.value for f in manifest.formats)
        raise InputError(f"{manifest.kind} is not rendered as {fmt.value} (it offers: {offered})")


def render_prepared(
    manifest: Manifest, context: dict[str, Any], fmt: Format, stamp: date | None = None
) -> bytes:
    """Bytes of one document from an already prepared context."""
    check_format(manifest, fmt)
    if fmt is Format.PDF:
        return render_pdf(manifest, context)
    if fmt is Format.DOCX:
        return render_docx(manifest, context, stamp)
    return as_file(render_text(manifest, context)).encode("utf-8")


def render(kind: str, data: dict[str, Any], fmt: Format, stamp: date | None = None) -> bytes:
    """Render `data` (checked against the kind's manifest, masked) as `fmt`."""
    manifest = get_manifest(kind)
    return render_prepared(manifest, prepare(manifest, data), fmt, stamp)


def render_message(kind: str, data: dict[str, Any]) -> dict[str, str]:
    """A text kind's parts (e.g. {"subject": ..., "body": ...}) for the SMS and email channels."""
    manifest = get_manifest(kind)
    check_format(manifest, Format.TEXT)
    return render_text(manifest, prepare(manifest, data))
