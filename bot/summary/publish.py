"""The summary as messages: text with the summary chart, and the trend chart once a community
has two or more closed rounds. Shared by the outbox (closing, /round summary) and the CLI
report. Charts are drawn off the event loop: drawing takes a while."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.actions.ledger import actions_leading_to, by_category
from bot.messages import PDF, PNG, Address, Attachment, Outgoing, Purpose
from bot.model import Round
from bot.ports import Repository
from bot.summary import charts, report
from bot.summary.debrief import debrief_pack
from bot.summary.debrief_pdf import render_debrief_pdf
from bot.summary.numbers import RoundSummary, history_to, round_summary
from bot.summary.perspectives_chart import perspectives_chart, render_perspectives_png
from bot.summary.perspectives_report import perspectives_alt


@dataclass(frozen=True)
class Published:
    """What a summary consists of, before it is addressed to anyone."""

    text: str
    summary_png: bytes | None
    trend_text: str
    trend_png: bytes | None
    summary: RoundSummary
    perspectives_text: str = ""  # the perspectives chart's text alternative
    perspectives_png: bytes | None = None  # None: no groups, or nothing may be shown by group


async def summary_in_words(repo: Repository, round_: Round) -> tuple[RoundSummary, str]:
    """The round's summary and its text, with the actions agreed since the round before
    beside each category's change."""
    summary = await round_summary(repo, round_)
    actions = by_category(await actions_leading_to(repo, round_))
    return summary, report.summary_text(summary, actions)


async def _summary(
    repo: Repository, round_: Round, heading: str
) -> tuple[str, bytes | None, RoundSummary]:
    summary, text = await summary_in_words(repo, round_)
    if heading:
        text = f"{heading}\n\n{text}"
    png = None
    if summary.enough:
        png = await asyncio.to_thread(charts.render_summary_png, charts.summary_chart(summary))
        text = f"{text}\n\n{report.summary_chart_alt(summary)}"
    return text, png, summary


async def _trend(repo: Repository, round_: Round) -> tuple[str, bytes | None]:
    history = await history_to(repo, round_)
    trend = charts.trend_chart(history)
    if trend is None:
        return "", None
    return report.trend_text(history), await asyncio.to_thread(charts.render_trend_png, trend)


async def publish(repo: Repository, round_: Round, heading: str = "") -> Published:
    """Summarise the round and draw its charts."""
    text, summary_png, summary = await _summary(repo, round_, heading)
    trend_text, trend_png = await _trend(repo, round_)
    perspectives_text, perspectives_png = await perspectives_drawn(summary)
    return Published(
        text, summary_png, trend_text, trend_png, summary, perspectives_text, perspectives_png
    )


async def perspectives_drawn(summary: RoundSummary) -> tuple[str, bytes | None]:
    """The perspectives chart and its text alternative, when anything may be shown by group."""
    if summary.perspectives is None or not summary.enough:
        return "", None
    chart = perspectives_chart(charts.summary_chart(summary).title, summary.perspectives)
    if chart is None:
        return "", None
    png = await asyncio.to_thread(render_perspectives_png, chart)
    return perspectives_alt(summary.perspectives), png


async def summary_message(
    repo: Repository, round_: Round, to: Address, heading: str = ""
) -> Outgoing:
    """The summary in words with its chart (when there are enough answers for one)."""
    text, png, _summary_numbers = await _summary(repo, round_, heading)
    chart = Attachment(png, f"round-{round_.number}-summary.png", PNG) if png else None
    return Outgoing(to, text, attachment=chart, purpose=Purpose.SUMMARY, round_id=round_.id)


async def trend_message(repo: Repository, round_: Round, to: Address) -> Outgoing | None:
    """The trend chart up to a closed round, once there are two closed rounds to compare."""
    text, png = await _trend(repo, round_)
    if png is None:
        return None
    chart = Attachment(png, f"trend-to-round-{round_.number}.png", PNG)
    return Outgoing(to, text, attachment=chart, purpose=Purpose.SUMMARY, round_id=round_.id)


async def debrief_message(repo: Repository, round_: Round, to: Address) -> Outgoing | None:
    """The debrief pack (a PDF) for a lead; None when too few completed the round for there
    to be anything to discuss."""
    pack = await debrief_pack(repo, round_)
    if not pack.summary.enough:
        return None
    pdf = await asyncio.to_thread(render_debrief_pdf, pack)
    comments = (
        " It quotes people's comments, unattributed: keep it among the leads."
        if pack.has_comments
        else ""
    )
    text = (
        f"The debrief pack for round {round_.number} “{round_.title}” of {pack.community}: "
        "the summary and the trend, then a page per category with where the group stands, "
        "the next level up, the priorities, the actions and questions for your workshop."
        f"{comments}"
    )
    pack_file = Attachment(pdf, pack.file_name, PDF)
    return Outgoing(to, text, attachment=pack_file, purpose=Purpose.DEBRIEF, round_id=round_.id)
