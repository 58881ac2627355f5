"""The perspectives chart: per category, one marker per shown group on the 1 to 5 scale.

Portrait, for phones. Each group has its own shape as well as its own colour (Okabe and Ito's
colour-blind-safe set), so the chart reads without colour and in greyscale; its text
alternative is bot/summary/perspectives_report.perspectives_alt. Only the figures
bot/summary/perspectives.py lets through are drawn. Bare Figure on Agg, as bot/summary/charts.py.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.model import LEVELS
from bot.summary.perspectives import OTHER_PERSPECTIVES, RoundPerspectives, level_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE, DPI = (10.8, 16.0), 100  # 1080 x 1600 px: a phone held upright
INK, MUTED, TRACK = "#1a1a1a", "#555555", "#bbbbbb"
# (shape, colour) per group in the round's order; "Other perspectives" is always the grey cross.
STYLES = (
    ("o", "#0072B2"),  # circle, blue
    ("s", "#D55E00"),  # square, vermilion
    ("^", "#009E73"),  # triangle, green
    ("D", "#CC79A7"),  # diamond, pink
    ("v", "#E69F00"),  # down triangle, orange
    ("P", "#56B4E9"),  # plus, sky blue
    ("*", "#000000"),  # star, black
)
OTHER_STYLE = ("X", "#666666")


@dataclass(frozen=True)
class Marker:
    label: str
    median: float


@dataclass(frozen=True)
class PerspectivesRow:
    title: str
    markers: tuple[Marker, ...]  # none: not shown by group


@dataclass(frozen=True)
class PerspectivesChart:
    title: str
    groups: tuple[str, ...]  # the legend, in the round's order, "Other perspectives" last
    rows: tuple[PerspectivesRow, ...]


def perspectives_chart(title: str, perspectives: RoundPerspectives) -> PerspectivesChart | None:
    """The chart's data; None when no category may be shown by group."""
    if not perspectives.anything_shown:
        return None
    used = {f.label for c in perspectives.categories for f in c.figures}
    legend = tuple(g for g in (*perspectives.groups, OTHER_PERSPECTIVES) if g in used)
    rows = tuple(
        PerspectivesRow(
            f"{c.category.number}. {c.category.title}",
            tuple(Marker(f.label, f.median) for f in c.figures),
        )
        for c in perspectives.categories
    )
    return PerspectivesChart(title, legend, rows)


def style_of(chart: PerspectivesChart, label: str) -> tuple[str, str]:
    if label == OTHER_PERSPECTIVES:
        return OTHER_STYLE
    named = [g for g in chart.groups if g != OTHER_PERSPECTIVES]
    return STYLES[named.index(label) % len(STYLES)]


def _figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def render_perspectives_png(chart: PerspectivesChart) -> bytes:
    """The chart as a portrait PNG."""
    from matplotlib.lines import Line2D

    figure = _figure()
    figure.text(
        0.05,
        0.975,
        textwrap.shorten(chart.title, 40, placeholder=" …"),
        fontsize=30,
        weight="bold",
        va="top",
    )
    figure.text(0.05, 0.935, "Median level by group (1 to 5)", fontsize=21, color=MUTED, va="top")
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=style_of(chart, g)[0],
            color=style_of(chart, g)[1],
            markersize=16,
            markeredgecolor=INK,
            label=textwrap.fill(g, 22),
        )
        for g in chart.groups
    ]
    figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.04, 0.915),
        ncols=2,
        fontsize=18,
        frameon=False,
        handletextpad=0.4,
        columnspacing=1.0,
    )
    rows = len(chart.rows)
    legend_rows = (len(chart.groups) + 1) // 2
    top = 0.90 - 0.04 * legend_rows
    axes = figure.add_axes((0.1, 0.06, 0.82, top - 0.06))
    axes.set_xlim(0.6, 5.4)
    axes.set_ylim(rows - 0.35, -0.75)  # first category on top
    axes.set_xticks(LEVELS)
    axes.tick_params(labelsize=20, length=0)
    axes.xaxis.tick_bottom()
    for side in ("top", "right", "left", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_yticks([])
    for y, row in enumerate(chart.rows):
        axes.text(
            0.6,
            y - 0.42,
            textwrap.shorten(row.title, 44, placeholder="…"),
            fontsize=20,
            weight="bold",
            va="bottom",
            ha="left",
        )
        axes.plot([1, 5], [y, y], color=TRACK, linewidth=2, zorder=1)
        for level in LEVELS:
            axes.plot([level, level], [y - 0.06, y + 0.06], color=TRACK, linewidth=2, zorder=1)
        if not row.markers:
            axes.text(
                3,
                y + 0.02,
                "not shown by group: too few answers in some group",
                fontsize=17,
                color=MUTED,
                style="italic",
                ha="center",
                va="center",
                backgroundcolor="white",
                zorder=2,
            )
            continue
        count = len(row.markers)
        for index, marker in enumerate(row.markers):
            shape, colour = style_of(chart, marker.label)
            lift = (index - (count - 1) / 2) * 0.2  # markers at one level stay apart
            axes.plot(
                marker.median,
                y + lift,
                marker=shape,
                color=colour,
                markersize=15,
                markeredgecolor=INK,
                markeredgewidth=1.2,
                linestyle="none",
                zorder=3,
            )
        low = min(m.median for m in row.markers)
        high = max(m.median for m in row.markers)
        spread = f"{level_text(low)} to {level_text(high)}" if high > low else level_text(low)
        axes.text(5.4, y - 0.42, spread, fontsize=18, color=MUTED, ha="right", va="bottom")
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        figure.clear()
    return buffer.getvalue()
