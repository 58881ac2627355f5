"""Charts: the data each plot gets for a fixed input, and PNGs that decode at the right size."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageStat

from bot.model import Answer, Category, Participation, Round, Rubric, Stage
from bot.rubric.loader import load_rubric
from bot.summary.charts import (
    PALETTE,
    ChartRow,
    SummaryChart,
    TrendChart,
    chart_kinds,
    render_summary_png,
    render_summary_portrait_png,
    render_trend_png,
    smallest_css_px,
    summary_chart,
    trend_chart,
)
from bot.summary.disclosure import Detail
from bot.summary.numbers import RoundSummary, summarise
from bot.summary.report import MEDIAN_ONLY_ALT, SUMMARY_CHART_ALT, summary_chart_alt

ROOT = Path(__file__).resolve().parent.parent
LEVEL_TEXT = {level: f"level {level}" for level in range(1, 6)}


def rubric(*ids: str) -> Rubric:
    categories = tuple(
        Category(id_, number, id_.title(), LEVEL_TEXT) for number, id_ in enumerate(ids, 1)
    )
    return Rubric(
        "Test model", "Where are we?", "just getting started", "really doing well", categories
    )


ABC = rubric("alpha", "beta", "gamma")


def summary(
    number: int,
    opened: datetime,
    levels: Mapping[str, Sequence[int | None]],
    *,
    completed: int,
    invited: int | None = None,
    model: Rubric = ABC,
    closed: bool = True,
) -> RoundSummary:
    """A round where answer i of each category comes from person i; the first `completed`
    people submitted, the rest of the `invited` did not."""
    closes = opened + timedelta(days=14)
    round_ = Round(
        number, 1, number, "Spring check", opened, closes, closes if closed else None, True, model
    )
    answers = [
        Answer(number, person, category, level, None, opened, opened)
        for category, column in levels.items()
        for person, level in enumerate(column)
    ]
    participations = [
        Participation(
            number,
            person,
            Stage.SUBMITTED if person < completed else Stage.ANSWERING,
            completed_at=opened if person < completed else None,
        )
        for person in range(completed if invited is None else invited)
    ]
    return summarise(round_, answers, participations)


def first_round(closed: bool = True) -> RoundSummary:
    # alpha: 1, 2, 2, 4, 1 and one "not sure" (counts shown); beta: two scored (hidden);
    # gamma: 5, 5, 4, 3 (four scored: the median and agreement only)
    return summary(
        1,
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        {
            "alpha": [1, 2, 2, 4, None, 1],
            "beta": [3, None, None, 5],
            "gamma": [5, 5, 4, 3],
        },
        completed=6,
        invited=7,
        closed=closed,
    )


def rounds() -> list[RoundSummary]:
    """Four rounds: the third too small to summarise, the last with gamma replaced by delta."""
    second = summary(
        2,
        datetime(2026, 6, 1, tzinfo=UTC),
        {"alpha": [3, 3, 3], "beta": [2, 3, 4], "gamma": [None, None, 4]},
        completed=3,
    )
    third = summary(
        3,
        datetime(2026, 9, 7, tzinfo=UTC),
        {"alpha": [5, 5], "beta": [5, 5], "gamma": [5, 5]},
        completed=2,
    )
    fourth = summary(
        4,
        datetime(2026, 11, 2, tzinfo=UTC),
        {"alpha": [4, 4, 5], "beta": [2, 2, 3], "delta": [1, 2, 3]},
        completed=3,
        model=rubric("alpha", "beta", "delta"),
    )
    return [first_round(), second, third, fourth]


def test_summary_chart_rows_follow_the_rubric_and_hide_small_categories() -> None:
    assert summary_chart(first_round()) == SummaryChart(
        "Round 1: Spring check",
        "2 Mar 2026 \u2013 16 Mar 2026 · 6 of 7 completed",
        (
            ChartRow("1. Alpha", Detail.COUNTS, 2.0, "agreed", (2, 2, 0, 1, 0), 5, 1),
            ChartRow("2. Beta", Detail.NOTHING),
            ChartRow("3. Gamma", Detail.MEDIAN, 4.5, "agreed"),
        ),
        "just getting started",
        "really doing well",
    )


def test_an_open_round_says_when_it_closes() -> None:
    subtitle = summary_chart(first_round(closed=False)).subtitle
    assert subtitle == "2 Mar 2026 \u2013 closes 16 Mar 2026 · 6 of 7 completed"


def test_a_round_too_small_to_summarise_hides_every_row_but_keeps_the_labels() -> None:
    chart = summary_chart(rounds()[2])
    assert [row.label for row in chart.rows] == ["1. Alpha", "2. Beta", "3. Gamma"]
    assert all(row.hidden and row.median is None and row.counts is None for row in chart.rows)


def test_trend_uses_the_last_rubric_with_gaps_where_there_is_no_median() -> None:
    assert trend_chart(rounds()) == TrendChart(
        "Median per category, rounds 1 to 4",
        ("R1\nMar 2026", "R2\nJun 2026", "R3\nSep 2026", "R4\nNov 2026"),
        (
            ("1. Alpha", (2.0, 3.0, None, 4.0)),
            ("2. Beta", (None, 3.0, None, 2.0)),  # hidden in round 1
            ("3. Delta", (None, None, None, 2.0)),  # new in round 4
        ),
    )


def test_no_trend_until_two_rounds_are_summarised() -> None:
    first, _, too_small, _ = rounds()
    assert trend_chart([]) is None
    assert trend_chart([first]) is None
    assert trend_chart([first, too_small]) is None


def assert_chart_png(png: bytes) -> None:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (1600, 1000)
    grey = image.convert("L")
    colours = image.convert("RGB").getcolors(maxcolors=1600 * 1000)
    assert colours is not None and len(colours) > 100  # antialiased text and marks
    assert 1 - grey.histogram()[255] / (1600 * 1000) > 0.02  # not a white page
    assert ImageStat.Stat(grey).stddev[0] > 10


def test_summary_png_with_a_hidden_row() -> None:
    assert_chart_png(render_summary_png(summary_chart(first_round())))


def test_summary_png_with_every_row_hidden() -> None:
    assert_chart_png(render_summary_png(summary_chart(rounds()[2])))


def test_trend_png() -> None:
    chart = trend_chart(rounds())
    assert chart is not None
    assert_chart_png(render_trend_png(chart))


def test_pngs_for_the_real_nine_category_rubric() -> None:
    model = load_rubric(ROOT / "rubric.toml")
    ids = [c.id for c in model.categories]
    spread = [1, 2, 2, 3, 3, 3, 4, 4, 5, None]
    summaries = [
        summary(
            n,
            datetime(2026, 3 * n, 1, tzinfo=UTC),
            {id_: spread[i % 3 :] for i, id_ in enumerate(ids)},
            completed=10,
            model=model,
        )
        for n in (1, 2, 3)
    ]
    chart = summary_chart(summaries[-1])
    assert chart.rows[-1].label == "9. Learning, evaluation and continuous improvement"
    assert_chart_png(render_summary_png(chart))
    trend = trend_chart(summaries)
    assert trend is not None and len(trend.series) == 9
    assert_chart_png(render_trend_png(trend))


def test_importing_charts_does_not_import_matplotlib() -> None:
    probe = "import sys, bot.summary.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "False"


def people_round(people: int) -> RoundSummary:
    """A closed round of the real rubric where `people` all answered, spread over the levels
    (a few "not sure"); category i leans a little higher than category i-1."""
    model = load_rubric(ROOT / "rubric.toml")
    levels = {
        c.id: [None if (p + i) % 9 == 8 else min(5, 1 + (p * 7 + i) % 5) for p in range(people)]
        for i, c in enumerate(model.categories)
    }
    return summary(1, datetime(2026, 3, 2, tzinfo=UTC), levels, completed=people, model=model)


def palette_pixels(png: bytes) -> int:
    """How many pixels are (nearly) one of the counts' strong colours: only bars of counts
    are drawn in them."""
    import numpy

    pixels = numpy.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    strong = PALETTE[1:]  # level 1's step is near white, like the background
    found = 0
    for colour in strong:
        target = numpy.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
        found += int((numpy.abs(pixels - target).sum(axis=2) < 12).sum())
    return found


def save_for_docs(name: str, png: bytes) -> None:
    """With CHART_DOCS=1 the charts are kept in docs/ (the README shows them)."""
    if os.environ.get("CHART_DOCS"):
        (ROOT / "docs" / name).write_bytes(png)


def test_four_people_get_medians_on_the_scale_and_the_text_says_so() -> None:
    four = people_round(4)
    chart = summary_chart(four)
    assert chart_kinds(chart) == {Detail.MEDIAN}  # four scored: no counts may be shown
    assert all(row.counts is None and row.median is not None for row in chart.rows)
    alt = summary_chart_alt(four)
    assert alt == MEDIAN_ONLY_ALT and "one bar per category" not in alt
    png = render_summary_png(chart)
    assert_chart_png(png)
    assert palette_pixels(png) == 0  # no coloured bars, and so no legend of colours
    save_for_docs("chart-4-people-landscape.png", png)
    portrait = render_summary_portrait_png(chart)
    assert_portrait_png(portrait)
    assert palette_pixels(portrait) == 0
    save_for_docs("chart-4-people-portrait.png", portrait)


def test_forty_people_get_bars_of_counts_and_the_text_says_so() -> None:
    forty = people_round(40)
    chart = summary_chart(forty)
    assert chart_kinds(chart) == {Detail.COUNTS}
    assert all(row.counts is not None and sum(row.counts) == row.scored for row in chart.rows)
    assert summary_chart_alt(forty) == SUMMARY_CHART_ALT
    png = render_summary_png(chart)
    assert_chart_png(png)
    assert palette_pixels(png) > 20_000  # the bars of shares are drawn in the levels' colours
    save_for_docs("chart-40-people-landscape.png", png)
    portrait = render_summary_portrait_png(chart)
    assert_portrait_png(portrait)
    assert palette_pixels(portrait) > 20_000
    save_for_docs("chart-40-people-portrait.png", portrait)


def assert_portrait_png(png: bytes) -> None:
    """Taller than wide, 780 px across: at 390 CSS px its smallest text is at least 12 px."""
    image = Image.open(io.BytesIO(png))
    assert image.width == 780 and image.height > image.width
    assert smallest_css_px(portrait=True) >= 12
    assert smallest_css_px(portrait=False) < 12  # why phones get the portrait one


def test_one_palette_for_chart_and_pdf_and_it_prints_in_grey() -> None:
    # The PDF's greys are the chart's palette itself (debrief_pdf.GREYS = PALETTE).
    lightness = [
        0.299 * int(c[1:3], 16) + 0.587 * int(c[3:5], 16) + 0.114 * int(c[5:7], 16) for c in PALETTE
    ]
    # Each level a clear step darker than the one before, in grey as in colour.
    assert all(a - b > 25 for a, b in itertools.pairwise(lightness))
