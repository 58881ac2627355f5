"""Charts of round summaries: the numbers to plot (plain data), then PNGs drawn from them.

The data step knows nothing of matplotlib, so tests can assert exactly what each chart shows.
Rendering imports matplotlib inside the functions (start-up stays light) and uses a bare
Figure on the Agg canvas: pyplot keeps every figure in global state, which leaks in a server.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.model import LEVELS, Category
from bot.summary.disclosure import Detail
from bot.summary.numbers import RoundSummary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class ChartRow:
    """One category's bar, with only the numbers its Detail allows (the others None)."""

    label: str
    detail: Detail
    median: float | None = None
    consensus: str | None = None  # agreed or split
    counts: tuple[int, ...] | None = None  # answers at levels 1..5 (Detail.COUNTS only)
    scored: int | None = None
    not_sure: int | None = None

    @property
    def hidden(self) -> bool:
        return self.detail is Detail.NOTHING


@dataclass(frozen=True)
class SummaryChart:
    """A round's bars, with the scale's end labels for the legend."""

    title: str
    subtitle: str
    rows: tuple[ChartRow, ...]
    low_label: str = "just getting started"
    high_label: str = "really doing well"


@dataclass(frozen=True)
class TrendChart:
    title: str
    round_labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]  # (label, median per round)


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _label(category: Category) -> str:
    return f"{category.number}. {category.title}"


def summary_chart(summary: RoundSummary) -> SummaryChart:
    """One row per category in rubric order, with the round's title, dates and turnout."""
    round_ = summary.round
    if round_.closed_at is not None:
        dates = f"{_day(round_.opened_at)} \u2013 {_day(round_.ended_at())}"
    else:
        dates = f"{_day(round_.opened_at)} \u2013 closes {_day(round_.closes_at)}"
    rows = tuple(
        ChartRow(
            _label(c.category),
            c.detail,
            c.median,
            c.consensus,
            c.distribution,
            c.scored,
            c.not_sure,
        )
        for c in summary.categories
    )
    title = f"Round {round_.number}" + (f": {round_.title}" if round_.title.strip() else "")
    return SummaryChart(
        title,
        f"{dates} · {summary.completed} of {summary.invited} completed",
        rows,
        round_.rubric.low_label,
        round_.rubric.high_label,
    )


def trend_chart(summaries: Sequence[RoundSummary]) -> TrendChart | None:
    """Median per category per round (oldest first), in the last round's categories; None
    until at least two rounds were summarised."""
    if sum(1 for s in summaries if s.enough) < 2:
        return None
    medians = [s.medians() if s.enough else {} for s in summaries]
    categories = summaries[-1].round.rubric.categories
    series = tuple((_label(c), tuple(m.get(c.id) for m in medians)) for c in categories)
    labels = tuple(f"R{s.round.number}\n{s.round.opened_at:%b %Y}" for s in summaries)
    first, last = summaries[0].round.number, summaries[-1].round.number
    return TrendChart(f"Median per category, rounds {first} to {last}", labels, series)


# --- rendering -------------------------------------------------------------------------------

SIZE, DPI = (16.0, 10.0), 100  # 1600 x 1000 px: fills a phone screen turned sideways
# One palette for the chart and the debrief PDF: ColorBrewer Purples, 5 classes (colour-blind
# safe), each level a step darker, so a grey print keeps the order. Level 1 is near white:
# each whole bar gets an outline.
PALETTE = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
HIDDEN_GREY, INK, MUTED, EDGE = "#e4e4e4", "#1a1a1a", "#555555", "#8c8c8c"
ON_PALETTE = (INK, INK, INK, "white", "white")  # count text that contrasts with each step
BAR = 0.62  # bar height in rows
TITLE_PT, SUBTITLE_PT, LABEL_PT, TEXT_PT, SMALL_PT = 28, 19, 20, 18, 16
MID: dict[str, Any] = {"ha": "center", "va": "center"}
NOTCH: dict[str, Any] = {"marker": "v", "color": INK, "markersize": 14}
MEDIAN_DOT: dict[str, Any] = {
    "marker": "o",
    "color": INK,
    "markersize": 16,
    "markeredgecolor": "white",
    "markeredgewidth": 2,
}
NOTE: dict[str, Any] = {"ha": "center", "size": SMALL_PT - 2}
LEGEND: dict[str, Any] = {
    "loc": "lower center",
    "fontsize": SMALL_PT,
    "frameon": False,
    "handlelength": 1.2,
    "columnspacing": 1.2,
}


def _figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)  # attaches itself to the figure
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        figure.clear()  # breaks the figure <-> axes cycles now rather than at the next gc
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{value:g}"


def _header(figure: Figure, title: str, subtitle: str) -> None:
    title = textwrap.shorten(title, 70, placeholder=" …")  # one line at 28 pt
    figure.text(0.03, 0.955, title, fontsize=TITLE_PT, weight="bold", va="top")
    figure.text(0.03, 0.885, subtitle, fontsize=SUBTITLE_PT, color=MUTED, va="top")


def _bar(axes: Axes, y: int, row: ChartRow, bar_px: float) -> None:
    """One category's stacked bar with its counts, median notch and n; only the median and
    agreed/split where counts are not shown."""
    if row.hidden or row.median is None:
        axes.barh(y, 1, height=BAR, color=HIDDEN_GREY)
        axes.text(0.5, y, "not enough answers", size=TEXT_PT, color=MUTED, style="italic", **MID)
        return
    beside: dict[str, Any] = {"va": "center", "transform": axes.get_yaxis_transform()}
    median = f"median {_number(row.median)}"
    if row.counts is None or not row.scored:
        _scale(axes, y, row.median)
        axes.text(1.025, y - 0.14, median, size=LABEL_PT, weight="bold", **beside)
        axes.text(1.025, y + 0.24, row.consensus or "", size=SMALL_PT, color=MUTED, **beside)
        return
    left = 0.0
    for count, colour, ink in zip(row.counts, PALETTE, ON_PALETTE, strict=True):
        share = count / row.scored
        axes.barh(y, share, left=left, height=BAR, color=colour, linewidth=0)
        # Write the count only where it fits: about 12 px per digit plus padding.
        if count and share * bar_px >= 12 * len(str(count)) + 14:
            axes.text(left + share / 2, y, str(count), size=SMALL_PT, color=ink, **MID)
        left += share
    axes.barh(y, 1, height=BAR, fill=False, edgecolor=EDGE, linewidth=1)  # shows a pale bar
    # The median is the level of the middle answer. Bars show shares, so the middle answer sits
    # at 50%: a notch there points into the median's segment (onto the border for a half-way
    # median like 2.5) without covering the counts; the value itself is written at the right.
    axes.plot(0.5, y - BAR / 2 - 0.07, **NOTCH)  # y grows downwards: this is above the bar
    unsure = f" ({row.not_sure} not sure)" if row.not_sure else ""
    axes.text(1.025, y - 0.14, median, size=LABEL_PT, weight="bold", **beside)
    axes.text(1.025, y + 0.24, f"n = {row.scored}{unsure}", size=SMALL_PT, color=MUTED, **beside)


def scale_x(level: float) -> float:
    """Where a level sits on a row's 1-to-5 scale (0 at its left end, 1 at its right)."""
    return (level - LEVELS[0] + 0.5) / len(LEVELS)


def _scale(axes: Axes, y: int, median: float) -> None:
    """Too few answers for counts: the 1-to-5 scale with the median marked on it (what may be
    shown), in place of the bar of shares."""
    axes.plot([0, 1], [y, y], color=EDGE, linewidth=2, solid_capstyle="butt")
    for level in LEVELS:
        x = scale_x(level)
        axes.plot([x, x], [y - 0.12, y + 0.12], color=EDGE, linewidth=2)
        axes.text(x, y + 0.3, str(level), size=SMALL_PT - 2, color=MUTED, **MID)
    axes.plot(scale_x(median), y, **MEDIAN_DOT)


def chart_kinds(chart: SummaryChart) -> set[Detail]:
    """What the summary chart draws: bars of counts (COUNTS), medians on the scale (MEDIAN),
    rows with nothing to show (NOTHING)."""
    kinds = set()
    for row in chart.rows:
        if row.hidden or row.median is None:
            kinds.add(Detail.NOTHING)
        elif row.counts is None or not row.scored:
            kinds.add(Detail.MEDIAN)
        else:
            kinds.add(Detail.COUNTS)
    return kinds


def render_summary_png(chart: SummaryChart) -> bytes:
    """The summary as a PNG: a stacked bar per category over levels 1..5, median and n."""
    figure = _figure()
    _header(figure, chart.title, chart.subtitle)
    # Rows keep the pitch of nine categories, so three categories do not make fat bars.
    rows = max(1, len(chart.rows))
    height = min(0.67, 0.0745 * rows)
    box = (0.31, 0.82 - height, 0.47, height)  # left, bottom, width, height
    axes = figure.add_axes(box)
    axes.set_xlim(0, 1)
    axes.set_ylim(rows - 0.5, -0.5)  # first category on top
    axes.set_axis_off()
    for y, row in enumerate(chart.rows):
        label_y = axes.transData.transform((0, y))[1] / figure.bbox.height
        label = textwrap.fill(row.label, 26)
        figure.text(box[0] - 0.015, label_y, label, size=LABEL_PT, ha="right", va="center")
        _bar(axes, y, row, figure.bbox.width * box[2])
    handles = _legend_handles(chart)
    if not handles:
        return _png(figure)
    anchor = (0.5, max(0.02, box[1] - 0.1))  # just under the bars
    figure.legend(handles=handles, ncols=len(handles), bbox_to_anchor=anchor, **LEGEND)
    return _png(figure)


def _legend_handles(chart: SummaryChart) -> list[Any]:
    """The legend explains only what is drawn: colours where some bar shows counts, the dot
    where some row shows only its median on the scale."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    labels = [str(level) for level in LEVELS]
    labels[0] = f"{LEVELS[0]} {chart.low_label}"
    labels[-1] = f"{LEVELS[-1]} {chart.high_label}"
    drawn = chart_kinds(chart)
    handles: list[Patch | Line2D] = []
    if Detail.COUNTS in drawn:
        handles += [
            Patch(facecolor=colour, edgecolor=EDGE, label=label)
            for colour, label in zip(PALETTE, labels, strict=True)
        ]
        handles.append(Line2D([], [], linestyle="none", label="middle answer (median)", **NOTCH))
    if Detail.MEDIAN in drawn:
        scale = f"median on the 1 to 5 scale\n(1 {chart.low_label}, 5 {chart.high_label})"
        handles.append(Line2D([], [], linestyle="none", label=scale, **MEDIAN_DOT))
    return handles


# Portrait, for phones: 780 px wide, shown at 390 CSS px (half size), so text of 18 pt (25 px)
# reads as 12.5 CSS px. Each category's name goes above its bar, full width.
PORTRAIT_WIDTH = 7.8  # inches
PORTRAIT_CSS_WIDTH = 390  # the phone width the portrait chart is made for
P_TITLE_PT, P_LABEL_PT, P_SMALL_PT = 26, 22, 18
P_MARGIN, P_HEADER, P_LINE, P_BAR, P_GAP = 0.35, 1.45, 0.4, 0.55, 0.3  # inches
P_NOTCH = 0.25  # inches between a name and its bar: room for the median's notch
P_WRAP = 40  # characters of a category's name per line at P_LABEL_PT


def smallest_css_px(portrait: bool) -> float:
    """The smallest text on the chart, in CSS px, when shown at the width it is made for."""
    if not portrait:
        return SMALL_PT * DPI / 72 * PORTRAIT_CSS_WIDTH / (SIZE[0] * DPI)
    smallest = min(P_TITLE_PT, P_LABEL_PT, P_SMALL_PT)
    return smallest * DPI / 72 * PORTRAIT_CSS_WIDTH / (PORTRAIT_WIDTH * DPI)


def render_summary_portrait_png(chart: SummaryChart) -> bytes:
    """The summary for narrow places (a phone, an email): each category's name above its bar,
    the median and n under it, the legend at the foot; the same marks as the landscape one."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [textwrap.wrap(row.label, P_WRAP) or [""] for row in chart.rows]
    pitch = [len(lines) * P_LINE + P_NOTCH + P_BAR + P_LINE + P_GAP for lines in labels]
    legend_height = 1.5 if Detail.COUNTS in chart_kinds(chart) else 1.0
    height = P_HEADER + sum(pitch) + legend_height
    figure = Figure(figsize=(PORTRAIT_WIDTH, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, PORTRAIT_WIDTH)
    axes.set_ylim(height, 0)  # inches from the top
    axes.set_axis_off()
    left, width = P_MARGIN, PORTRAIT_WIDTH - 2 * P_MARGIN
    title = textwrap.shorten(chart.title, 34, placeholder=" …")
    axes.text(left, 0.45, title, size=P_TITLE_PT, weight="bold", va="center")
    subtitle = textwrap.wrap(chart.subtitle, 52)
    axes.text(left, 0.95, "\n".join(subtitle), size=P_SMALL_PT, color=MUTED, va="center")
    top = P_HEADER
    for row, lines, step in zip(chart.rows, labels, pitch, strict=True):
        label_height = len(lines) * P_LINE
        axes.text(left, top + label_height / 2, "\n".join(lines), size=P_LABEL_PT, va="center")
        bar_y = top + label_height + P_NOTCH + P_BAR / 2  # the notch between name and bar
        note = _portrait_bar(axes, bar_y, row, left, width)
        axes.text(left, bar_y + P_BAR / 2 + P_LINE / 2 + 0.05, note, size=P_SMALL_PT, va="center")
        top += step
    handles = _legend_handles(chart)
    if handles:
        anchor = (0.5, 0.0)
        figure.legend(
            handles=handles,
            ncols=2 if Detail.COUNTS in chart_kinds(chart) else 1,
            bbox_to_anchor=anchor,
            **(LEGEND | {"fontsize": P_SMALL_PT}),
        )
    return _png(figure)


def _portrait_bar(axes: Axes, y: float, row: ChartRow, left: float, width: float) -> str:
    """One category's bar (or scale) across the page; the line to write under it."""
    if row.hidden or row.median is None:
        axes.barh(y, width, left=left, height=P_BAR, color=HIDDEN_GREY)
        axes.text(left + width / 2, y, "not enough answers", size=P_SMALL_PT, color=MUTED, **MID)
        return ""
    median = f"median {_number(row.median)}"
    if row.counts is None or not row.scored:
        axes.plot([left, left + width], [y, y], color=EDGE, linewidth=2)
        for level in LEVELS:
            x = left + width * scale_x(level)
            axes.plot([x, x], [y - 0.1, y + 0.1], color=EDGE, linewidth=2)
            axes.text(x, y + 0.27, str(level), size=P_SMALL_PT, color=MUTED, **MID)
        axes.plot(left + width * scale_x(row.median), y, **MEDIAN_DOT)
        return f"{median} · {row.consensus or ''}"
    at = left
    for count, colour, ink in zip(row.counts, PALETTE, ON_PALETTE, strict=True):
        share = width * count / row.scored
        axes.barh(y, share, left=at, height=P_BAR, color=colour, linewidth=0)
        if count and share * DPI >= 14 * len(str(count)) + 12:
            axes.text(at + share / 2, y, str(count), size=P_SMALL_PT, color=ink, **MID)
        at += share
    axes.barh(y, width, left=left, height=P_BAR, fill=False, edgecolor=EDGE, linewidth=1)
    axes.plot(left + width / 2, y - P_BAR / 2 - 0.09, **NOTCH)
    unsure = f" ({row.not_sure} not sure)" if row.not_sure else ""
    return f"{median} · n = {row.scored}{unsure}"


def _grid(panels: int) -> tuple[int, int]:
    columns = panels if panels <= 3 else math.ceil(math.sqrt(panels))  # 9 -> 3 x 3
    return math.ceil(panels / columns), columns


def render_trend_png(chart: TrendChart) -> bytes:
    """The trend as a PNG: one small panel per category, its median per round on 1..5."""
    figure = _figure()
    _header(figure, chart.title, "Median level (1 to 5) in each round; a gap means no summary")
    rows, columns = _grid(max(1, len(chart.series)))
    grid = figure.add_gridspec(
        rows, columns, left=0.06, right=0.96, top=0.76, bottom=0.1, hspace=0.9, wspace=0.22
    )
    rounds = len(chart.round_labels)
    xs = list(range(rounds))
    # At most four labelled rounds per panel so "Nov 2026" labels never collide, counted back
    # from the latest round, which always gets one.
    labelled = xs[::-1][:: max(1, math.ceil(rounds / 4))][::-1]
    for index, (label, medians) in enumerate(chart.series):
        axes: Axes = figure.add_subplot(grid[divmod(index, columns)])
        title = textwrap.wrap(label, 30, max_lines=2, placeholder="…")
        axes.set_title("\n".join(title), size=LABEL_PT, loc="left", pad=12, linespacing=1.1)
        ys = [math.nan if m is None else m for m in medians]  # NaN leaves a gap in the line
        axes.plot(xs, ys, color=PALETTE[4], linewidth=3, marker="o", markersize=10)
        for x, m in zip(xs, medians, strict=True):
            # Values on every point while they fit; with many rounds only on the latest.
            if m is not None and (rounds <= 6 or x == rounds - 1):
                axes.annotate(_number(m), (x, m), (0, 11), textcoords="offset points", **NOTE)
        axes.set(ylim=(0.6, 6.1), yticks=LEVELS, xlim=(-0.4, rounds - 0.6), xticks=labelled)
        # Full labels ("R2", "Mar 2026") only under the lowest panel of each column.
        ticks = [chart.round_labels[x] for x in labelled]
        lowest = index + columns >= len(chart.series)
        axes.set_xticklabels(ticks if lowest else [t.split("\n")[0] for t in ticks])
        axes.tick_params(labelsize=SMALL_PT - 2, length=0)
        axes.grid(axis="y", color="#dddddd", linewidth=1)
        axes.set_axisbelow(True)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
    return _png(figure)
