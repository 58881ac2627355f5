"""The text summary of a round: per category, answers, "not sure", distribution and median."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bot.cards import format_moment
from bot.model import LEVELS, Answer, Category, Participation, Round


@dataclass(frozen=True)
class CategoryNumbers:
    category: Category
    answers: int
    not_sure: int
    distribution: dict[int, int]
    median: float | None


def category_numbers(round_: Round, answers: Sequence[Answer]) -> list[CategoryNumbers]:
    """Counts per category, in rubric order."""
    result = []
    for category in round_.rubric.categories:
        mine = [a for a in answers if a.category_id == category.id]
        levels = [a.level for a in mine if a.level is not None]
        distribution = {level: levels.count(level) for level in LEVELS}
        median = float(statistics.median(levels)) if levels else None
        result.append(
            CategoryNumbers(category, len(mine), len(mine) - len(levels), distribution, median)
        )
    return result


def format_median(median: float | None) -> str:
    if median is None:
        return "—"
    return str(int(median)) if median.is_integer() else f"{median:.1f}"


def summary_text(
    round_: Round, answers: Sequence[Answer], participations: Sequence[Participation]
) -> str:
    """What a lead shares with the group; no names, no comments."""
    completed = sum(1 for p in participations if p.completed_at is not None)
    state = (
        f"closed {format_moment(round_.ended_at())}"
        if round_.closed_at is not None
        else f"open until {format_moment(round_.closes_at)}"
    )
    lines = [
        f"Summary of round {round_.number}: {round_.title} ({state})",
        f"{completed} of {len(participations)} invited completed.",
        "",
    ]
    for numbers in category_numbers(round_, answers):
        spread = " ".join(f"{lv}:{numbers.distribution[lv]}" for lv in LEVELS)
        lines.append(
            f"{numbers.category.number}. {numbers.category.title} — median "
            f"{format_median(numbers.median)} · {numbers.answers} answers, "
            f"{numbers.not_sure} not sure · levels {spread}"
        )
    return "\n".join(lines)
