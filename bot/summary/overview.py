"""A community at a glance, for a read-only page such as the partnership board: the latest
closed round's summary (with the group's priorities), the trend, the current actions and when
the next round opens. Only what the channel summary already shows: never a comment, never a
number under the anonymity threshold (the summary hides those itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.actions.ledger import current
from bot.model import AgreedAction, Community, Round
from bot.ports import Repository
from bot.summary import charts, report
from bot.summary.numbers import RoundSummary, history_to
from bot.summary.publish import summary_in_words


@dataclass(frozen=True)
class Overview:
    community: Community
    latest: RoundSummary | None  # the latest closed round, None before the first closes
    summary_text: str  # its summary in words, actions beside each category's change
    chart: charts.SummaryChart | None  # None when there is no summary to draw
    chart_alt: str  # the chart's text alternative
    trend: charts.TrendChart | None  # None until two rounds were summarised
    trend_text: str
    actions: tuple[AgreedAction, ...]  # open, and done recently
    next_opening: datetime | None  # when the schedule opens the next round, if it has one
    open_round: Round | None = None  # a round open now, if there is one
    timezone: str = "UTC"  # where the community is: its schedule's, else its latest round's


async def overview(repo: Repository, community: Community, now: datetime) -> Overview:
    """Everything a board shows about the community, read now."""
    closed = await repo.closed_rounds(community.id)
    latest, text, chart, alt = None, "", None, ""
    history: list[RoundSummary] = []
    if closed:
        latest, text = await summary_in_words(repo, closed[-1])
        history = await history_to(repo, latest.round)
        if latest.enough:
            chart, alt = charts.summary_chart(latest), report.summary_chart_alt(latest)
    schedule = await repo.schedule(community.id)
    unclosed = await repo.unclosed_round(community.id)
    newest = unclosed or (closed[-1] if closed else None)
    timezone = schedule.cadence.timezone if schedule else newest.timezone if newest else "UTC"
    return Overview(
        community,
        latest,
        text,
        chart,
        alt,
        charts.trend_chart(history),
        report.trend_text(history),
        tuple(current(await repo.actions(community.id), now)),
        schedule.next_open_at if schedule else None,
        unclosed if unclosed is not None and unclosed.is_open(now) else None,
        timezone,
    )
