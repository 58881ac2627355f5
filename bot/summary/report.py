"""The summary in words: what a lead posts to the group and reads out at the next meeting.

Short lines that read on a phone; honest about small numbers; no names, no comments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.actions.ledger import brief
from bot.conversation.cards import format_day
from bot.model import LEVELS, AgreedAction
from bot.summary.disclosure import Detail, people_floor
from bot.summary.focus import Focus, Reason, focus
from bot.summary.numbers import CategorySummary, RoundSummary
from bot.summary.perspectives_report import differences_lines


def format_number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def change_words(numbers: CategorySummary, previous_number: int | None) -> str:
    """' (+1 since round 2)': the median's change, or nothing when there is none to tell."""
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
        f"{change_words(numbers, previous_number)} · {numbers.consensus}"
    )
    if numbers.distribution is None:  # too few answers for counts (Detail.MEDIAN)
        return line
    counts = " ".join(f"{lv}:{n}" for lv, n in zip(LEVELS, numbers.distribution, strict=True))
    return f"{line} · {numbers.scored} scored, {numbers.not_sure} not sure · levels {counts}"


def reason_words(item: Focus, reason: Reason) -> str:
    """Why a category is worth working on, in words that say which of the three it is."""
    numbers = item.summary
    if reason is Reason.LOWEST:
        return f"it scores lowest (median {format_number(numbers.median)})"
    if reason is Reason.NEXT_LOWEST:
        return f"it scores next lowest (median {format_number(numbers.median)})"
    # Which levels the answers span only where counts may be shown (bot/summary/disclosure.py).
    spread = f" (answers from {numbers.lowest} to {numbers.highest})" if numbers.lowest else ""
    if reason is Reason.MOST_SPLIT:
        return f"the group is most split on it{spread}"
    if reason is Reason.SPLIT:
        return f"the group is split on it{spread}"
    return f"the group chose it as a priority ({item.votes} of {item.voters} who picked)"


def focus_line(item: Focus) -> str:
    title = item.summary.category.title
    reasons = [reason_words(item, reason) for reason in item.reasons]
    why = reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]
    head = f"• {title}: {why}."
    if item.next_level is None or item.next_descriptor is None:
        return head + " It is already at the top level."
    # The whole descriptor: what the next level looks like is the point of this line.
    return f"{head} To reach level {item.next_level} in {title}: {item.next_descriptor}"


def priorities_line(summary: RoundSummary) -> str:
    """The group's own choice of what to work on first, as votes per category."""
    votes = summary.priorities
    if votes is None:
        return ""
    if votes.hidden:
        floor = format_number(people_floor(summary.round.min_responses))
        return (
            f"The group's priorities: fewer than {floor} people picked any, so they are not shown."
        )
    titles = {c.category.id: c.category.title for c in summary.categories}
    ranked = " · ".join(f"{titles[cid]} {n}" for cid, n in votes.ranked())
    return (
        f"The group's priorities ({votes.voters} people picked up to two areas to work on "
        f"first): {ranked}"
    )


def action_lines(actions: Sequence[AgreedAction], previous_number: int | None) -> list[str]:
    """The actions agreed about a category since the round before, under its line."""
    since = f" since round {previous_number}" if previous_number is not None else ""
    return [f"   ↳ {brief(action)}{since}" for action in actions]


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


def turnout(summary: RoundSummary) -> str:
    return (
        f"{summary.completed} of {summary.invited} invited completed ({summary.response_rate:.0%})."
    )


def threshold_notes(summary: RoundSummary) -> list[str]:
    """What the anonymity threshold left out of this summary, in words."""
    round_ = summary.round
    notes = []
    if any(c.hidden for c in summary.categories):
        notes.append(
            f"Categories with fewer than {round_.min_responses} scored answers are not shown."
        )
    if any(c.detail is Detail.MEDIAN for c in summary.categories):
        notes.append(
            f"Categories with fewer than {format_number(people_floor(round_.min_responses))} "
            "scored answers show only their median and whether people agreed."
        )
    return notes


def summary_text(
    summary: RoundSummary, actions: Mapping[str, Sequence[AgreedAction]] | None = None
) -> str:
    """The whole text summary (or why there is none yet); actions (by category id) agreed
    since the round before appear beside each category's change."""
    if not summary.enough:
        return not_enough_text(summary)
    round_ = summary.round
    previous = summary.previous.number if summary.previous is not None else None
    lines = [
        f"Round {round_.number} “{round_.title}” ({dates(summary)})",
        turnout(summary),
        *threshold_notes(summary),
        "",
    ]
    for numbers in summary.categories:
        lines.append(category_line(numbers, previous))
        lines += action_lines((actions or {}).get(numbers.category.id, ()), previous)
    if priorities := priorities_line(summary):
        lines += ["", priorities]
    picks = focus(summary)
    if picks:
        lines += ["", "Where to focus next:", *(focus_line(item) for item in picks)]
    if summary.perspectives is not None:
        lines += ["", *differences_lines(summary.perspectives, round_.min_responses)]
    return "\n".join(lines)


SUMMARY_CHART_ALT = (
    "Chart: one bar per category, in the order above, showing how many chose each level "
    "(1 on the left to 5 on the right), with the median marked and n at the end of each bar."
)
MEDIAN_ONLY_ALT = (
    "Chart: one row per category, in the order above, marking its median on a scale from 1 on "
    "the left to 5 on the right, with agreed or split beside it. Too few people scored to show "
    "how many chose each level."
)
SOME_MEDIAN_ONLY_ALT = (
    "A category with too few answers for counts shows only its median, marked on the 1 to 5 "
    "scale, and agreed or split."
)
NOTHING_ALT = "Chart: one row per category; too few people answered to show anything yet."


def summary_chart_alt(summary: RoundSummary) -> str:
    """The summary chart's text alternative: it describes what the chart draws."""
    details = {c.detail for c in summary.categories if c.median is not None}
    if Detail.COUNTS in details:
        if Detail.MEDIAN in details:
            return f"{SUMMARY_CHART_ALT} {SOME_MEDIAN_ONLY_ALT}"
        return SUMMARY_CHART_ALT
    if Detail.MEDIAN in details:
        return MEDIAN_ONLY_ALT
    return NOTHING_ALT


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
