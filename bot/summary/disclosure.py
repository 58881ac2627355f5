"""How much any view may show, by how many different people it rests on: the one rule the
summary text, the charts, the board, the debrief pack, the exports and every later view follow.

A lead who answers knows their own answers, and one who controls other accounts knows theirs
too. Whatever rests on few people (a category's per-level counts, a round's comments, the
priority picks) minus what a lead knows leaves the others' answers; in a small group that is
one person's. So such things reach leads only where at least PEOPLE_FLOOR different people
gave them (and never fewer than the round's min_responses): people, not answers, are counted,
since one person's five comments hide nobody. Below that a category shows its median and
whether people agreed, and comments and priority picks stay out.
"""

from __future__ import annotations

import enum
import math

PEOPLE_FLOOR = 5  # different people before counts, comments or priority picks are shown


class Detail(enum.Enum):
    """What a category's summary shows."""

    NOTHING = "not enough answers"  # fewer scored answers than min_responses
    MEDIAN = "median and agreement"  # the median and agreed/split only
    COUNTS = "counts"  # also per-level counts, n, "not sure", mean and spread


def people_floor(min_responses: float) -> float:
    """How many different people anything counted per person needs before it is shown."""
    return max(min_responses, PEOPLE_FLOOR)


def enough_people(people: int, min_responses: float) -> bool:
    """Whether what this many different people gave (their scores of a category, their
    comments, their priority picks) may reach leads without singling any of them out."""
    return not math.isinf(min_responses) and people >= people_floor(min_responses)


def what_a_pair_learns(min_responses: int) -> str:
    """In plain words, what two people who compare notes (or one person with two accounts) can
    learn about the others when a summary may rest on min_responses people; "" from
    PEOPLE_FLOOR on, where no one's answer can be read off exactly."""
    if min_responses >= PEOPLE_FLOOR:
        return ""
    if min_responses <= 3:
        return (
            "With 3, a summary can rest on three people's answers. Two of them who compare "
            "notes (or one person with two accounts) learn the third person's answers: if the "
            "two answer 1 and 5 on every card, each median shown is exactly what the third "
            "person chose."
        )
    return (
        f"With {min_responses}, a summary can rest on {min_responses} people's answers. Two "
        "of them who compare notes (or one person with two accounts) learn where the other "
        "two stand: if the two answer 1 and 5 on every card, each median shown is half-way "
        "between the others' answers, and exactly their answer wherever those two agree."
    )


def detail_for(scored: int, min_responses: float) -> Detail:
    """How much a category scored by this many people may show (min_responses may be
    infinite: a round with too few completed shows nothing)."""
    if math.isinf(min_responses) or scored < min_responses:
        return Detail.NOTHING
    if not enough_people(scored, min_responses):
        return Detail.MEDIAN
    return Detail.COUNTS
