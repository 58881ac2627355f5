"""Perspectives for leads: turn results by group on or off, and set the groups people pick from.

Perspectives are off until a lead turns them on. A round copies the community's groups when it
opens (None when perspectives are off), so a change applies to rounds opened from then on and
an open round keeps the groups it opened with. "Prefer not to say" is always among them.
"""

from __future__ import annotations

from dataclasses import replace

from bot.commands.context import LeadContext
from bot.commands.outcomes import Outcome, announced, said
from bot.commands.parser import check_groups
from bot.commands.requests import SetGroups, ShowGroups, SwitchExportGroups, SwitchGroups
from bot.model import DEFAULT_GROUPS, Community
from bot.summary.perspectives import perspectives_floor, with_prefer_not_to_say

LATER_ROUNDS = "It applies to rounds opened from now on; an open round keeps its groups."

GroupsRequest = ShowGroups | SwitchGroups | SetGroups | SwitchExportGroups


async def groups(ctx: LeadContext, request: GroupsRequest) -> Outcome:
    """Show, switch or change the community's perspectives."""
    community = ctx.community
    match request:
        case ShowGroups():
            return said(describe_groups(community))
        case SwitchGroups(on=on):
            changed = replace(community, perspectives=on)
            sentence = (
                f"{community.name}: perspectives are now on. Each person says once whom they "
                "speak for, before their first card; results by group are shown only where "
                f"at least {perspectives_floor(community.min_responses)} people in a group, "
                "and as many outside it, answered. " + LATER_ROUNDS
                if on
                else f"{community.name}: perspectives are now off. " + LATER_ROUNDS
            )
        case SetGroups(names=names):
            chosen = with_prefer_not_to_say(check_groups(names) if names else DEFAULT_GROUPS)
            changed = replace(community, groups=chosen)
            sentence = f"{community.name}: the groups are now {'; '.join(chosen)}. " + LATER_ROUNDS
        case SwitchExportGroups(on=on):
            changed = replace(community, export_groups=on)
            sentence = (
                f"{community.name}: the per-person export of a round that is not anonymous now "
                "carries each person's group. A group such as lived experience can be special "
                "category data: share that file only with those who need it."
                if on
                else f"{community.name}: per-person exports no longer carry anyone's group."
            )
    await ctx.repo.update_community(changed)
    return announced(sentence)


def describe_groups(community: Community) -> str:
    state = "on" if community.perspectives else "off (turn them on with /round groups on)"
    lines = [
        f"Perspectives of {community.name}: {state}",
        "Groups people pick from:",
        *(f"• {name}" for name in community.groups),
        "Change them with /round groups Council; NHS and health; …",
    ]
    if community.export_groups:
        lines.append("Per-person exports of rounds that are not anonymous carry each group.")
    return "\n".join(lines)
