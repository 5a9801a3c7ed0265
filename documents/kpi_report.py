"""The KPI report rendered: HTML with inline SVG charts, the same HTML as PDF through WeasyPrint,
and markdown without charts. Templates in documents/templates/_report/ (not a document kind: no
manifest, no number, no store).

Input is the report's plain data (`tasks.report.build.KpiReport.as_dict()`: dates, Decimals,
floats, None where a rate has nothing to divide); this module draws the charts from it and reads
nothing else. The PDF goes through the confined fetcher (only template files, here the CSS) and
the process's font configuration, as letters do.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from weasyprint import HTML

from documents import kpi_charts
from documents.environment import html_env, text_env
from documents.fetcher import ConfinedFetcher, FetchRefused
from documents.pdf import font_config, write
from documents.registry import TEMPLATES_DIR
from rules.amounts import format_yuan
from rules.errors import DuecourseError

REPORT_DIR = TEMPLATES_DIR / "_report"


def pct(value: float | None) -> str:
    """0.8571 -> '85.7%'; None (nothing to divide) -> '-', never '0%'."""
    return "-" if value is None else f"{100 * value:.1f}%"


def money(value: Decimal) -> str:
    return format_yuan(value)


def charts(data: Mapping[str, Any]) -> dict[str, Markup]:
    """The inline SVG of each chart that has something to show (a missing key: no chart)."""
    out: dict[str, Markup] = {}
    rolls = data["roll_rates"]
    if rolls["rows"]:
        shares = [[rolls["shares"][r][c] for c in rolls["columns"]] for r in rolls["rows"]]
        out["rolls"] = Markup(kpi_charts.roll_heatmap(rolls["rows"], rolls["columns"], shares))
    ageing = data["ageing"]
    if ageing["open_cases"]:
        bands = list(ageing["by_days_in_stage"])
        grid = ageing["bucket_by_days_in_stage"]
        counts = [[grid[b].get(band, 0) for band in bands] for b in grid]
        out["ageing"] = Markup(kpi_charts.ageing_bars(list(grid), bands, counts))
    people = sorted(
        (p for p in data["workload"]["people"] if p["open_cases"] or p["capacity"]),
        key=lambda p: (-p["over_by"], p["capacity"] is not None, -p["open_cases"], p["name"]),
    )
    if people:
        out["workload"] = Markup(kpi_charts.workload_bars(
            [p["name"] for p in people], [p["open_cases"] for p in people],
            [p["capacity"] for p in people],
        ))  # fmt: skip
    stages = data["legal_pipeline"]["stages"]
    if any(s["open_cases"] or s["pending_reviews"] for s in stages):
        out["legal"] = Markup(kpi_charts.legal_bars(
            [s["stage"] for s in stages], [s["open_cases"] for s in stages],
            [s["pending_reviews"] for s in stages],
        ))  # fmt: skip
    owners = data["sla"]["by_owner"]
    if owners:
        out["sla"] = Markup(kpi_charts.sla_bars(
            [o["name"] for o in owners], [o["attainment"] for o in owners],
            [o["met"] + o["missed"] for o in owners],
        ))  # fmt: skip
    return out


def _context(data: Mapping[str, Any], with_charts: bool) -> dict[str, Any]:
    return {
        "r": data,
        "charts": charts(data) if with_charts else {},
        "max_bars": kpi_charts.MAX_BARS,
        "pct": pct,
        "money": money,
    }


def render_html(data: Mapping[str, Any], *, with_charts: bool = True) -> str:
    return html_env().get_template("_report/report.html").render(_context(data, with_charts))


def render_markdown(data: Mapping[str, Any]) -> str:
    return text_env().get_template("_report/report.md.j2").render(_context(data, False))


def render_pdf(html: str) -> bytes:
    """The report's HTML as PDF (A4); only the report's own stylesheet is fetched."""
    try:
        document = HTML(
            string=html, base_url=REPORT_DIR.as_uri() + "/", url_fetcher=ConfinedFetcher()
        ).render(font_config=font_config())
    except FetchRefused as exc:
        raise DuecourseError(f"KPI report: {exc}") from None
    return write(document)
