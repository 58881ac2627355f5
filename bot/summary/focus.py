"""Where to focus next: three things weighed together, the lowest medians, the splits, and
what the group itself chose as its priorities; each pick says which of them applies.

Weights (points, most first): the lowest median 2 and the next lowest 1; a split 1, the most
split 1.5; the group's choice up to 3 (3 times the share of those who picked priorities who
picked it, for its top two, when at least a third picked it). Hidden categories are never
picked: their numbers are not shown.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from bot.model import LEVELS
from bot.summary.numbers import SPLIT, CategorySummary, RoundSummary

PICKS = 3
LOWEST_POINTS = (2.0, 1.0)
SPLIT_POINTS, MOST_SPLIT_POINTS = 1.0, 1.5
CHOSEN_POINTS = 3.0  # times the share who picked it
CHOSEN_TOP = 2  # the group's top two (with ties) count as its choice...
CHOSEN_SHARE = 1 / 3  # ...when at least this share of those who picked priorities picked it


class Reason(enum.StrEnum):
    LOWEST = "lowest median"
    NEXT_LOWEST = "next lowest median"
    MOST_SPLIT = "most split"
    SPLIT = "split"
    CHOSEN = "the group's choice"


@dataclass(frozen=True)
class Focus:
    """A category worth working on, why, and the descriptor of the next level up."""

    summary: CategorySummary
    reasons: tuple[Reason, ...]
    votes: int | None  # how many picked it as a priority, when that is shown
    voters: int  # how many picked priorities at all
    next_level: int | None  # None when the median is already at the top
    next_descriptor: str | None


def level_at(numbers: CategorySummary) -> int | None:
    """The level the group's middle answer sits at (the lower one for a half-way median)."""
    return None if numbers.median is None else math.floor(numbers.median)


def next_level(numbers: CategorySummary) -> int | None:
    """The level above the median; None at the top or when the category is hidden."""
    at = level_at(numbers)
    return None if at is None or at + 1 > LEVELS[-1] else at + 1


def _mean_or_median(numbers: CategorySummary) -> float:
    """The mean breaks ties between equal medians where it may be shown; elsewhere the median
    stands for it (bot/summary/disclosure.py)."""
    value = numbers.mean if numbers.mean is not None else numbers.median
    assert value is not None, "only shown categories are ranked"
    return value


def focus(summary: RoundSummary) -> list[Focus]:
    """Up to three categories, the most weighty first."""
    shown = [c for c in summary.categories if not c.hidden and c.median is not None]
    reasons: dict[str, list[Reason]] = {c.category.id: [] for c in shown}
    points: dict[str, float] = dict.fromkeys(reasons, 0.0)
    lowest = sorted(shown, key=lambda c: (c.median, _mean_or_median(c), c.category.number))
    for numbers, reason, worth in zip(
        lowest, (Reason.LOWEST, Reason.NEXT_LOWEST), LOWEST_POINTS, strict=False
    ):
        reasons[numbers.category.id].append(reason)
        points[numbers.category.id] += worth
    split = [c for c in shown if c.consensus == SPLIT]
    if split:
        most = max(split, key=lambda c: (c.spread or 0.0, -c.category.number))
        for numbers in split:
            most_split = numbers is most
            reasons[numbers.category.id].append(Reason.MOST_SPLIT if most_split else Reason.SPLIT)
            points[numbers.category.id] += MOST_SPLIT_POINTS if most_split else SPLIT_POINTS
    votes = summary.priorities
    if votes is not None and not votes.hidden and votes.voters:
        ranked = [(cid, n) for cid, n in votes.ranked() if cid in reasons]
        if ranked:
            bar = ranked[min(CHOSEN_TOP, len(ranked)) - 1][1]  # ties with the second count too
            for category_id, count in ranked:
                if count >= bar and count >= CHOSEN_SHARE * votes.voters:
                    reasons[category_id].append(Reason.CHOSEN)
                    points[category_id] += CHOSEN_POINTS * count / votes.voters
    order = {c.category.id: (c.median, c.category.number) for c in shown}
    picked = sorted(
        (cid for cid in points if points[cid] > 0), key=lambda cid: (-points[cid], order[cid])
    )[:PICKS]
    by_id = {c.category.id: c for c in shown}
    result = []
    for category_id in picked:
        numbers = by_id[category_id]
        level = next_level(numbers)
        result.append(
            Focus(
                numbers,
                tuple(reasons[category_id]),
                votes.of(category_id) if votes is not None else None,
                votes.voters if votes is not None else 0,
                level,
                numbers.category.levels[level] if level is not None else None,
            )
        )
    return result
