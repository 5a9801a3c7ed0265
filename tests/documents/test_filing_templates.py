"""The court filings' templates: `documents check` finds nothing in them, and each sample renders
to a PDF and a DOCX that say the same things: the title, the court, the claim in capitals, the
debtor's full ID number (a court needs it) and the card masked."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from documents.check import check_templates
from documents.engine import render
from documents.manifest import Format
from documents.registry import get_manifest
from tests.documents.helpers import pdf_text, sample, squash

FILINGS = [
    "payment_order_application",
    "civil_complaint",
    "evidence_list",
    "enforcement_application",
    "preservation_application",
]


def test_documents_check_is_green_for_every_filing_template() -> None:
    problems = [p for p in check_templates() if any(f"/{kind}/" in p for kind in FILINGS)]
    assert problems == []


@pytest.mark.parametrize("kind", FILINGS)
def test_each_filing_sample_renders_in_both_formats(kind: str, tmp_path: Path) -> None:
    data = sample(kind)
    manifest = get_manifest(kind)
    pdf = squash(pdf_text(render(kind, data, Format.PDF), tmp_path))
    document = docx.Document(io.BytesIO(render(kind, data, Format.DOCX)))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    text = squash("".join([p.text for p in document.paragraphs] + cells))
    for words in (manifest.title, data["court"], data["number"]):
        assert squash(words) in pdf and squash(words) in text, words
    if "total" in data:
        assert "人民币贰万零捌佰伍拾元整" in pdf and "人民币贰万零捌佰伍拾元整" in text
        assert data["debtor_id_number"] in pdf and data["debtor_id_number"] in text
        assert data["card"] not in pdf and "6225****" in pdf  # masked when rendered
