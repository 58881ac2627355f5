"""What the partnership board shows, as plain typed data for a page to lay out: the latest
closed round's summary (a row per category, the chart and its text alternative, the group's
priorities and where to focus), the trend, the current actions and when the next round opens.

It is built from bot/summary/overview.py, so it holds only what the channel summary shows:
each category's numbers are those its summary carries (bot/summary/disclosure.py decided),
the priorities only when the summary shows them, and never a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.actions.ledger import describe
from bot.conversation.cards import format_moment
from bot.model import ActionStatus, Community, Round, Rubric
from bot.ports import Repository
from bot.summary import report
from bot.summary.charts import SummaryChart, TrendChart
from bot.summary.focus import focus
from bot.summary.numbers import CategorySummary, RoundSummary
from bot.summary.overview import Overview, overview
from bot.summary.perspectives_report import PerspectivesWords, perspectives_words

NO_RUBRIC = Rubric("", "", "", "", ())


@dataclass(frozen=True)
class CategoryRow:
    """One category as the summary shows it: empty texts and None where it shows nothing."""

    title: str  # "1. Vision"
    shown: bool  # False: "not enough answers", nothing else
    median: str = ""
    consensus: str = ""  # "agreed" or "split"
    change: str = ""  # "+1", "-0.5", "no change"; "" when there is nothing to compare
    counts: tuple[int, ...] | None = None  # levels 1..5, only where the summary shows counts
    scored: int | None = None
    not_sure: int | None = None


@dataclass(frozen=True)
class LatestRound:
    """The latest closed round's summary, laid out."""

    heading: str  # 'Round 2 “Spring 2027”'
    dates: str  # "closed Mon 1 Mar 2027"
    enough: bool  # False: too few completed for a summary; `notes` says so
    notes: tuple[str, ...]  # turnout, and what the anonymity threshold left out
    previous: int | None  # the round the changes compare with
    rows: tuple[CategoryRow, ...]
    chart: SummaryChart | None  # None when there is no summary to draw
    chart_alt: str
    priorities: str  # the summary's sentence on the group's priorities ("": not asked)
    votes: tuple[tuple[str, int], ...]  # (category, people who picked it), most first
    focus: tuple[str, ...]  # where to focus next, one sentence each
    perspectives: PerspectivesWords | None = None  # None: the round had no groups


@dataclass(frozen=True)
class TrendTable:
    """Each category's median round by round: the trend chart in words."""

    rounds: tuple[str, ...]  # "Round 1 (Mar 2027)"
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (category, median per round)


@dataclass(frozen=True)
class BoardView:
    """The whole board."""

    community: str
    latest: LatestRound | None  # None until a round has closed
    trend: TrendChart | None  # None until two rounds were summarised
    trend_table: TrendTable | None
    open_actions: tuple[str, ...]
    done_actions: tuple[str, ...]  # done in the last 90 days
    next_round: str  # when the next round opens, in words
    timezone: str  # where the community is: the times above are in it


def change_cell(numbers: CategorySummary) -> str:
    if numbers.change is None:
        return ""
    if numbers.change == 0:
        return "no change"
    sign = "+" if numbers.change > 0 else "-"
    return f"{sign}{report.format_number(abs(numbers.change))}"


def category_row(numbers: CategorySummary) -> CategoryRow:
    title = f"{numbers.category.number}. {numbers.category.title}"
    if numbers.hidden:
        return CategoryRow(title, shown=False)
    return CategoryRow(
        title,
        shown=True,
        median=report.format_number(numbers.median),
        consensus=numbers.consensus or "",
        change=change_cell(numbers),
        counts=numbers.distribution,
        scored=numbers.scored,
        not_sure=numbers.not_sure,
    )


def latest_round(seen: Overview) -> LatestRound | None:
    summary: RoundSummary | None = seen.latest
    if summary is None:
        return None
    round_ = summary.round
    heading = f"Round {round_.number} “{round_.title}”"
    if not summary.enough:
        return LatestRound(
            heading,
            report.dates(summary),
            False,
            (report.not_enough_text(summary),),
            None,
            (),
            None,
            "",
            "",
            (),
            (),
        )
    titles = {c.category.id: c.category.title for c in summary.categories}
    votes = summary.priorities.ranked() if summary.priorities is not None else []
    return LatestRound(
        heading,
        report.dates(summary),
        True,
        (report.turnout(summary), *report.threshold_notes(summary)),
        summary.previous.number if summary.previous is not None else None,
        tuple(category_row(c) for c in summary.categories),
        seen.chart,
        seen.chart_alt,
        report.priorities_line(summary),
        tuple((titles[cid], n) for cid, n in votes),
        tuple(report.focus_line(item).removeprefix("• ") for item in focus(summary)),
        None
        if summary.perspectives is None
        else perspectives_words(summary.perspectives, round_.min_responses),
    )


def trend_table(trend: TrendChart | None) -> TrendTable | None:
    if trend is None:
        return None
    rounds = []
    for label in trend.round_labels:  # "R1\nMar 2027"
        number, _, month = label.partition("\n")
        rounds.append(f"Round {number.removeprefix('R')}" + (f" ({month})" if month else ""))
    rows = tuple(
        (title, tuple(report.format_number(m) for m in medians)) for title, medians in trend.series
    )
    return TrendTable(tuple(rounds), rows)


def next_round(seen: Overview) -> str:
    zone = seen.timezone
    if seen.open_round is not None:
        round_ = seen.open_round
        return (
            f"Round {round_.number} “{round_.title}” is open now, until "
            f"{format_moment(round_.closes_at, zone)}."
        )
    if seen.next_opening is not None:
        return f"The next round opens on {format_moment(seen.next_opening, zone)}."
    return "No next round is scheduled yet: the leads open one when the partnership is ready."


def _rubric(seen: Overview) -> Rubric:
    """The rubric the actions' categories are named from: the newest round's."""
    newest: Round | None = seen.open_round or (seen.latest.round if seen.latest else None)
    return newest.rubric if newest is not None else NO_RUBRIC


def board_view_of(seen: Overview, now: datetime) -> BoardView:
    """The board, from the community at a glance."""
    rubric, zone = _rubric(seen), seen.timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    lines = {
        status: tuple(describe(a, rubric, zone, today) for a in seen.actions if a.status is status)
        for status in (ActionStatus.OPEN, ActionStatus.DONE)
    }
    return BoardView(
        seen.community.name,
        latest_round(seen),
        seen.trend,
        trend_table(seen.trend),
        lines[ActionStatus.OPEN],
        lines[ActionStatus.DONE],
        next_round(seen),
        zone,
    )


async def board_view(repo: Repository, community: Community, now: datetime) -> BoardView:
    """The community's board, read now."""
    return board_view_of(await overview(repo, community, now), now)
