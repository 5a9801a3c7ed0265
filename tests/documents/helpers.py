"""Shared helpers for document tests: sample data, and reading PDFs with poppler-utils."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from documents.registry import get_manifest


def sample(kind: str = "collection_letter") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(get_manifest(kind).sample_path.read_text(encoding="utf-8"))
    return data


def pdf_text(pdf: bytes, tmp_path: Path, first: int | None = None, last: int | None = None) -> str:
    path = tmp_path / "probe.pdf"
    path.write_bytes(pdf)
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    out = subprocess.run(
        ["pdftotext", *pages, str(path), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    return [line.split()[0] for line in out.stdout.splitlines()[2:] if line.strip()]


def squash(text: str) -> str:
    """Text without whitespace (pdftotext spaces CJK text unpredictably)."""
    return re.sub(r"\s+", "", text)
