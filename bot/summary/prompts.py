"""Discussion prompts for the leads' workshop, in an appreciative frame: start from what
already works, picture the next level, and, where the group is split, hear both views."""

from __future__ import annotations

from bot.summary.focus import level_at, next_level
from bot.summary.numbers import SPLIT, CategorySummary

MAX_PROMPTS = 3


def discussion_prompts(numbers: CategorySummary, votes: int | None, voters: int) -> tuple[str, ...]:
    """Two or three questions about one category; votes: how many of the voters picked it as
    a priority, None unless enough people picked it to say so (PriorityVotes.cited)."""
    title = numbers.category.title
    at = level_at(numbers)
    if numbers.hidden or at is None:
        return (
            f"Too few of us scored {title} to see where we stand. What would help more partners "
            "feel able to answer next time?",
            f"What is already working in {title} that we could build on?",
        )
    prompts = [f"What has helped us reach level {at} in {title}? What could we build on?"]
    following = next_level(numbers)
    if following is not None:
        prompts.append(
            f"What would level {following} look like here, and who needs to be in the room?"
        )
    else:
        prompts.append(f"How do we stay at level {at} in {title}, and what could we share?")
    if numbers.consensus == SPLIT:
        if numbers.lowest is not None:
            views = f"at level {numbers.lowest}, others at level {numbers.highest}"
        else:  # too few answers to say which levels (bot/summary/disclosure.py)
            views = "lower, others higher"
        prompts.append(
            f"Some of us see {title} {views}. What does each view notice that the other might miss?"
        )
    elif votes:
        prompts.append(
            f"{votes} of {voters} of us picked {title} as a priority. What one step could we "
            "take before the next round?"
        )
    return tuple(prompts[:MAX_PROMPTS])
