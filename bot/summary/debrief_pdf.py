"""The debrief pack as a PDF: A4 pages drawn with matplotlib's PDF backend (bare Figures saved
to PdfPages, never pyplot, which keeps every figure in global state).

Made to be printed: greys that step from light (level 1) to dark (level 5), with every count
written on its bar, so nothing depends on colour; real text (TrueType fonts embedded, so it
can be selected, searched and read aloud) in DejaVu Sans, the font matplotlib ships. Text is
laid out top to bottom with a cursor; what does not fit a page (many long comments) is cut
with a note saying how many more there are.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bot.actions.ledger import brief
from bot.model import LEVELS
from bot.summary.charts import ON_PALETTE, PALETTE, SummaryChart, TrendChart
from bot.summary.debrief import CategoryPage, DebriefPack
from bot.summary.perspectives import WORKSHOP_PROMPT, RoundPerspectives
from bot.summary.perspectives_chart import perspectives_chart, render_perspectives_png
from bot.summary.perspectives_report import HEADING, perspectives_words

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

A4 = (210 / 25.4, 297 / 25.4)  # 210 x 297 mm, in inches
WIDTH, HEIGHT = A4
MARGIN = 0.7
FOOTER = 0.45  # kept free at the bottom for the page's footer
FONT = "DejaVu Sans"
CHAR_EM = 0.56  # a generous average width of a DejaVu Sans character, in ems
LEADING = 1.3  # line height, in font sizes
GREYS, ON_GREYS = PALETTE, ON_PALETTE  # the summary chart's: one palette, printable in grey
INK, MUTED, RULE = "#111111", "#444444", "#999999"
ON_WHITE = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}
TITLE_PT, HEADING_PT, BODY_PT, SMALL_PT, TINY_PT = 20, 12.5, 10, 8.5, 7.5


class _Sheet:
    """One A4 figure written top to bottom; y is the distance from the top, in inches."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.y = MARGIN

    def room(self) -> float:
        return HEIGHT - FOOTER - self.y

    def lines(self, text: str, size: float, indent: float = 0.0) -> list[str]:
        """The text wrapped to the page's width (never breaking at hyphens: descriptors stay
        searchable as written)."""
        chars = max(20, int((WIDTH - 2 * MARGIN - indent) * 72 / (size * CHAR_EM)))
        wrapped: list[str] = []
        for paragraph in text.split("\n"):
            wrapped += textwrap.wrap(paragraph, chars, break_on_hyphens=False) or [""]
        return wrapped

    def height(self, lines: int, size: float) -> float:
        return lines * size * LEADING / 72

    def write(self, text: str, size: float = BODY_PT, indent: float = 0.0, **style: Any) -> None:
        lines = self.lines(text, size, indent)
        self.put(lines, size, indent, **style)

    def put(self, lines: Sequence[str], size: float, indent: float = 0.0, **style: Any) -> None:
        if not lines:
            return
        style = {"color": INK} | style
        self.figure.text(
            (MARGIN + indent) / WIDTH,
            1 - self.y / HEIGHT,
            "\n".join(lines),
            size=size,
            family=FONT,
            va="top",
            ha="left",
            linespacing=LEADING,
            **style,
        )
        self.y += self.height(len(lines), size)

    def gap(self, inches: float) -> None:
        self.y += inches

    def heading(self, text: str) -> None:
        self.gap(0.12)
        self.write(text, HEADING_PT, weight="bold")
        self.gap(0.04)

    def box(
        self, height: float, left: float = 0.0, width: float | None = None
    ) -> tuple[float, float, float, float]:
        """A rectangle (figure fractions: left, bottom, width, height) under the cursor, which
        moves below it."""
        inner = WIDTH - 2 * MARGIN - left
        wide = inner if width is None else width
        box = (
            (MARGIN + left) / WIDTH,
            1 - (self.y + height) / HEIGHT,
            wide / WIDTH,
            height / HEIGHT,
        )
        self.y += height
        return box


def render_debrief_pdf(pack: DebriefPack) -> bytes:
    """The whole pack: the headline page, then one page per category."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType: real text, not drawn glyphs
    buffer = io.BytesIO()
    metadata = {
        "Title": f"{pack.community}: {pack.title}",
        "Creator": "maturity-bot",
        "CreationDate": None,  # the same pack makes the same file
    }
    with PdfPages(buffer, metadata=metadata) as pdf:
        for figure in pages(pack):
            try:
                pdf.savefig(figure)
            finally:
                figure.clear()  # breaks the figure <-> axes cycles now
    return buffer.getvalue()


def pages(pack: DebriefPack) -> Iterator[Figure]:
    """Each page as a figure (the PDF's pages; a PNG of one for documentation)."""
    by_group = pack.summary.perspectives if pack.summary.enough else None
    total = 1 + len(pack.pages) + (by_group is not None)
    yield _headline(pack, total)
    for number, page in enumerate(pack.pages, start=2):
        yield _category(pack, page, number, total)
    if by_group is not None:
        yield _perspectives(pack, by_group, total)


def _perspectives(pack: DebriefPack, by_group: RoundPerspectives, total: int) -> Figure:
    """The last page, for the workshop: where perspectives differ, and the chart of medians
    by group (only what bot/summary/perspectives.py let through)."""
    import matplotlib.image

    figure = _figure()
    sheet = _Sheet(figure)
    words = perspectives_words(by_group, pack.summary.round.min_responses)
    sheet.write(HEADING, TITLE_PT, weight="bold")
    sheet.gap(0.08)
    sheet.write(words.note[:1].upper() + words.note[1:], SMALL_PT, color=MUTED)
    for sentence in words.differences:
        sheet.gap(0.06)
        sheet.write(f"• {sentence}", BODY_PT, 0.15)
    for line in words.closing:
        sheet.gap(0.08)
        sheet.write(line, BODY_PT, weight="bold" if line == WORKSHOP_PROMPT else "normal")
    chart = perspectives_chart(pack.chart.title, by_group)
    if chart is not None:
        sheet.gap(0.15)
        image = matplotlib.image.imread(io.BytesIO(render_perspectives_png(chart)), format="png")
        height = sheet.room() - 0.1
        width = height * image.shape[1] / image.shape[0]
        axes = figure.add_axes(sheet.box(height, (WIDTH - 2 * MARGIN - width) / 2, width))
        axes.imshow(image)
        axes.set_axis_off()
    _footer(sheet, pack, total, total)
    return figure


def _figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=A4, facecolor="white")


def _footer(sheet: _Sheet, pack: DebriefPack, number: int, total: int) -> None:
    round_ = pack.summary.round
    text = (
        f"{pack.community} · round {round_.number} “{round_.title}” · debrief pack for the "
        f"leads · page {number} of {total}"
    )
    sheet.figure.text(
        MARGIN / WIDTH, 0.3 / HEIGHT, text, size=TINY_PT, family=FONT, color=MUTED, va="bottom"
    )


def _headline(pack: DebriefPack, total: int) -> Figure:
    figure = _figure()
    sheet = _Sheet(figure)
    round_ = pack.summary.round
    sheet.write(f"{pack.community}", SMALL_PT, color=MUTED)
    sheet.write(pack.title, TITLE_PT, weight="bold")
    sheet.gap(0.05)
    sheet.write(pack.chart.subtitle, BODY_PT, color=MUTED)
    sheet.gap(0.1)
    sheet.write(pack.answered)
    for line in (pack.priorities, pack.actions):
        if line:
            sheet.gap(0.04)
            sheet.write(line)
    if pack.summary.enough:
        sheet.heading("What the group thinks")
        _summary_chart(sheet, pack.chart)
    sheet.heading("How it changed")
    if pack.trend is not None:
        _trend_chart(sheet, pack.trend)
    else:
        sheet.write(pack.trend_note, color=MUTED)
    if pack.focus:
        sheet.heading("Where to focus next")
        for line in pack.focus:
            lines = sheet.lines(line, SMALL_PT, 0.15)
            if sheet.height(len(lines), SMALL_PT) > sheet.room():
                break
            sheet.put(lines, SMALL_PT, 0.15)
            sheet.gap(0.03)
    if round_.closed_at is None:
        sheet.write("The round is still open: its numbers may change.", SMALL_PT, color=MUTED)
    _footer(sheet, pack, 1, total)
    return figure


def _summary_chart(sheet: _Sheet, chart: SummaryChart) -> None:
    """A stacked bar per category over levels 1..5 (shares, with counts written on them), the
    median and n beside it; a key underneath."""
    rows = max(1, len(chart.rows))
    row_height = 0.35
    label_width = 2.15
    left, bottom, width, height = sheet.box(rows * row_height, left=label_width, width=3.3)
    axes: Axes = sheet.figure.add_axes((left, bottom, width, height))
    axes.set_xlim(0, 1)
    axes.set_ylim(rows - 0.5, -0.5)
    axes.set_axis_off()
    for y, row in enumerate(chart.rows):
        label_y = bottom + height * (1 - (y + 0.5) / rows)
        label = textwrap.fill(row.label, 30, break_on_hyphens=False)
        sheet.figure.text(
            left - 0.08 / WIDTH,
            label_y,
            label,
            size=SMALL_PT,
            family=FONT,
            ha="right",
            va="center",
            color=INK,
        )
        beside: dict[str, Any] = {
            "family": FONT,
            "va": "center",
            "transform": axes.get_yaxis_transform(),
        }
        if row.hidden or row.median is None or row.counts is None or not row.scored:
            # No counts where bot/summary/disclosure.py allows none: the median and agreed or
            # split alone, or nothing at all.
            shown = not row.hidden and row.median is not None
            note = "too few answers to show counts" if shown else "not enough answers"
            axes.barh(y, 1, height=0.62, color="white", edgecolor=RULE, linewidth=0.6)
            axes.text(
                0.5, y, note, size=SMALL_PT, family=FONT, color=MUTED, ha="center", va="center"
            )
            if row.median is not None:
                _median_beside(axes, y, row.median, row.consensus or "", beside)
            continue
        start = 0.0
        for count, grey, ink in zip(row.counts, GREYS, ON_GREYS, strict=True):
            share = count / row.scored
            if count:
                axes.barh(
                    y, share, left=start, height=0.62, color=grey, edgecolor="white", linewidth=0.8
                )
                if share * width * WIDTH >= 0.16 * len(str(count)):
                    axes.text(
                        start + share / 2,
                        y,
                        str(count),
                        size=TINY_PT,
                        family=FONT,
                        color=ink,
                        ha="center",
                        va="center",
                    )
            start += share
        axes.barh(y, 1, height=0.62, fill=False, edgecolor=RULE, linewidth=0.6)
        axes.plot(0.5, y - 0.42, marker="v", color=INK, markersize=5)
        unsure = f", {row.not_sure} not sure" if row.not_sure else ""
        _median_beside(axes, y, row.median, f"n = {row.scored}{unsure}", beside)
    _key(sheet, chart)


def _median_beside(axes: Axes, y: int, median: float, below: str, beside: dict[str, Any]) -> None:
    """The median in bold right of a bar, and a small line under it (n, or agreed/split)."""
    axes.text(
        1.03, y - 0.14, f"median {median:g}", size=SMALL_PT, weight="bold", color=INK, **beside
    )
    axes.text(1.03, y + 0.2, below, size=TINY_PT, color=MUTED, **beside)


def _key(sheet: _Sheet, chart: SummaryChart) -> None:
    """Which grey is which level, left to right, and what the notch marks."""
    from matplotlib.patches import Rectangle

    sheet.gap(0.12)
    left, bottom, width, height = sheet.box(0.22)
    axes: Axes = sheet.figure.add_axes((left, bottom, width, height))
    axes.set_axis_off()
    axes.set_xlim(0, 10)
    axes.set_ylim(0, 1)
    labels = [f"{level}" for level in LEVELS]
    labels[0] = f"1 {chart.low_label}"
    labels[-1] = f"5 {chart.high_label}"
    x = 0.0
    for label, grey in zip(labels, GREYS, strict=True):
        axes.add_patch(Rectangle((x, 0.15), 0.28, 0.7, facecolor=grey, edgecolor=RULE, lw=0.6))
        axes.text(x + 0.36, 0.5, label, size=TINY_PT, family=FONT, va="center", color=INK)
        x += 0.7 + 0.075 * len(label)
    axes.text(
        x + 0.1, 0.5, "▼ middle answer (median)", size=TINY_PT, family=FONT, va="center", color=INK
    )


def _trend_chart(sheet: _Sheet, chart: TrendChart) -> None:
    """A small panel per category: its median in each round, on 1..5. One axes, its axis off,
    with the panels drawn in its data units (a panel is 1 x 1): tick machinery is costly."""
    panels = max(1, len(chart.series))
    columns = 3
    rows = math.ceil(panels / columns)
    left, bottom, width, height = sheet.box(rows * 0.8)
    axes: Axes = sheet.figure.add_axes((left, bottom, width, height))
    axes.set_axis_off()
    axes.set(xlim=(0, columns), ylim=(0, rows))
    count = len(chart.round_labels)
    small: dict[str, Any] = {"size": TINY_PT - 1, "family": FONT, "color": INK}
    for index, (label, medians) in enumerate(chart.series):
        row, column = divmod(index, columns)
        base = rows - row - 1  # the panel's bottom edge
        x0, x1 = column + 0.12, column + 0.92
        xs = [x0 + (x1 - x0) * (i + 0.5) / count for i in range(count)]

        def y(level: float, base: float = base) -> float:
            return base + 0.22 + (level - 1) / 4 * 0.5

        title = textwrap.shorten(label, 34, placeholder="…")
        axes.text(column + 0.02, base + 0.96, title, va="top", **(small | {"size": TINY_PT}))
        for level in (1, 3, 5):
            axes.plot([x0, x1], [y(level)] * 2, color="#dddddd", linewidth=0.5)
            axes.text(x0 - 0.03, y(level), str(level), ha="right", va="center", **small)
        points = [math.nan if m is None else y(m) for m in medians]
        axes.plot(xs, points, color=INK, linewidth=1.2, marker="o", markersize=3)
        for x, median, round_label in zip(xs, medians, chart.round_labels, strict=True):
            axes.text(x, base + 0.05, round_label.split("\n")[0], ha="center", **small)
            if median is not None and (count <= 6 or x == xs[-1]):
                axes.text(x, y(median) + 0.05, f"{median:g}", ha="center", **small)


def _category(pack: DebriefPack, page: CategoryPage, number: int, total: int) -> Figure:
    figure = _figure()
    sheet = _Sheet(figure)
    category = page.numbers.category
    round_ = pack.summary.round
    sheet.write(f"{pack.community} · round {round_.number} “{round_.title}”", SMALL_PT, color=MUTED)
    sheet.write(f"{category.number}. {category.title}", TITLE_PT, weight="bold")
    sheet.gap(0.05)
    sheet.write(page.facts, BODY_PT)
    if not page.numbers.hidden:
        sheet.gap(0.1)
        if page.numbers.distribution is not None:  # only where counts may be shown
            _distribution(sheet, page, page.numbers.distribution)
        if page.at_level is not None and page.at_descriptor:
            median = page.numbers.median
            half_way = f" (median {median:g})" if median is not None and median % 1 else ""
            sheet.heading(f"Where the group is: level {page.at_level}{half_way}")
            sheet.write(page.at_descriptor)
        sheet.heading("The next level up")
        if page.next_level is not None and page.next_descriptor:
            sheet.write(f"Level {page.next_level}: {page.next_descriptor}")
        else:
            sheet.write("The group already places this at the top level.")
    if page.votes:
        sheet.heading("The group's priorities")
        sheet.write(page.votes)
    if page.actions:
        sheet.heading("Actions")
        for action in page.actions:
            owner = f", owner {action.owner_name}" if action.owner_name else ""
            sheet.write(f"• {brief(action)}{owner}", indent=0.15)
    sheet.heading("To discuss")
    for prompt in page.prompts:
        sheet.write(f"• {prompt}", indent=0.15)
        sheet.gap(0.03)
    _comments(sheet, page)
    _footer(sheet, pack, number, total)
    return figure


def _distribution(sheet: _Sheet, page: CategoryPage, distribution: Sequence[int]) -> None:
    """How many chose each level, as columns 1 to 5, the median marked."""
    numbers = page.numbers
    start = sheet.y
    left, bottom, width, height = sheet.box(1.6, left=0.3, width=3.4)
    sheet.gap(0.1)
    axes: Axes = sheet.figure.add_axes((left, bottom, width, height))
    axes.set_axis_off()  # labels are drawn as text: tick machinery is costly
    counts = list(distribution)
    axes.bar(list(LEVELS), counts, width=0.7, color=GREYS, edgecolor=INK, linewidth=0.6)
    top = max(counts) or 1
    axes.set(xlim=(0.4, 5.6), ylim=(-top * 0.22, top * 1.45))
    axes.plot([0.5, 5.5], [0, 0], color=INK, linewidth=0.8)
    above: dict[str, Any] = {"ha": "center", "va": "bottom", "size": SMALL_PT, "family": FONT}
    above |= {"color": INK, "bbox": ON_WHITE}  # the median's line passes behind
    for level, count in zip(LEVELS, counts, strict=True):
        axes.text(level, count + top * 0.04, str(count), **above)
        axes.text(level, -top * 0.05, str(level), **(above | {"va": "top"}))
    axes.text(3, -top * 0.2, "level chosen", **(above | {"va": "top", "size": TINY_PT}))
    if numbers.median is not None:
        # Above every count label (the tallest ends near 1.12 x top), never through one.
        axes.plot([numbers.median] * 2, [top * 1.15, top * 1.25], color=INK, linewidth=1)
        axes.plot(numbers.median, top * 1.15, marker="v", color=INK, markersize=5)
        axes.text(numbers.median, top * 1.28, f"median {numbers.median:g}", **above)
    key = (
        "Each bar: how many chose that level, from 1 (just getting started) to 5 (really "
        "doing well). The ▼ mark: the middle answer (median)."
    )
    sheet.figure.text(
        (MARGIN + 4.0) / WIDTH,
        1 - (start + 0.25) / HEIGHT,
        textwrap.fill(key, 44),
        size=SMALL_PT,
        family=FONT,
        color=MUTED,
        va="top",
        linespacing=LEADING,
    )


def _comments(sheet: _Sheet, page: CategoryPage) -> None:
    sheet.heading("What people wrote")
    if not page.comments:
        sheet.write(page.comments_note, SMALL_PT, color=MUTED)
        return
    sheet.write("Unattributed, in random order.", SMALL_PT, color=MUTED)
    sheet.gap(0.04)
    one_line = sheet.height(1, SMALL_PT)
    for index, comment in enumerate(page.comments):
        lines = sheet.lines(f"“{comment.strip()}”", SMALL_PT, 0.15)
        left = len(page.comments) - index
        if sheet.height(len(lines), SMALL_PT) + one_line * 2 > sheet.room():
            fits = int(sheet.room() / one_line) - 2
            if fits >= 2:  # the start of a long comment, then the note
                sheet.put([*lines[: fits - 1], lines[fits - 1] + " …"], SMALL_PT, 0.15)
                left -= 1
            if left:
                sheet.write(f"… and {left} more (they are in the export).", SMALL_PT, color=MUTED)
            return
        sheet.put(lines, SMALL_PT, 0.15)
        sheet.gap(0.04)
