"""Summary numbers against hand-computed fixtures, the anonymity threshold, and where to focus."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from support import ROOT

from bot.model import ActionStatus, AgreedAction, Answer, Participation, Round, Stage
from bot.rubric.loader import load_rubric
from bot.summary import report
from bot.summary.disclosure import Detail
from bot.summary.focus import Reason, focus
from bot.summary.numbers import (
    AGREED,
    SPLIT,
    Tallies,
    comments_shareable,
    consensus,
    summarise,
)

RUBRIC = load_rubric(ROOT / "rubric.toml")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
IDS = [c.id for c in RUBRIC.categories]


def a_round(number: int = 1, min_responses: int = 3, closed: bool = True) -> Round:
    return Round(
        number,
        1,
        number,
        f"Round {number}",
        T0,
        T0 + timedelta(days=14),
        T0 + timedelta(days=14) if closed else None,
        True,
        RUBRIC,
        min_responses,
    )


def answers_for(round_: Round, table: dict[str, list[int | None]]) -> list[Answer]:
    """table: category id -> one level (or None: not sure) per person, person 1 first."""
    result = []
    for category_id, levels in table.items():
        for person, level in enumerate(levels, start=1):
            result.append(Answer(round_.id, person, category_id, level, None, T0, T0))
    return result


def people(
    round_: Round, completed: int, invited: int, picks: Sequence[tuple[str, ...]] = ()
) -> list[Participation]:
    """Participations; picks: the priorities of person 1, 2, ... (the rest picked none)."""
    return [
        Participation(
            round_.id,
            person,
            Stage.SUBMITTED if person <= completed else Stage.INVITED,
            completed_at=T0 if person <= completed else None,
            priorities=picks[person - 1] if person <= len(picks) else (),
        )
        for person in range(1, invited + 1)
    ]


def test_numbers_match_a_hand_computed_round() -> None:
    round_ = a_round()
    table: dict[str, list[int | None]] = {cid: [3, 3, 3, 3, 3] for cid in IDS}
    table["vision"] = [1, 2, 2, 4, 1]  # median 2, mean 2, spread sqrt(1.2)
    table["collaboration"] = [3, 3, None, 4, 3]  # four scored: median and agreement only
    table["finance"] = [1, 1, 5, 5, 1]  # span 1..5: split
    summary = summarise(round_, answers_for(round_, table), people(round_, 5, 6))
    vision, collaboration = summary.categories[0], summary.categories[1]
    assert vision.detail is Detail.COUNTS
    assert (vision.scored, vision.not_sure, vision.distribution) == (5, 0, (2, 2, 0, 1, 0))
    assert vision.median == 2 and vision.mean == 2
    assert vision.spread == pytest.approx(1.0954, abs=1e-4)
    assert vision.consensus == AGREED  # 4 of 5 within levels 1-2
    assert collaboration.detail is Detail.MEDIAN
    assert (collaboration.median, collaboration.consensus) == (3, AGREED)
    assert (collaboration.scored, collaboration.not_sure, collaboration.distribution) == (
        None,
        None,
        None,
    )
    assert (collaboration.mean, collaboration.spread) == (None, None)
    finance = summary.categories[IDS.index("finance")]
    assert finance.consensus == SPLIT and (finance.lowest, finance.highest) == (1, 5)
    assert summary.completed == 5 and summary.invited == 6
    assert summary.response_rate == pytest.approx(5 / 6)


@pytest.mark.parametrize(
    ("counts", "label"),
    [
        ((0, 4, 2, 0, 0), AGREED),
        ((1, 1, 1, 0, 0), SPLIT),
        ((0, 2, 1, 0, 0), AGREED),
        ((2, 0, 0, 0, 2), SPLIT),
        ((0, 0, 5, 0, 0), AGREED),
        ((1, 0, 2, 0, 1), SPLIT),
    ],
)
def test_consensus(counts: tuple[int, ...], label: str) -> None:
    assert consensus(counts) == label


def test_a_category_below_the_threshold_shows_nothing_at_all() -> None:
    round_ = a_round(min_responses=4)
    table: dict[str, list[int | None]] = {cid: [2, 3, 3, 4, 4] for cid in IDS}
    table["finance"] = [1, 2, None, None, None]  # two scored answers: hidden
    summary = summarise(round_, answers_for(round_, table), people(round_, 5, 5))
    finance = summary.categories[IDS.index("finance")]
    assert finance.hidden
    assert (finance.scored, finance.not_sure, finance.distribution) == (None, None, None)
    assert finance.median is None and finance.mean is None and finance.change is None
    shown = [c for c in summary.categories if not c.hidden]
    assert len(shown) == 8 and all(c.scored == 5 for c in shown)
    text = report.summary_text(summary)
    assert "6. Finance: not enough answers" in text
    assert "fewer than 4 scored answers are not shown" in text


def test_nothing_in_the_summary_recovers_a_hidden_category_by_subtraction() -> None:
    round_ = a_round()
    table: dict[str, list[int | None]] = {cid: [4, 4, 5] for cid in IDS}
    table["finance"] = [1, None, None]  # one brave answer, hidden
    summary = summarise(round_, answers_for(round_, table), people(round_, 3, 3))
    text = report.summary_text(summary)
    # No total over all answers, no overall mean, no count of all scored answers anywhere:
    all_scored = sum(len([x for x in v if x is not None]) for v in table.values())
    assert str(all_scored) not in text.split()
    for line in text.splitlines():
        assert "overall" not in line.lower() and "total" not in line.lower()
    finance_line = next(line for line in text.splitlines() if "Finance" in line)
    assert finance_line == "6. Finance: not enough answers"
    assert not any(f.summary.category.id == "finance" for f in focus(summary))


def test_too_few_completed_means_no_summary_and_says_how_many_more() -> None:
    round_ = a_round(min_responses=3)
    table: dict[str, list[int | None]] = {cid: [2, 3, 4] for cid in IDS}  # 3 answered, 2 done
    summary = summarise(round_, answers_for(round_, table), people(round_, 2, 6))
    assert not summary.enough and summary.needed == 1
    assert all(c.hidden for c in summary.categories)
    text = report.summary_text(summary)
    assert "2 of 6 invited have completed" in text and "so 1 more" in text
    assert "median" not in text


def test_change_since_the_previous_closed_round_skips_hidden_categories() -> None:
    first, second = a_round(1), a_round(2)
    before: dict[str, list[int | None]] = {cid: [2, 2, 3] for cid in IDS}
    before["finance"] = [1, None, None]
    after: dict[str, list[int | None]] = {cid: [3, 3, 4] for cid in IDS}
    previous = summarise(first, answers_for(first, before), people(first, 3, 3))
    summary = summarise(second, answers_for(second, after), people(second, 3, 3), previous)
    assert summary.categories[0].change == 1  # 2 -> 3
    assert summary.categories[IDS.index("finance")].change is None
    assert "1. Vision: median 3 (+1 since round 1)" in report.summary_text(summary)


def test_focus_without_priorities_names_the_lowest_and_the_most_split() -> None:
    round_ = a_round()
    table: dict[str, list[int | None]] = {cid: [3, 3, 4] for cid in IDS}
    table["finance"] = [1, 1, 2]  # lowest, median 1
    table["involvement"] = [2, 2, 2]  # next lowest, median 2
    table["collaboration"] = [1, 3, 5]  # split
    summary = summarise(round_, answers_for(round_, table), people(round_, 3, 3))
    picks = focus(summary)
    assert [(f.summary.category.id, f.reasons, f.next_level) for f in picks] == [
        ("finance", (Reason.LOWEST,), 2),
        ("collaboration", (Reason.MOST_SPLIT,), 4),
        ("involvement", (Reason.NEXT_LOWEST,), 3),
    ]
    finance = RUBRIC.category("finance")
    assert finance is not None and picks[0].next_descriptor == finance.levels[2]
    text = report.summary_text(summary)
    assert "To reach level 3 in Collaboration" not in text
    # Three answers: no range, which would give away the lowest and highest answer.
    assert "• Collaboration: the group is most split on it. To reach level 4" in text
    assert "answers from" not in text
    assert "• Finance: it scores lowest (median 1). To reach level 2 in Finance: " in text
    assert "• Involvement: it scores next lowest (median 2)." in text
    assert "The group's priorities: fewer than 5 people picked any" in text


def test_a_split_shows_its_range_where_counts_are_shown() -> None:
    round_ = a_round()
    table: dict[str, list[int | None]] = {cid: [3, 3, 4, 4, 4] for cid in IDS}
    table["collaboration"] = [1, 3, 5, 5, 5]  # five answers: counts, and so the range
    summary = summarise(round_, answers_for(round_, table), people(round_, 5, 5))
    text = report.summary_text(summary)
    assert "• Collaboration: the group is most split on it (answers from 1 to 5)." in text


def test_comments_reach_leads_only_when_there_are_enough() -> None:
    round_ = a_round(min_responses=3)
    few = [Answer(1, p, "vision", 3, "a note", T0, T0) for p in range(1, 5)]
    assert not comments_shareable(round_, few)  # 4 < max(3, 5)
    enough = [*few, Answer(1, 5, "vision", 2, "another", T0, T0)]
    assert comments_shareable(round_, enough)
    strict = a_round(min_responses=7)
    assert not comments_shareable(strict, enough)


def test_priorities_are_votes_per_category_shown_only_when_enough_people_picked() -> None:
    round_ = a_round(min_responses=3)
    table: dict[str, list[int | None]] = {cid: [3, 3, 3, 3, 3] for cid in IDS}
    two_picked = [("finance", "vision"), ("finance",)]
    summary = summarise(round_, answers_for(round_, table), people(round_, 5, 5, two_picked))
    assert summary.priorities is not None and summary.priorities.hidden
    assert summary.priorities.of("finance") is None
    text = report.summary_text(summary)
    assert "fewer than 5 people picked any, so they are not shown" in text
    assert "Finance 2" not in text and "the group chose it" not in text
    # Votes are counts: four voters are at least min_responses, yet below the counts floor.
    four = [*two_picked, ("learning", "finance"), ("finance",)]
    summary = summarise(round_, answers_for(round_, table), people(round_, 5, 5, four))
    assert summary.priorities is not None and summary.priorities.hidden
    assert "Finance 4" not in report.summary_text(summary)
    five = [*four, ("vision",)]
    summary = summarise(round_, answers_for(round_, table), people(round_, 5, 5, five))
    votes = summary.priorities
    assert votes is not None and not votes.hidden and votes.voters == 5
    assert votes.ranked() == [("finance", 4), ("vision", 2), ("learning", 1)]
    text = report.summary_text(summary)
    assert (
        "The group's priorities (5 people picked up to two areas to work on first): "
        "Finance 4 · Vision 2 · Learning, evaluation and continuous improvement 1"
    ) in text
    # Nothing adds the votes up: no total that hidden votes could be recovered from.
    assert "7" not in text.split("The group's priorities")[1].split("\n")[0]
    kept = Tallies.from_dict(Tallies(4, 4, {}, {}, 3, {"finance": 3}).to_dict())
    assert (kept.voters, kept.priorities) == (3, {"finance": 3})
    old = Tallies.from_dict({"invited": 4, "completed": 4, "levels": {}, "not_sure": {}})
    assert (old.voters, old.priorities) == (0, {})  # kept before priorities existed


def test_a_round_without_priorities_says_nothing_about_them() -> None:
    round_ = replace(a_round(), priorities=False)
    table: dict[str, list[int | None]] = {cid: [3, 3, 3] for cid in IDS}
    summary = summarise(round_, answers_for(round_, table), people(round_, 3, 3))
    assert summary.priorities is None
    assert "priorities" not in report.summary_text(summary)


def test_focus_weighs_low_medians_splits_and_the_groups_choice_and_says_which() -> None:
    round_ = a_round()
    table: dict[str, list[int | None]] = {cid: [3, 3, 4, 4, 4] for cid in IDS}
    table["finance"] = [1, 1, 2, 2, 1]  # lowest
    table["involvement"] = [2, 2, 2, 3, 3]  # next lowest
    table["collaboration"] = [1, 3, 5, 5, 5]  # most split
    table["learning"] = [4, 4, 4, 4, 4]  # scores well, but the group wants to work on it
    picks = [
        ("learning", "finance"),
        ("learning",),
        ("learning", "vision"),
        ("finance",),
        ("learning",),
    ]
    summary = summarise(round_, answers_for(round_, table), people(round_, 5, 5, picks))
    chosen = focus(summary)
    assert [(f.summary.category.id, f.reasons) for f in chosen] == [
        ("finance", (Reason.LOWEST, Reason.CHOSEN)),  # 2 + 3 * 2/5
        ("learning", (Reason.CHOSEN,)),  # 3 * 4/5
        ("collaboration", (Reason.MOST_SPLIT,)),  # 1.5, ahead of involvement's 1
    ]
    text = report.summary_text(summary)
    assert (
        "• Finance: it scores lowest (median 1) and the group chose it as a priority "
        "(2 of 5 who picked). To reach level 2 in Finance:"
    ) in text
    assert (
        "• Learning, evaluation and continuous improvement: the group chose it as a priority "
        "(4 of 5 who picked)."
    ) in text
    # Four who picked are too few for votes to be shown, so none weighs in the focus either.
    fewer = summarise(round_, answers_for(round_, table), people(round_, 5, 5, picks[:4]))
    assert all(Reason.CHOSEN not in f.reasons for f in focus(fewer))
    assert "the group chose it" not in report.summary_text(fewer)


def test_actions_appear_beside_their_categorys_change() -> None:
    first, second = a_round(1), a_round(2)
    before: dict[str, list[int | None]] = {cid: [2, 2, 3] for cid in IDS}
    after: dict[str, list[int | None]] = {cid: [3, 3, 4] for cid in IDS}
    previous = summarise(first, answers_for(first, before), people(first, 3, 3))
    summary = summarise(second, answers_for(second, after), people(second, 3, 3), previous)
    done = AgreedAction(1, 1, 4, "finance", "Pool two budgets", T0, status=ActionStatus.DONE)
    text = report.summary_text(summary, {"finance": [done]})
    lines = text.splitlines()
    finance = next(i for i, line in enumerate(lines) if line.startswith("6. Finance: median 3"))
    assert "(+1 since round 1)" in lines[finance]
    assert lines[finance + 1] == "   ↳ action 4 “Pool two budgets” (done) since round 1"
    assert sum("↳" in line for line in lines) == 1


def test_a_lead_and_a_puppet_cannot_read_the_third_persons_answers() -> None:
    # The lead and an account the lead controls answer 3 everywhere; the third person's answers
    # must not follow from anything the summary shows, by subtracting the two known 3s.
    round_ = a_round(min_responses=3)
    third = [1, 5, 2, 4, 1, 5, 2, 4, None]
    table: dict[str, list[int | None]] = {cid: [3, 3, third[i]] for i, cid in enumerate(IDS)}
    summary = summarise(round_, answers_for(round_, table), people(round_, 3, 3))
    text = report.summary_text(summary)
    category_lines = [line for line in text.splitlines() if re.match(r"\d\. ", line)]
    assert category_lines[:3] == [
        "1. Vision: median 3 · split",
        "2. Collaboration: median 3 · split",
        "3. Accountability: median 3 · agreed",
    ]
    assert all(re.fullmatch(r".*: median 3 · (agreed|split)", line) for line in category_lines[:8])
    assert (
        category_lines[8]
        == "9. Learning, evaluation and continuous improvement: not enough answers"
    )
    assert "answers from" not in text  # a focus line gives no range either
    assert "fewer than 5 scored answers show only their median" in text
    for numbers in summary.categories[:8]:
        assert numbers.detail is Detail.MEDIAN and numbers.distribution is None
        assert (numbers.scored, numbers.not_sure, numbers.mean, numbers.spread) == (None,) * 4
    assert summary.categories[8].hidden  # two scored answers: below min_responses


@pytest.mark.parametrize(
    ("scored", "min_responses", "detail"),
    [
        (2, 3, Detail.NOTHING),
        (3, 3, Detail.MEDIAN),
        (4, 3, Detail.MEDIAN),
        (5, 3, Detail.COUNTS),
        (5, 4, Detail.COUNTS),
        (6, 7, Detail.NOTHING),
        (7, 7, Detail.COUNTS),
    ],
)
def test_counts_appear_from_max_of_min_responses_and_five_scored_answers(
    scored: int, min_responses: int, detail: Detail
) -> None:
    round_ = a_round(min_responses=min_responses)
    levels: list[int | None] = [1, 2, 3, 4, 5, 1, 2][:scored]
    table = {cid: levels for cid in IDS}
    summary = summarise(round_, answers_for(round_, table), people(round_, 7, 7))
    assert {c.detail for c in summary.categories} == {detail}
    counts_shown = "levels 1:" in report.summary_text(summary)
    assert counts_shown == (detail is Detail.COUNTS)
