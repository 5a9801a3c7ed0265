"""The KPI report rendered: inline SVG charts in the HTML (ids unique across charts, nothing a
page's style cascade would read), the same charts drawn in the PDF, "not yet recorded" where the
store holds nothing, and markdown without charts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from documents.kpi_charts import inline_svg
from documents.kpi_report import render_html, render_markdown, render_pdf
from tasks.report.build import build_report
from tasks.report.period import Period
from tests.documents.helpers import pdf_text, squash
from tests.tasks.report_data import END, START, USERS, build


@pytest.fixture
def data(sqlite_engine: Engine) -> dict[str, Any]:
    build(sqlite_engine)
    with sqlite_engine.connect() as conn:
        return build_report(conn, Period(START, END), USERS).as_dict()


def svg_paths(pdf: bytes, tmp_path: Path) -> int:
    """Paths poppler draws for the PDF (text excluded): chart bars, cells, glyph outlines."""
    src = tmp_path / "paths.pdf"
    src.write_bytes(pdf)
    out = tmp_path / "paths.svg"
    subprocess.run(["pdftocairo", "-svg", str(src), str(out)], check=True, capture_output=True)
    return out.read_text(encoding="utf-8").count("<path")


def test_html_embeds_each_chart_as_inline_svg(data: dict[str, Any]) -> None:
    html = render_html(data)
    assert html.count("<svg ") == 5  # roll rates, SLA, ageing, workload, legal pipeline
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and any(i.startswith("rolls-") for i in ids)
    assert "<style" not in html.split("<svg", 1)[1]  # matplotlib's `*` sheet is gone
    assert 'style="' not in html  # presentation attributes instead
    assert "<image" not in html  # vector only: no PNG the PDF could drop
    assert "not yet recorded" in html and "balance reduction from snapshots" in html.lower()


def test_inline_svg_prefixes_ids_and_their_references() -> None:
    svg = (
        '<?xml version="1.0"?>\n<svg width="1pt">\n <metadata><x/></metadata>\n <defs>\n'
        '  <style type="text/css">*{stroke-linejoin: round}</style>\n </defs>\n'
        ' <g id="p1"><use xlink:href="#m2" style="fill: #fff; stroke: none"/>'
        '<path clip-path="url(#c3)"/></g>\n</svg>'
    )
    assert inline_svg(svg, "sla") == (
        '<svg stroke-linejoin="round" stroke-linecap="butt" width="1pt">\n'
        ' <g id="sla-p1"><use xlink:href="#sla-m2" fill="#fff" stroke="none"/>'
        '<path clip-path="url(#sla-c3)"/></g>\n</svg>'
    )


def test_pdf_draws_the_charts(data: dict[str, Any], tmp_path: Path) -> None:
    with_charts = render_pdf(render_html(data))
    without = render_pdf(render_html(data, with_charts=False))
    assert with_charts.startswith(b"%PDF")
    # the charts' bars, heatmap cells, axes and glyph outlines are hundreds of paths more
    assert svg_paths(with_charts, tmp_path) > svg_paths(without, tmp_path) + 300
    text = squash(pdf_text(with_charts, tmp_path))
    assert "promise-keptrate" in text and "0kept/0promisestopaykeptorbroken" in text
    assert "Overcapacity:legal1,w1.Ownersnotintheroster(nocapacitytocompare):ghost." in text


def test_markdown_has_the_tables_and_no_charts(data: dict[str, Any]) -> None:
    md = render_markdown(data)
    assert "<svg" not in md
    assert "| promise-kept rate | - |" in md  # no promise kept or broken: no rate, never 0%
    assert "| M1 | 25.0% | 50.0% | 25.0% | 0.0% | 0.0% | 4 |" in md
    assert "| T1 | 2 | 2 | 50.0% |" in md
    assert "| lawyer_letter | 1 | 1 | 1 |" in md
