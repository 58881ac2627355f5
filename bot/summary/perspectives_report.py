"""Perspectives in words: "Where perspectives differ", what was shown by group and what was
not, and the chart's text alternative. Only what bot/summary/perspectives.py lets through."""

from __future__ import annotations

from dataclasses import dataclass

from bot.summary.perspectives import (
    DIFFER_BY,
    WORKSHOP_PROMPT,
    RoundPerspectives,
    level_text,
    perspectives_floor,
)

HEADING = "Where perspectives differ"


@dataclass(frozen=True)
class PerspectivesWords:
    """The section's parts, for a page to lay out or a text to join."""

    note: str  # how groups are shown, or plainly why none is
    differences: tuple[str, ...]  # one sentence per category where the groups differ
    closing: tuple[str, ...]  # the workshop's question, or that nowhere differs; what is hidden
    by_group: tuple[str, ...]  # each category's medians by group (the chart's data)


def rule_words(floor: int) -> str:
    return (
        f"a group is shown only where at least {floor} people in it, and {floor} outside it, "
        "answered; smaller groups are merged into “Other perspectives”"
    )


def perspectives_words(perspectives: RoundPerspectives, min_responses: int) -> PerspectivesWords:
    floor = perspectives_floor(min_responses)
    shown = [c for c in perspectives.categories if c.shown]
    if not shown:
        note = (
            f"no group had enough answers to be shown without singling anyone out "
            f"({rule_words(floor)}), so there are no results by group this round."
        )
        return PerspectivesWords(note, (), (), ())
    found = tuple(d.sentence() for d in perspectives.differences())
    closing = (
        [WORKSHOP_PROMPT]
        if found
        else [
            f"Nowhere: in every category shown by group, the groups' medians are less than "
            f"{level_text(DIFFER_BY)} levels apart."
        ]
    )
    hidden = len(perspectives.categories) - len(shown)
    if hidden:
        are = "is" if hidden == 1 else "are"
        closing.append(
            f"{hidden} of {len(perspectives.categories)} categories {are} not shown by group: "
            "too few answers in some group."
        )
    by_group = tuple(perspectives_alt(perspectives).splitlines()[1:])
    return PerspectivesWords(f"by group: {rule_words(floor)}.", found, tuple(closing), by_group)


def differences_lines(perspectives: RoundPerspectives, min_responses: int) -> list[str]:
    """The summary's section, as lines of text."""
    words = perspectives_words(perspectives, min_responses)
    if not words.differences and not words.closing:
        return [f"{HEADING}: {words.note}"]
    return [
        f"{HEADING} ({words.note.removesuffix('.')}):",
        *(f"• {sentence}" for sentence in words.differences),
        *(f"• {line}" if line.startswith("Nowhere") else line for line in words.closing),
    ]


def perspectives_alt(perspectives: RoundPerspectives) -> str:
    """The perspectives chart's text alternative: each shown group's median per category."""
    lines = ["Chart of medians by group, one marker per group on the 1 to 5 scale:"]
    for category in perspectives.categories:
        if category.shown:
            medians = "; ".join(f"{f.label} {level_text(f.median)}" for f in category.figures)
            lines.append(f"{category.category.title}: {medians}.")
        else:
            lines.append(f"{category.category.title}: not shown by group.")
    return "\n".join(lines)
