"""Community settings a lead can change: `/round settings [anonymous on|off | min_responses N]`.

A round copies the settings when it opens, so a change applies to later rounds only.
"""

from __future__ import annotations

from dataclasses import replace

from bot.commands.parser import UsageError
from bot.model import Community

MIN_RESPONSES_RANGE = range(3, 11)  # below 3, a category's numbers could single people out


def describe(community: Community) -> str:
    return (
        f"Settings of {community.name}:\n"
        f"anonymous: {'on' if community.anonymous else 'off'}\n"
        f"min_responses: {community.min_responses} (fewer scored answers and a category "
        "is not shown)"
    )


def change(community: Community, args: str) -> tuple[Community, str]:
    """The community with one setting changed, and a sentence saying so."""
    words = args.lower().split()
    if len(words) != 2:
        raise UsageError("Say which setting and its new value.", "settings")
    name, value = words
    if name == "anonymous" and value in ("on", "off"):
        changed = replace(community, anonymous=value == "on")
    elif name == "min_responses" and value.isdigit() and int(value) in MIN_RESPONSES_RANGE:
        changed = replace(community, min_responses=int(value))
    elif name == "min_responses":
        first, last = MIN_RESPONSES_RANGE[0], MIN_RESPONSES_RANGE[-1]
        raise UsageError(f"min_responses is a whole number from {first} to {last}.", "settings")
    else:
        raise UsageError("I can change: anonymous on|off, min_responses 3..10.", "settings")
    sentence = (
        f"{community.name}: {name} is now {value}. It applies to rounds opened from now on; "
        "an open round keeps its setting."
    )
    return changed, sentence
