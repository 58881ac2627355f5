"""The summary as messages: text with the summary chart, and the trend chart once a community
has two or more closed rounds. Shared by the outbox (closing, /round summary) and the CLI
report. Charts are drawn off the event loop: drawing takes a while."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.messages import Address, Outgoing, Purpose
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


async def _summary(
    repo: Repository, round_: Round, heading: str
) -> tuple[str, bytes | None, RoundSummary]:
    summary = await round_summary(repo, round_)
    text = report.summary_text(summary)
    if heading:
        text = f"{heading}\n\n{text}"
    png = None
    if summary.enough:
        png = await asyncio.to_thread(charts.render_summary_png, charts.summary_chart(summary))
        text = f"{text}\n\n{report.summary_chart_alt(summary)}"
    return text, png, summary


async def _trend(repo: Repository, round_: Round) -> tuple[str, bytes | None]:
    if round_.closed_at is None:
        return "", None
    history = [  # the trend up to this round, not beyond it
        s
        for s in await closed_round_summaries(repo, round_.community_id)
        if s.round.number <= round_.number
    ]
    trend = charts.trend_chart(history)
    if trend is None:
        return "", None
    return report.trend_text(history), await asyncio.to_thread(charts.render_trend_png, trend)


async def publish(repo: Repository, round_: Round, heading: str = "") -> Published:
    """Summarise the round and draw its charts."""
    text, summary_png, summary = await _summary(repo, round_, heading)
    trend_text, trend_png = await _trend(repo, round_)
    return Published(text, summary_png, trend_text, trend_png, summary)


async def summary_message(
    repo: Repository, round_: Round, to: Address, heading: str = ""
) -> Outgoing:
    """The summary in words with its chart (when there are enough answers for one)."""
    text, png, _summary_numbers = await _summary(repo, round_, heading)
    name = f"round-{round_.number}-summary.png" if png else None
    return Outgoing(
        to, text, image=png, image_name=name, purpose=Purpose.SUMMARY, round_id=round_.id
    )


async def trend_message(repo: Repository, round_: Round, to: Address) -> Outgoing | None:
    """The trend chart up to a closed round, once there are two closed rounds to compare."""
    text, png = await _trend(repo, round_)
    if png is None:
        return None
    name = f"trend-to-round-{round_.number}.png"
    return Outgoing(
        to, text, image=png, image_name=name, purpose=Purpose.SUMMARY, round_id=round_.id
    )
