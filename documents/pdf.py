"""PDF through WeasyPrint: A4, CJK fonts, a confined fetcher, reproducible bytes, batches.

Reproducible: the templates carry no dcterms.created/modified, so the PDF has no dates; with the
harfbuzz subsetter the same HTML gives the same bytes in every process. A batch lays out each
document on its own (so counter(page)/counter(pages) restart at 1 for each letter) and writes
all their pages as one PDF, subsetting the fonts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration

from documents.environment import html_env
from documents.fetcher import ConfinedFetcher, FetchRefused
from documents.manifest import Format, Manifest
from rules.errors import DuecourseError

PDF_OPTIONS: dict[str, Any] = {"pdf_identifier": b"duecourse", "uncompressed_pdf": False}


@cache
def font_config() -> FontConfiguration:
    """One font configuration per process: fontconfig is scanned once, not per letter."""
    return FontConfiguration()


def render_html(manifest: Manifest, context: dict[str, Any]) -> str:
    """The kind's HTML template filled with `context` (autoescaped)."""
    template = html_env().get_template(f"{manifest.kind}/{manifest.template_path(Format.PDF).name}")
    return template.render(context)


def layout(manifest: Manifest, html: str) -> Document:
    """Lay out `html` with the kind's folder as base URL; only template files are fetched."""
    try:
        return HTML(
            string=html,
            base_url=manifest.folder.as_uri() + "/",
            url_fetcher=ConfinedFetcher(),
        ).render(font_config=font_config())
    except FetchRefused as exc:
        raise DuecourseError(f"{manifest.kind}: {exc}") from None


def write(document: Document) -> bytes:
    """The PDF bytes (attachments, if a template asked for any, go through the same fetcher)."""
    try:
        pdf: bytes = document.write_pdf(**PDF_OPTIONS)
    except FetchRefused as exc:
        raise DuecourseError(str(exc)) from None
    return pdf


def render_pdf(manifest: Manifest, context: dict[str, Any]) -> bytes:
    """One document as PDF bytes."""
    return write(layout(manifest, render_html(manifest, context)))


@dataclass(frozen=True)
class Batch:
    pdf: bytes
    pages: list[int]  # pages of each document, in order


def combine(documents: Sequence[Document], *, duplex: bool = False) -> Batch:
    """All documents' pages as one PDF, each document's page numbers as laid out (from 1).

    With `duplex`, a document with an odd page count is followed by a blank page so the next one
    starts on a new sheet when printed on both sides.
    """
    if not documents:
        raise DuecourseError("nothing to put in the batch")
    pages = []
    blank = None
    for doc in documents:
        pages.extend(doc.pages)
        if duplex and len(doc.pages) % 2:
            blank = blank or _blank_page()
            pages.append(blank)
    return Batch(pdf=write(documents[0].copy(pages)), pages=[len(d.pages) for d in documents])


@cache
def _blank_page() -> Any:
    doc = HTML(string="<style>@page{size:A4;margin:0}</style>").render(font_config=font_config())
    return doc.pages[0]
