"""The summary in words: what a lead posts to the group and reads out at the next meeting.

Short lines that read on a phone; honest about small numbers; no names, no comments.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.conversation.cards import format_day
from bot.model import LEVELS
from bot.summary.disclosure import Detail, counts_floor
from bot.summary.numbers import CategorySummary, Focus, RoundSummary, focus


def format_number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _change(numbers: CategorySummary, previous_number: int | None) -> str:
    if numbers.change is None or previous_number is None:
        return ""
    if numbers.change == 0:
        return f" (same as round {previous_number})"
    sign = "+" if numbers.change > 0 else "-"
    return f" ({sign}{format_number(abs(numbers.change))} since round {previous_number})"


def category_line(numbers: CategorySummary, previous_number: int | None) -> str:
    head = f"{numbers.category.number}. {numbers.category.title}"
    if numbers.hidden:
        return f"{head}: not enough answers"
    line = (
        f"{head}: median {format_number(numbers.median)}"
        f"{_change(numbers, previous_number)} · {numbers.consensus}"
    )
    if numbers.distribution is None:  # too few answers for counts (Detail.MEDIAN)
        return line
    counts = " ".join(f"{lv}:{n}" for lv, n in zip(LEVELS, numbers.distribution, strict=True))
    return f"{line} · {numbers.scored} scored, {numbers.not_sure} not sure · levels {counts}"


def focus_line(item: Focus) -> str:
    numbers = item.summary
    title = numbers.category.title
    if item.why == "lowest":
        head = f"• {title} scores lowest (median {format_number(numbers.median)})."
    else:
        span = f" (answers from {numbers.lowest} to {numbers.highest})" if numbers.lowest else ""
        head = f"• {title} is the most split{span}."
    if item.next_level is None or item.next_descriptor is None:
        return head + " It is already at the top level."
    # The whole descriptor: what the next level looks like is the point of this line.
    return f"{head} To reach level {item.next_level} in {title}: {item.next_descriptor}"


def dates(summary: RoundSummary) -> str:
    round_ = summary.round
    if round_.closed_at is not None:
        return f"closed {format_day(round_.ended_at(), round_.timezone)}"
    return f"open until {format_day(round_.closes_at, round_.timezone)}"


def not_enough_text(summary: RoundSummary) -> str:
    round_ = summary.round
    return (
        f"Round {round_.number} “{round_.title}” ({dates(summary)}): {summary.completed} of "
        f"{summary.invited} invited have completed. A summary needs at least "
        f"{round_.min_responses} completed to keep answers anonymous, so {summary.needed} more."
    )


def summary_text(summary: RoundSummary) -> str:
    """The whole text summary (or why there is none yet)."""
    if not summary.enough:
        return not_enough_text(summary)
    round_ = summary.round
    previous = summary.previous.number if summary.previous is not None else None
    lines = [
        f"Round {round_.number} “{round_.title}” ({dates(summary)})",
        f"{summary.completed} of {summary.invited} invited completed "
        f"({summary.response_rate:.0%}).",
    ]
    if any(c.hidden for c in summary.categories):
        lines.append(
            f"Categories with fewer than {round_.min_responses} scored answers are not shown."
        )
    if any(c.detail is Detail.MEDIAN for c in summary.categories):
        lines.append(
            f"Categories with fewer than {format_number(counts_floor(round_.min_responses))} "
            "scored answers show only their median and whether people agreed."
        )
    lines.append("")
    lines += [category_line(c, previous) for c in summary.categories]
    picks = focus(summary)
    if picks:
        lines += ["", "Where to focus next:", *(focus_line(item) for item in picks)]
    return "\n".join(lines)


SUMMARY_CHART_ALT = (
    "Chart: one bar per category, in the order above, showing how many chose each level "
    "(1 on the left to 5 on the right), with the median marked and n at the end of each bar."
)
MEDIAN_ONLY_ALT = (
    "A category with too few answers for counts shows only its median and agreed or split."
)


def summary_chart_alt(summary: RoundSummary) -> str:
    """The summary chart's text alternative."""
    if any(c.detail is Detail.MEDIAN for c in summary.categories):
        return f"{SUMMARY_CHART_ALT} {MEDIAN_ONLY_ALT}"
    return SUMMARY_CHART_ALT


def trend_text(summaries: Sequence[RoundSummary]) -> str:
    """The trend chart's text alternative: each category's median, round by round."""
    shown = [s for s in summaries if s.enough]
    if len(shown) < 2:
        return ""
    rounds = ", ".join(f"round {s.round.number}" for s in shown)
    lines = [f"Medians over time ({rounds}):"]
    for category in shown[-1].round.rubric.categories:
        medians = [s.medians().get(category.id) for s in shown]
        lines.append(f"{category.title}: " + " → ".join(format_number(m) for m in medians))
    return "\n".join(lines)
