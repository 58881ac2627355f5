"""The group's priorities: how many people picked each category as one to work on first.

Votes follow bot/summary/disclosure.py's people-counting rule, as comments do: shown only when
at least max(min_responses, 5) different people picked priorities (hidden altogether below
that), and never summed, so no figure can be subtracted. A sentence about who picked one
category ("3 of 7 of us picked Finance") also needs that many people behind it: see cited().
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.model import Round
from bot.summary.disclosure import enough_people


@dataclass(frozen=True)
class PriorityVotes:
    """Per category, how many people picked it; nothing when hidden."""

    hidden: bool
    voters: int = 0  # people who picked at least one category (0 when hidden)
    votes: Mapping[str, int] | None = None
    min_responses: int = 0  # the round's, for the people-counting rule

    def cited(self, category_id: str) -> int | None:
        """How many picked the category, where a sentence may say so: only when that many
        different people picked it. "1 of 7 of us picked Collaboration" points at one person
        in the room; the table of votes may still show 1 (it is a count among enough voters)."""
        picked = self.of(category_id)
        if picked is None or not enough_people(picked, self.min_responses):
            return None
        return picked

    def of(self, category_id: str) -> int | None:
        """How many picked the category; None when the votes are hidden."""
        if self.hidden or self.votes is None:
            return None
        return self.votes.get(category_id, 0)

    def ranked(self) -> list[tuple[str, int]]:
        """(category id, votes) of the categories anyone picked, most picked first (ties in
        the order of the votes mapping, which follows the rubric)."""
        if self.hidden or self.votes is None:
            return []
        picked = [(cid, n) for cid, n in self.votes.items() if n]
        return sorted(picked, key=lambda item: -item[1])


def priority_votes(
    round_: Round, voters: int, votes: Mapping[str, int], summarised: bool
) -> PriorityVotes | None:
    """The round's votes as they may be shown; None when the round did not ask for them.
    summarised: enough people completed the round for it to be summarised at all."""
    if not round_.priorities:
        return None
    if not summarised or not enough_people(voters, round_.min_responses):
        return PriorityVotes(hidden=True)
    in_order = {c.id: votes.get(c.id, 0) for c in round_.rubric.categories}
    return PriorityVotes(
        hidden=False, voters=voters, votes=in_order, min_responses=round_.min_responses
    )
