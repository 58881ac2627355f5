"""The summary as messages: text with the summary chart, and the trend chart once a community
has two or more closed rounds. Shared by /round summary, /round close and the CLI report."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.messages import Address, Outgoing
from bot.model import Round
from bot.ports import Repository
from bot.summary import charts, report
from bot.summary.numbers import RoundSummary, closed_round_summaries, round_summary


@dataclass(frozen=True)
class Published:
    """What a summary consists of, before it is addressed to anyone."""

    text: str
    summary_png: bytes | None
    trend_text: str
    trend_png: bytes | None
    summary: RoundSummary


async def publish(repo: Repository, round_: Round, heading: str = "") -> Published:
    """Summarise the round and draw its charts (off the event loop: drawing takes a while)."""
    summary = await round_summary(repo, round_)
    text = report.summary_text(summary)
    if heading:
        text = f"{heading}\n\n{text}"
    summary_png = None
    if summary.enough:
        chart = charts.summary_chart(summary)
        summary_png = await asyncio.to_thread(charts.render_summary_png, chart)
        text = f"{text}\n\n{report.summary_chart_alt(summary)}"
    trend_text, trend_png = "", None
    if round_.closed_at is not None:
        history = [  # the trend up to this round, not beyond it
            s
            for s in await closed_round_summaries(repo, round_.community_id)
            if s.round.number <= round_.number
        ]
        trend = charts.trend_chart(history)
        if trend is not None:
            trend_text = report.trend_text(history)
            trend_png = await asyncio.to_thread(charts.render_trend_png, trend)
    return Published(text, summary_png, trend_text, trend_png, summary)


def messages(published: Published, to: Address) -> list[Outgoing]:
    """The summary (with its chart) and, when there is one, the trend chart."""
    number = published.summary.round.number
    result = [
        Outgoing(
            to,
            published.text,
            image=published.summary_png,
            image_name=f"round-{number}-summary.png" if published.summary_png else None,
        )
    ]
    if published.trend_png is not None:
        result.append(
            Outgoing(
                to,
                published.trend_text,
                image=published.trend_png,
                image_name=f"trend-to-round-{number}.png",
            )
        )
    return result
