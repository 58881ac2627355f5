"""Round summaries: what the group thinks, where it disagrees, how it changed, what to do next.

Numbers only (bot/summary/report.py words them). A category's summary carries only what
bot/summary/disclosure.py allows for its number of scored answers: nothing below the round's
min_responses, the median and agreed/split below the counts floor, everything above. Nothing
is summed across categories, so no figure shown anywhere can be subtracted to recover a hidden
one.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.model import LEVELS, Answer, Category, Participation, Round
from bot.ports import Repository
from bot.summary.disclosure import Detail, comments_allowed, detail_for
from bot.summary.perspectives import RoundPerspectives, perspectives_of
from bot.summary.priorities import PriorityVotes, priority_votes

AGREED_SHARE = 0.75  # "most answers within one level of each other": three in four
AGREED, SPLIT = "agreed", "split"


@dataclass(frozen=True)
class CategorySummary:
    """One category's numbers, only those its Detail allows (the rest are None)."""

    category: Category
    detail: Detail
    median: float | None = None  # MEDIAN and COUNTS
    consensus: str | None = None  # AGREED or SPLIT; MEDIAN and COUNTS
    change: float | None = None  # median minus the previous closed round's median
    scored: int | None = None  # COUNTS only, like everything below
    not_sure: int | None = None
    distribution: tuple[int, ...] | None = None  # counts for levels 1..5
    mean: float | None = None
    spread: float | None = None  # population standard deviation of the levels

    @property
    def hidden(self) -> bool:
        """Nothing at all is shown: "not enough answers"."""
        return self.detail is Detail.NOTHING

    @property
    def lowest(self) -> int | None:
        used = self._levels_used()
        return used[0] if used else None

    @property
    def highest(self) -> int | None:
        used = self._levels_used()
        return used[-1] if used else None

    def _levels_used(self) -> list[int]:
        if self.distribution is None:
            return []
        return [lv for lv, n in zip(LEVELS, self.distribution, strict=True) if n]


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    invited: int
    completed: int
    categories: tuple[CategorySummary, ...]
    previous: Round | None = None  # the closed round the changes compare with
    priorities: PriorityVotes | None = None  # None: the round did not ask for priorities
    perspectives: RoundPerspectives | None = None  # None: no groups (or not closed)

    @property
    def enough(self) -> bool:
        """Whether enough people completed the round for it to be summarised at all."""
        return self.completed >= self.round.min_responses

    @property
    def needed(self) -> int:
        return max(0, self.round.min_responses - self.completed)

    @property
    def response_rate(self) -> float:
        return self.completed / self.invited if self.invited else 0.0

    def medians(self) -> dict[str, float | None]:
        return {c.category.id: c.median for c in self.categories}


def consensus(distribution: Sequence[int]) -> str:
    """AGREED when most answers lie within one level of each other, else SPLIT (they then
    span three levels or more)."""
    total = sum(distribution)
    best_pair = max(distribution[i] + distribution[i + 1] for i in range(len(distribution) - 1))
    return AGREED if best_pair >= AGREED_SHARE * total else SPLIT


@dataclass(frozen=True)
class Tallies:
    """A round's answers with nobody's name on them: per category the levels given and how
    many were not sure. Kept with a closed round, it is the summary "as posted"."""

    invited: int
    completed: int
    levels: dict[str, tuple[int, ...]]
    not_sure: dict[str, int]
    voters: int = 0  # people who picked priorities
    priorities: dict[str, int] = field(default_factory=dict)  # category id -> people who picked it

    def to_dict(self) -> dict[str, Any]:
        return {
            "invited": self.invited,
            "completed": self.completed,
            "levels": {k: list(v) for k, v in self.levels.items()},
            "not_sure": dict(self.not_sure),
            "voters": self.voters,
            "priorities": dict(self.priorities),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tallies:
        """Tallies kept before priorities existed have none."""
        return cls(
            int(data["invited"]),
            int(data["completed"]),
            {k: tuple(int(x) for x in v) for k, v in data["levels"].items()},
            {k: int(v) for k, v in data["not_sure"].items()},
            int(data.get("voters", 0)),
            {k: int(v) for k, v in data.get("priorities", {}).items()},
        )


def tally(answers: Sequence[Answer], participations: Sequence[Participation]) -> Tallies:
    levels: dict[str, list[int]] = {}
    not_sure: dict[str, int] = {}
    for answer in answers:
        if answer.level is None:
            not_sure[answer.category_id] = not_sure.get(answer.category_id, 0) + 1
        else:
            levels.setdefault(answer.category_id, []).append(answer.level)
    completed = sum(1 for p in participations if p.completed_at is not None)
    voters = [p for p in participations if p.completed_at is not None and p.priorities]
    priorities = Counter(category_id for p in voters for category_id in p.priorities)
    return Tallies(
        len(participations),
        completed,
        {k: tuple(sorted(v)) for k, v in levels.items()},
        not_sure,
        len(voters),
        dict(priorities),
    )


def summarise_category(
    category: Category,
    levels: Sequence[int],
    not_sure: int,
    min_responses: float,
    previous_median: float | None,
) -> CategorySummary:
    detail = detail_for(len(levels), min_responses)
    if detail is Detail.NOTHING:
        return CategorySummary(category, detail)
    median = float(statistics.median(levels))
    distribution = tuple(levels.count(level) for level in LEVELS)
    shown = CategorySummary(
        category,
        detail,
        median=median,
        consensus=consensus(distribution),
        change=None if previous_median is None else median - previous_median,
    )
    if detail is Detail.MEDIAN:
        return shown
    return replace(
        shown,
        scored=len(levels),
        not_sure=not_sure,
        distribution=distribution,
        mean=statistics.fmean(levels),
        spread=statistics.pstdev(levels),
    )


def summarise(
    round_: Round,
    answers: Sequence[Answer],
    participations: Sequence[Participation],
    previous: RoundSummary | None = None,
) -> RoundSummary:
    """The round's summary; changes are against `previous` (a closed round) when given."""
    return summarise_tallies(round_, tally(answers, participations), previous)


def summarise_tallies(
    round_: Round, tallies: Tallies, previous: RoundSummary | None = None
) -> RoundSummary:
    before = previous.medians() if previous is not None and previous.enough else {}
    # Too few completed: every category is hidden, whatever partial answers add up to.
    enough = tallies.completed >= round_.min_responses
    floor = round_.min_responses if enough else math.inf
    categories = tuple(
        summarise_category(
            category,
            tallies.levels.get(category.id, ()),
            tallies.not_sure.get(category.id, 0),
            floor,
            before.get(category.id),
        )
        for category in round_.rubric.categories
    )
    return RoundSummary(
        round_,
        tallies.invited,
        tallies.completed,
        categories,
        previous.round if previous is not None else None,
        priority_votes(round_, tallies.voters, tallies.priorities, enough),
    )


async def round_tallies(repo: Repository, round_: Round) -> Tallies:
    """The kept tallies of a closed round, or a count of its answers now."""
    if round_.tallies is not None:
        return Tallies.from_dict(round_.tallies)
    return tally(await repo.answers(round_.id), await repo.participations(round_.id))


async def round_summary(repo: Repository, round_: Round) -> RoundSummary:
    """Summarise a round, compared with the community's closed round before it."""
    earlier = [r for r in await repo.closed_rounds(round_.community_id) if r.number < round_.number]
    previous = None
    if earlier:
        previous = summarise_tallies(earlier[-1], await round_tallies(repo, earlier[-1]))
    summary = summarise_tallies(round_, await round_tallies(repo, round_), previous)
    return replace(summary, perspectives=await perspectives_of(repo, round_))


async def closed_round_summaries(repo: Repository, community_id: int) -> list[RoundSummary]:
    """Every closed round of the community, oldest first, each compared with the one before."""
    summaries: list[RoundSummary] = []
    for round_ in await repo.closed_rounds(community_id):
        previous = summaries[-1] if summaries else None
        summaries.append(summarise_tallies(round_, await round_tallies(repo, round_), previous))
    return summaries


async def history_to(repo: Repository, round_: Round) -> list[RoundSummary]:
    """The closed rounds' summaries up to this round (not beyond it), oldest first; none for a
    round still open."""
    if round_.closed_at is None:
        return []
    return [
        s
        for s in await closed_round_summaries(repo, round_.community_id)
        if s.round.number <= round_.number
    ]


def comments_shareable(round_: Round, answers: Sequence[Answer]) -> bool:
    """Comments go to leads only when there are enough of them not to single anyone out."""
    return comments_allowed(sum(1 for a in answers if a.comment), round_.min_responses)
