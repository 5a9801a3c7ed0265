"""The KPI report's charts: matplotlib (Agg, no display, no files) drawn to SVG strings that the
HTML embeds inline and WeasyPrint lays out as vector graphics in the PDF.

Text is drawn as glyph outlines (svg.fonttype "path"), so the PDF needs no font for the charts;
labels are mostly ASCII, Chinese team names use Noto Sans CJK SC (fonts-noto-cjk) when found.
The SVGs carry no date and fixed ids (svg.hashsalt), so the same figures give the same bytes.
Each function takes plain numbers; none reads the store.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Preferred first. matplotlib reads only the first face of a .ttc collection, so the Noto CJK
# collection shows up as "Noto Sans CJK JP" (same glyph coverage); fall back to it, then DejaVu.
PREFERRED_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans")


def _installed(families: Sequence[str]) -> list[str]:
    """The families matplotlib can find (asking for a missing one logs a warning each run)."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in families if f in known] or ["DejaVu Sans"]


STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": _installed(PREFERRED_FONTS),
    "font.size": 8,
    "svg.fonttype": "path",
    "svg.hashsalt": "duecourse-kpi",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
BLUE, RED, GREY, GREEN = "#3b6ea8", "#c0392b", "#9aa5b1", "#2e8b57"
MAX_BARS = 25  # people in a bar chart; the tables list everyone


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    with rc_context(STYLE):
        yield Figure(figsize=(width, height), layout="constrained")


def _svg(fig: Figure, name: str) -> str:
    with rc_context(STYLE):
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return inline_svg(out.getvalue(), name)


_STYLE_ATTR = re.compile(r'style="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def _attributes(match: re.Match[str]) -> str:
    pairs = [part.split(":", 1) for part in match.group(1).split(";") if ":" in part]
    return " ".join(f'{key.strip()}="{value.strip()}"' for key, value in pairs)


def inline_svg(svg: str, name: str) -> str:
    """matplotlib's SVG made fit to sit inside HTML among other charts: no XML prolog, metadata
    or <style> sheet (its `*` rule would reach the whole page), style attributes as SVG
    presentation attributes (which an HTML style cascade does not read), and every id (and
    reference to one) prefixed with `name`, so two charts never share an id."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>", "", svg)
    svg = svg.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1)
    svg = _STYLE_ATTR.sub(_attributes, svg)
    svg = _ID.sub(lambda m: f'id="{name}-{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)


def _height(n: int) -> float:
    return min(1.2 + 0.24 * max(n, 1), 8.0)


def roll_heatmap(
    rows: Sequence[str], columns: Sequence[str], shares: Sequence[Sequence[float | None]]
) -> str:
    """Share of each row bucket's accounts found in each column bucket on the next day."""
    with _figure(6.4, 1.0 + 0.35 * max(len(rows), 1)) as fig:
        ax = fig.add_subplot()
        grid = [[s if s is not None else 0.0 for s in row] for row in shares]
        # pcolormesh, not imshow: cells as vector paths (imshow embeds a PNG the PDF would drop)
        ax.pcolormesh(grid, cmap="Blues", vmin=0.0, vmax=1.0, edgecolors="white", linewidth=0.5)
        ax.set_xticks([j + 0.5 for j in range(len(columns))], labels=list(columns))
        ax.set_yticks([i + 0.5 for i in range(len(rows))], labels=list(rows))
        ax.invert_yaxis()
        ax.set_xlabel("bucket on the next snapshot day")
        ax.set_ylabel("bucket on day d")
        for i, row in enumerate(shares):
            for j, s in enumerate(row):
                if s:
                    color = "white" if s > 0.6 else "black"
                    ax.text(j + 0.5, i + 0.5, f"{s:.0%}", ha="center", va="center", color=color)
        return _svg(fig, "rolls")


def workload_bars(
    names: Sequence[str], open_cases: Sequence[int], capacity: Sequence[int | None]
) -> str:
    """Open cases per person (red beyond capacity, grey with no capacity known), capacity as a
    tick, each bar labelled open/capacity."""
    names, open_cases, capacity = names[:MAX_BARS], open_cases[:MAX_BARS], capacity[:MAX_BARS]
    with _figure(6.4, _height(len(names))) as fig:
        ax = fig.add_subplot()
        y = list(range(len(names)))
        pairs = list(zip(open_cases, capacity, strict=True))
        colors = [GREY if c is None else (RED if n > c else BLUE) for n, c in pairs]
        bars = ax.barh(y, open_cases, color=colors, label="open cases")
        labels = [f"{n:,}/{c:,}" if c is not None else f"{n:,}/-" for n, c in pairs]
        ax.bar_label(bars, labels=labels, padding=3, fontsize=7)
        ticks = [(c, i) for i, c in enumerate(capacity) if c is not None]
        ax.scatter([c for c, _ in ticks], [i for _, i in ticks], marker="|", s=160,
                   color="black", label="capacity", zorder=3)  # fmt: skip
        ax.set_yticks(y, labels=list(names))
        ax.invert_yaxis()
        ax.set_xlabel("open cases (red: over capacity; grey: not in the roster)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.legend(loc="outside upper right", frameon=False, ncols=2)
        return _svg(fig, "workload")


def legal_bars(stages: Sequence[str], open_cases: Sequence[int], pending: Sequence[int]) -> str:
    """Open cases per legal stage and the reviews pending to enter it."""
    with _figure(6.4, 2.6) as fig:
        ax = fig.add_subplot()
        x = list(range(len(stages)))
        ax.bar([i - 0.2 for i in x], open_cases, width=0.4, color=BLUE, label="open cases")
        ax.bar([i + 0.2 for i in x], pending, width=0.4, color=GREY, label="pending reviews")
        ax.set_xticks(x, labels=list(stages))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.legend(loc="outside upper right", frameon=False, ncols=2)
        return _svg(fig, "legal")


def sla_bars(
    names: Sequence[str], attainment: Sequence[float | None], closed: Sequence[int]
) -> str:
    """Milestones met / (met + missed) per owner, as a percentage (green at 90% or more),
    each bar labelled with its rate and how many milestones it is of."""
    names, attainment, closed = names[:MAX_BARS], attainment[:MAX_BARS], closed[:MAX_BARS]
    with _figure(6.4, _height(len(names))) as fig:
        ax = fig.add_subplot()
        y = list(range(len(names)))
        values = [100 * a if a is not None else 0.0 for a in attainment]
        colors = [GREEN if v >= 90 else (RED if v < 70 else BLUE) for v in values]
        bars = ax.barh(y, values, color=colors)
        labels = [f"{v:.0f}% of {n}" for v, n in zip(values, closed, strict=True)]
        ax.bar_label(bars, labels=labels, padding=2, fontsize=7)
        ax.set_xlim(0, 115)
        ax.set_xticks(range(0, 101, 20))
        ax.axvline(90, color="black", linewidth=0.6, linestyle="--")
        ax.set_yticks(y, labels=list(names))
        ax.invert_yaxis()
        ax.set_xlabel("SLA attainment % (met / (met + missed))")
        return _svg(fig, "sla")


def ageing_bars(
    buckets: Sequence[str], bands: Sequence[str], counts: Sequence[Sequence[int]]
) -> str:
    """Open cases per bucket, stacked by days in the current stage."""
    with _figure(6.4, 2.6) as fig:
        ax = fig.add_subplot()
        x = list(range(len(buckets)))
        bottom = [0] * len(buckets)
        cmap = matplotlib.colormaps["viridis"]
        for k, band in enumerate(bands):
            heights = [row[k] for row in counts]
            color = cmap(k / max(len(bands) - 1, 1))
            ax.bar(x, heights, bottom=bottom, color=color, label=f"{band} days")
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_xticks(x, labels=list(buckets))
        ax.set_ylabel("open cases")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.legend(loc="outside upper right", frameon=False, fontsize=7, ncols=len(bands))
        return _svg(fig, "ageing")
