"""Perspectives in words: "Where perspectives differ", what was shown by group and what was
not, and the chart's text alternative. Only what bot/summary/perspectives.py lets through."""

from __future__ import annotations

from bot.summary.perspectives import (
    DIFFER_BY,
    WORKSHOP_PROMPT,
    RoundPerspectives,
    level_text,
)

HEADING = "Where perspectives differ"


def rule_words(floor: int) -> str:
    return (
        f"a group is shown only where at least {floor} people in it, and {floor} outside it, "
        "answered; smaller groups are merged into “Other perspectives”"
    )


def differences_lines(perspectives: RoundPerspectives, floor: int) -> list[str]:
    """The section of the summary: the differences in words and the workshop's question, or
    plainly why there is nothing to say."""
    shown = [c for c in perspectives.categories if c.shown]
    if not shown:
        return [
            f"{HEADING}: no group had enough answers to be shown without singling anyone out "
            f"({rule_words(floor)}), so there are no results by group this round."
        ]
    found = perspectives.differences()
    lines = [f"{HEADING} (by group: {rule_words(floor)}):"]
    if found:
        lines += [f"• {d.sentence()}" for d in found]
        lines.append(WORKSHOP_PROMPT)
    else:
        lines.append(
            f"• Nowhere: in every category shown by group, the groups' medians are less than "
            f"{level_text(DIFFER_BY)} levels apart."
        )
    hidden = len(perspectives.categories) - len(shown)
    if hidden:
        are = "is" if hidden == 1 else "are"
        lines.append(
            f"{hidden} of {len(perspectives.categories)} categories {are} not shown by group: "
            "too few answers in some group."
        )
    return lines


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
