"""Perspectives: a category's results by group (council, health, the voluntary sector, people
with lived experience, ...) shown only where no figure, alone or compared with another, can
single anyone out. Every output (summary, chart, debrief, board, lead pages, export) gets its
groups from here and nowhere else.

The rule, for one category of one round, with FLOOR = max(min_responses, 5):

- a group is shown only when it has at least FLOOR scored answers, and everyone outside it,
  taken together, does too;
- the people of groups too small to show (and those who preferred not to say) are merged into
  "Other perspectives", which must pass the same test when it has anyone in it;
- a figure is compared with every earlier round's figure of the same name for the same
  category: the people behind the two must be the same people, or differ by at least FLOOR, so
  that setting two rounds side by side does not isolate whoever joined, left or moved;
- where no arrangement of the groups passes, no group is shown for that category.

Only a median is published per figure: never a count, never a mean. Who is behind each figure
is kept (as person ids) only to check later rounds against it; it is never shown.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from bot.model import PREFER_NOT_TO_SAY, Category, Round, Rubric
from bot.ports import Repository

PERSPECTIVES_FLOOR = 5  # scored answers behind any group's figure, whatever min_responses says
DIFFER_BY = 1.5  # medians this far apart are "where perspectives differ"
OTHER_PERSPECTIVES = "Other perspectives"
MAX_GROUPS = 8  # a lead's list, "Prefer not to say" included: few enough to pick on a phone
GROUP_NAME_CHARS = 60
WORKSHOP_PROMPT = "What would help us see this the same way?"


def perspectives_floor(min_responses: int) -> int:
    """People behind any figure by group (and behind everyone else)."""
    return max(min_responses, PERSPECTIVES_FLOOR)


def with_prefer_not_to_say(groups: Sequence[str]) -> tuple[str, ...]:
    """A lead's list of groups, in their order, with "Prefer not to say" always last."""
    named = tuple(g for g in groups if g.casefold() != PREFER_NOT_TO_SAY.casefold())
    return (*named, PREFER_NOT_TO_SAY)


@dataclass(frozen=True)
class Scored:
    """One scored answer to a category: whose (a person id, only for checking), in which group
    (None: they never said), at which level."""

    person: int
    group: str | None
    level: int


@dataclass(frozen=True)
class Figure:
    """One published figure: a group's (or "Other perspectives'") median for a category."""

    label: str
    median: float
    people: frozenset[int] = field(repr=False)  # checked against later rounds; never shown


@dataclass(frozen=True)
class CategoryPerspectives:
    """What may be shown of one category by group: the figures (named groups in the community's
    order, then "Other perspectives"), or none."""

    category: Category
    figures: tuple[Figure, ...]

    @property
    def shown(self) -> bool:
        return bool(self.figures)


@dataclass(frozen=True)
class Difference:
    """A category where the shown groups' medians lie at least DIFFER_BY apart."""

    category: Category
    low: Figure
    high: Figure

    def sentence(self) -> str:
        """“People with lived experience put Involvement at 2; Council at 4.”"""
        return (
            f"{self.low.label} put {self.category.title} at {level_text(self.low.median)}; "
            f"{self.high.label} at {level_text(self.high.median)}."
        )


@dataclass(frozen=True)
class RoundPerspectives:
    """A round's perspectives: per category what may be shown, in the rubric's order."""

    round_id: int
    groups: tuple[str, ...]
    categories: tuple[CategoryPerspectives, ...]

    @property
    def anything_shown(self) -> bool:
        return any(c.shown for c in self.categories)

    def figures(self) -> dict[tuple[str, str], frozenset[int]]:
        """(category id, label) -> the people behind that figure: what later rounds check."""
        return {(c.category.id, f.label): f.people for c in self.categories for f in c.figures}

    def differences(self) -> tuple[Difference, ...]:
        """Categories where the shown figures' medians are DIFFER_BY or more apart."""
        found = []
        for category in self.categories:
            if len(category.figures) < 2:
                continue
            low = min(category.figures, key=lambda f: f.median)
            high = max(category.figures, key=lambda f: f.median)
            if high.median - low.median >= DIFFER_BY:
                found.append(Difference(category.category, low, high))
        return tuple(found)


def level_text(median: float) -> str:
    return f"{median:g}"


@dataclass(frozen=True)
class RoundAnswers:
    """What the rule needs of one round: its groups as they were when it opened, its floor,
    and per category the scored answers with each person's group in that round."""

    round_id: int
    groups: tuple[str, ...]
    min_responses: int
    scored: Mapping[str, Sequence[Scored]]


def category_perspectives(
    category: Category,
    scored: Sequence[Scored],
    groups: Sequence[str],
    floor: int,
    earlier: Sequence[Mapping[tuple[str, str], frozenset[int]]] = (),
) -> CategoryPerspectives:
    """The figures one category may show, by the rule in this module's docstring. Of the
    arrangements that pass, the one showing the most groups wins, then the one with the most
    people in the groups shown, then the earliest groups in the community's list."""
    members: dict[str, set[int]] = {}
    levels: dict[int, int] = {}
    for answer in scored:
        levels[answer.person] = answer.level
        if (
            answer.group is not None
            and answer.group != PREFER_NOT_TO_SAY
            and answer.group in groups
        ):
            members.setdefault(answer.group, set()).add(answer.person)
    everyone = frozenset(levels)
    sizes = {g: len(people) for g, people in members.items()}
    candidates = [g for g in groups if floor <= sizes.get(g, 0) <= len(everyone) - floor]
    for size in range(len(candidates), 0, -1):
        # Of as many groups, those with the most people in named groups; then list order.
        ordered = sorted(
            combinations(candidates, size), key=lambda shown: -sum(sizes[g] for g in shown)
        )
        for shown in ordered:
            arrangement = _arrangement(category.id, shown, members, everyone, floor, earlier)
            if arrangement is not None:
                figures = tuple(
                    Figure(label, float(statistics.median(levels[p] for p in people)), people)
                    for label, people in arrangement
                )
                return CategoryPerspectives(category, figures)
    return CategoryPerspectives(category, ())


def _arrangement(
    category_id: str,
    shown: Sequence[str],
    members: Mapping[str, set[int]],
    everyone: frozenset[int],
    floor: int,
    earlier: Sequence[Mapping[tuple[str, str], frozenset[int]]],
) -> list[tuple[str, frozenset[int]]] | None:
    """The figures of showing these groups (the rest merged), or None when any fails."""
    figures = [(g, frozenset(members[g])) for g in shown]
    rest = everyone.difference(*(people for _, people in figures))
    if rest:
        figures.append((OTHER_PERSPECTIVES, rest))
    for label, people in figures:
        if len(people) < floor or len(everyone - people) < floor:
            return None
        for before in earlier:
            then = before.get((category_id, label))
            if then is not None and 0 < len(people ^ then) < floor:
                return None
    return figures


def round_perspectives(
    rubric: Rubric,
    answers: RoundAnswers,
    earlier: Sequence[Mapping[tuple[str, str], frozenset[int]]] = (),
) -> RoundPerspectives:
    """Every category's perspectives in one round, checked against the earlier rounds'
    published figures."""
    floor = perspectives_floor(answers.min_responses)
    categories = tuple(
        category_perspectives(
            category, answers.scored.get(category.id, ()), answers.groups, floor, earlier
        )
        for category in rubric.categories
    )
    return RoundPerspectives(answers.round_id, answers.groups, categories)


def history_perspectives(
    rubric_of: Mapping[int, Rubric], rounds: Sequence[RoundAnswers]
) -> list[RoundPerspectives]:
    """Every round with groups, oldest first, each checked against all published before it
    (rounds without groups publish nothing by group)."""
    published: list[RoundPerspectives] = []
    for answers in rounds:
        published.append(
            round_perspectives(
                rubric_of[answers.round_id], answers, [p.figures() for p in published]
            )
        )
    return published


async def perspectives_of(repo: Repository, round_: Round) -> RoundPerspectives | None:
    """A closed round's perspectives, checked against every earlier closed round's; None when
    it opened without groups or is not closed (figures by group are published once, at
    close: a figure that moved while the round was open could be set beside its final one)."""
    if round_.groups is None or round_.closed_at is None:
        return None
    earlier = [
        r
        for r in await repo.closed_rounds(round_.community_id)
        if r.groups is not None and r.number < round_.number
    ]
    rounds = [*earlier, round_]
    answers = [await round_answers(repo, r) for r in rounds]
    return history_perspectives({r.id: r.rubric for r in rounds}, answers)[-1]


async def round_answers(repo: Repository, round_: Round) -> RoundAnswers:
    """What the rule needs of a round from the repository. A round with too few completed
    for a summary publishes nothing, by group either."""
    participations = await repo.participations(round_.id)
    group_of = {p.person_id: p.group for p in participations}
    completed = sum(1 for p in participations if p.completed_at is not None)
    scored: dict[str, list[Scored]] = {}
    if completed >= round_.min_responses:
        for answer in await repo.answers(round_.id):
            if answer.level is not None:
                scored.setdefault(answer.category_id, []).append(
                    Scored(answer.person_id, group_of.get(answer.person_id), answer.level)
                )
    return RoundAnswers(round_.id, round_.groups or (), round_.min_responses, scored)
