"""The debrief pack for the leads' workshop, as plain data: a headline (who answered, the
summary chart, the trend) and a page per category (its distribution and whether the group
agreed, the descriptors at the median and the next level up, the priority votes, the actions,
the comments and discussion prompts). bot/summary/debrief_pdf.py draws it.

It goes to leads only, privately. Its numbers follow bot/summary/disclosure.py like every
other view: a category's distribution (and n, "not sure", the range of answers) only where the
summary may show counts, below that its median and agreed/split, nothing below min_responses;
priority votes only from as many voters, and a prompt cites a category's votes only when as
many picked it. Comments follow the export's rule (only when at least max(min_responses, 5)
different people commented in the round), are never attributed, come in random order, and are
left out for a category too thin to show.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.actions.ledger import actions_around, by_category, counts
from bot.model import AgreedAction, Answer, Round
from bot.ports import Repository
from bot.summary import charts, report
from bot.summary.disclosure import people_floor
from bot.summary.focus import Focus, focus, level_at, next_level
from bot.summary.numbers import (
    SPLIT,
    CategorySummary,
    RoundSummary,
    comments_shareable,
    history_to,
    round_summary,
)
from bot.summary.prompts import discussion_prompts

_shuffle = random.SystemRandom().shuffle  # the order answers came in says nothing here


@dataclass(frozen=True)
class CategoryPage:
    """One category's page."""

    numbers: CategorySummary
    facts: str  # median, change, agreed or split, how many scored
    at_level: int | None  # the level at the median, and its descriptor
    at_descriptor: str | None
    next_level: int | None  # the level above, and its descriptor (None at the top)
    next_descriptor: str | None
    votes: str  # the priority votes in words ("" when the round did not ask)
    actions: tuple[AgreedAction, ...]
    prompts: tuple[str, ...]
    comments: tuple[str, ...]  # unattributed, shuffled
    comments_note: str  # why there are none, when there are none


@dataclass(frozen=True)
class DebriefPack:
    community: str
    summary: RoundSummary
    answered: str  # who answered
    chart: charts.SummaryChart
    trend: charts.TrendChart | None
    trend_note: str  # why there is no trend yet
    priorities: str  # the group's priorities in a line ("" when not asked)
    actions: str  # "Since round 1: 3 agreed, 2 done" ("" when none)
    focus: tuple[str, ...]  # where to focus next, in words
    pages: tuple[CategoryPage, ...]

    @property
    def title(self) -> str:
        round_ = self.summary.round
        return f"Round {round_.number} “{round_.title}”: debrief pack"

    @property
    def file_name(self) -> str:
        return f"round-{self.summary.round.number}-debrief.pdf"

    @property
    def has_comments(self) -> bool:
        return any(page.comments for page in self.pages)


async def debrief_pack(repo: Repository, round_: Round) -> DebriefPack:
    """Everything the pack shows about the round, read now."""
    community = await repo.community_by_id(round_.community_id)
    summary = await round_summary(repo, round_)
    history = await history_to(repo, round_)
    actions = await actions_around(repo, round_)
    answers = await repo.answers(round_.id)
    grouped = by_category(actions)
    shared = _comments(round_, answers)
    previous = summary.previous.number if summary.previous is not None else None
    since = f"Since round {previous}" if previous is not None else "Agreed so far"
    pages = tuple(
        _page(
            summary,
            numbers,
            previous,
            grouped.get(numbers.category.id, []),
            None if shared is None else shared.get(numbers.category.id, []),
        )
        for numbers in summary.categories
    )
    trend = charts.trend_chart(history)
    return DebriefPack(
        community.name if community else "",
        summary,
        await _answered(repo, summary),
        charts.summary_chart(summary),
        trend,
        "" if trend is not None else "The trend appears once two rounds have been summarised.",
        report.priorities_line(summary),
        f"{since}, the partnership's actions: {counts(actions)}." if actions else "",
        tuple(report.focus_line(item) for item in _focus(summary)),
        pages,
    )


def _focus(summary: RoundSummary) -> list[Focus]:
    return focus(summary) if summary.enough else []


async def _answered(repo: Repository, summary: RoundSummary) -> str:
    round_ = summary.round
    head = (
        f"{summary.completed} of {summary.invited} invited completed ({summary.response_rate:.0%})."
    )
    if not summary.enough:
        head = report.not_enough_text(summary)
    if round_.anonymous:
        return f"{head} Answers are anonymous: nothing here names who said what."
    names = []
    for participation in await repo.participations(round_.id):
        person = await repo.person_by_id(participation.person_id)
        if participation.completed_at is not None and person is not None:
            names.append(person.name)
    return f"{head} Completed: {', '.join(sorted(names, key=str.lower))}." if names else head


def _comments(round_: Round, answers: Sequence[Answer]) -> dict[str, list[str]] | None:
    """Comments by category, shuffled; None when the round has too few to share any."""
    if not comments_shareable(round_, answers):
        return None
    grouped: dict[str, list[str]] = {}
    for answer in answers:
        if answer.comment:
            grouped.setdefault(answer.category_id, []).append(answer.comment)
    for texts in grouped.values():
        _shuffle(texts)
    return grouped


def _page(
    summary: RoundSummary,
    numbers: CategorySummary,
    previous: int | None,
    actions: Sequence[AgreedAction],
    comments: list[str] | None,
) -> CategoryPage:
    """comments: the category's comments; None when the round has too few to share any."""
    category = numbers.category
    votes = summary.priorities
    shown_votes = votes.of(category.id) if votes is not None else None
    voters = votes.voters if votes is not None else 0
    at, following = level_at(numbers), next_level(numbers)
    return CategoryPage(
        numbers,
        _facts(summary, numbers, previous),
        at,
        category.levels[at] if at is not None else None,
        following,
        category.levels[following] if following is not None else None,
        _votes_words(summary, shown_votes, voters),
        tuple(actions),
        discussion_prompts(numbers, votes.cited(category.id) if votes else None, voters),
        () if numbers.hidden or comments is None else tuple(comments),
        _comments_note(summary, numbers, comments),
    )


def _facts(summary: RoundSummary, numbers: CategorySummary, previous: int | None) -> str:
    if numbers.hidden:
        return (
            f"Not enough answers to show: fewer than {summary.round.min_responses} scored it, "
            "so its numbers stay hidden."
        )
    median = report.format_number(numbers.median)
    change = report.change_words(numbers, previous)
    # Which levels the answers span only where counts may be shown: it gives away two answers.
    span = f" (answers from {numbers.lowest} to {numbers.highest})" if numbers.lowest else ""
    if numbers.consensus == SPLIT:
        agreement = f"the group is split{span}"
    else:
        agreement = "the group broadly agrees (most answers within one level)"
    if numbers.scored is None:
        floor = report.format_number(people_floor(summary.round.min_responses))
        return (
            f"Median {median}{change} · {agreement} · fewer than {floor} scored it, so how "
            "many chose each level is not shown"
        )
    unsure = f", {numbers.not_sure} not sure" if numbers.not_sure else ""
    return f"Median {median}{change} · {agreement} · {numbers.scored} scored{unsure}"


def _votes_words(summary: RoundSummary, votes: int | None, voters: int) -> str:
    if summary.priorities is None:
        return ""
    if votes is None:
        floor = report.format_number(people_floor(summary.round.min_responses))
        return f"Priority votes are not shown: fewer than {floor} people picked priorities."
    if votes == 0:
        return f"None of the {voters} people who picked priorities chose this one."
    return f"{votes} of the {voters} people who picked priorities chose this one."


def _comments_note(
    summary: RoundSummary, numbers: CategorySummary, comments: list[str] | None
) -> str:
    if numbers.hidden:
        return "Comments on it are left out too, so as not to single anyone out."
    if comments is None:
        floor = report.format_number(people_floor(summary.round.min_responses))
        return (
            f"Comments are left out: fewer than {floor} different people commented, too few "
            "to share without singling anyone out."
        )
    if not comments:
        return "Nobody commented on this category."
    return ""
