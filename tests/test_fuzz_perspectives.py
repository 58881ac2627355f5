"""Property: no figure by group that the bot publishes, alone, beside the round's other figures
or beside an earlier round's, covers fewer than max(min_responses, 5) people.

Hypothesis makes communities of rounds: group sizes, answers (some people skip a category),
people who change group between rounds, min_responses from 1 to 7. Every round is run through
bot/summary/perspectives.py, the one rule every output takes its groups from, and each
published figure is checked:

- it covers at least the floor, and so does everyone else who scored that category;
- it is what it says: a named group's figure is exactly that group's people, "Other
  perspectives" exactly everyone not in a shown group, and its median is theirs;
- compared with any earlier round's figure of the same name and category, the people behind
  the two are the same or differ by at least the floor;
- "Prefer not to say" is never shown as a group.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from hypothesis import example, given
from hypothesis import strategies as st
from support import ROOT

from bot.model import DEFAULT_GROUPS, PREFER_NOT_TO_SAY, Rubric
from bot.rubric.loader import load_rubric
from bot.summary.perspectives import (
    OTHER_PERSPECTIVES,
    RoundAnswers,
    RoundPerspectives,
    Scored,
    history_perspectives,
    perspectives_floor,
)

FULL = load_rubric(ROOT / "rubric.toml")
RUBRIC = Rubric(FULL.name, FULL.question, FULL.low_label, FULL.high_label, FULL.categories[:2])
CATEGORY_IDS = [c.id for c in RUBRIC.categories]
GROUP_CHOICES = (*DEFAULT_GROUPS, None)  # None: never said


@dataclass(frozen=True)
class Person:
    group: str | None
    levels: tuple[int | None, ...]  # per category; None: did not score it


people_in_round = st.lists(
    st.builds(
        Person,
        st.sampled_from(GROUP_CHOICES),
        st.tuples(*[st.one_of(st.none(), st.integers(1, 5)) for _ in CATEGORY_IDS]),
    ),
    max_size=40,
)


@st.composite
def communities(draw: st.DrawFn) -> list[RoundAnswers]:
    """1-4 rounds over one pool of people; each round some of them take part, each in a group
    that may differ from the round before (with a bias to stay, as real people do)."""
    pool = draw(st.integers(0, 40))
    # Communities use a few of the groups: so some are big, and "Other" is often small.
    in_use = st.sampled_from(
        draw(st.lists(st.sampled_from(GROUP_CHOICES), min_size=1, max_size=4, unique=True))
    )
    groups = {p: draw(in_use) for p in range(pool)}
    rounds = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        scored: dict[str, list[Scored]] = {c: [] for c in CATEGORY_IDS}
        for person in range(pool):
            if draw(st.integers(0, 9)) == 0:
                groups[person] = draw(in_use)  # moved group
            if draw(st.integers(0, 5)) == 0:
                continue  # did not take part this round
            for category_id in CATEGORY_IDS:
                level = draw(st.one_of(st.none(), st.integers(1, 5)))
                if level is not None:
                    scored[category_id].append(Scored(person, groups[person], level))
        rounds.append(RoundAnswers(number, DEFAULT_GROUPS, draw(st.integers(1, 7)), scored))
    return rounds


def check(rounds: list[RoundAnswers], published: list[RoundPerspectives]) -> None:
    for index, (answers, shown) in enumerate(zip(rounds, published, strict=True)):
        floor = perspectives_floor(answers.min_responses)
        assert floor >= 5 and floor >= answers.min_responses
        for category in shown.categories:
            scored = answers.scored[category.category.id]
            everyone = {a.person for a in scored}
            level = {a.person: a.level for a in scored}
            in_shown_groups: set[int] = set()
            for figure in category.figures:
                assert figure.label != PREFER_NOT_TO_SAY
                assert len(figure.people) >= floor, (figure.label, len(figure.people), floor)
                assert len(everyone - figure.people) >= floor
                assert figure.median == statistics.median(level[p] for p in figure.people)
                if figure.label != OTHER_PERSPECTIVES:
                    assert figure.people == {a.person for a in scored if a.group == figure.label}
                    in_shown_groups |= figure.people
            for figure in category.figures:
                if figure.label == OTHER_PERSPECTIVES:
                    assert figure.people == everyone - in_shown_groups
            if category.figures:
                assert len(category.figures) >= 2  # one figure alone would be everyone's
                assert set().union(*(f.people for f in category.figures)) == everyone
            for before in published[:index]:
                for (category_id, label), then in before.figures().items():
                    if category_id != category.category.id:
                        continue
                    for figure in category.figures:
                        if figure.label == label:
                            moved = figure.people ^ then
                            assert not moved or len(moved) >= floor, (label, len(moved))


def run(rounds: list[RoundAnswers]) -> list[RoundPerspectives]:
    return history_perspectives({r.round_id: RUBRIC for r in rounds}, rounds)


def scored_round(number: int, groups: list[str | None]) -> RoundAnswers:
    """A round where person i is in groups[i] and scores every category 4 (people with lived
    experience 1, to make the medians differ)."""
    scored: dict[str, list[Scored]] = {c: [] for c in CATEGORY_IDS}
    for person, group in enumerate(groups):
        for category_id in CATEGORY_IDS:
            level = 1 if group == "People with lived experience" else 4
            scored[category_id].append(Scored(person, group, level))
    return RoundAnswers(number, DEFAULT_GROUPS, 3, scored)


def in_groups(sizes: dict[str | None, int]) -> list[str | None]:
    return [group for group, size in sizes.items() for _ in range(size)]


FIRST = in_groups(
    {
        "Council": 6,
        "People with lived experience": 5,
        "NHS and health": 3,
        "Voluntary and community sector": 2,
    }
)
# two groups pass, two small ones are merged into "Other perspectives", which passes
TWO_SHOWN_TWO_MERGED = [scored_round(1, FIRST)]
# the next round, one NHS person has moved to the council: comparing the council's figures
# of the two rounds would isolate them
ONE_MOVES = [*TWO_SHOWN_TWO_MERGED, scored_round(2, [*FIRST[:11], "Council", *FIRST[12:]])]


@given(communities())
@example(TWO_SHOWN_TWO_MERGED)
@example(ONE_MOVES)
def test_no_published_figure_isolates_anyone(rounds: list[RoundAnswers]) -> None:
    check(rounds, run(rounds))


def test_two_groups_pass_and_two_are_merged() -> None:
    [shown] = run(TWO_SHOWN_TWO_MERGED)
    first = shown.categories[0]
    assert [(f.label, f.median, len(f.people)) for f in first.figures] == [
        ("Council", 4.0, 6),
        ("People with lived experience", 1.0, 5),
        (OTHER_PERSPECTIVES, 4.0, 5),
    ]
    [difference, _] = shown.differences()
    assert difference.sentence() == (
        f"People with lived experience put {first.category.title} at 1; Council at 4."
    )


def test_a_figure_that_would_differ_by_one_person_from_the_last_round_is_not_shown() -> None:
    first, second = run(ONE_MOVES)
    assert [f.label for f in first.categories[0].figures] == [
        "Council",
        "People with lived experience",
        OTHER_PERSPECTIVES,
    ]
    # The council gained one person and Other lost one: neither may be set beside round 1's.
    # With the council merged, Other is round 1's Other plus the council's seven: far from
    # round 1's, so that arrangement passes.
    labels = [f.label for f in second.categories[0].figures]
    assert "Council" not in labels
    assert labels == ["People with lived experience", OTHER_PERSPECTIVES]


def test_when_no_arrangement_passes_nothing_is_shown() -> None:
    sizes: dict[str | None, int] = {"Council": 6, "NHS and health": 3, PREFER_NOT_TO_SAY: 1}
    [shown] = run([scored_round(1, in_groups(sizes))])
    assert not shown.anything_shown
    assert shown.differences() == ()


def test_groups_all_big_enough_are_all_shown() -> None:
    [shown] = run([scored_round(1, in_groups({"Council": 5, "NHS and health": 5, None: 5}))])
    assert [f.label for f in shown.categories[0].figures] == [
        "Council",
        "NHS and health",
        OTHER_PERSPECTIVES,
    ]
