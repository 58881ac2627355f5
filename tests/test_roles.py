"""Who may do what, on each platform: setting a chat up, linking it, and every lead command.

Where the platform knows who administers a chat (Telegram), only that chat's administrators
and BOT_ADMINS may make it a community or link it to one; elsewhere (Slack, the console) anyone
in the chat may. Every other lead command needs a lead, a BOT_ADMIN or (where the platform
knows) an administrator of the chat, and a refusal changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import CHANNEL, World, make_world, texts

from bot.messages import Address, IncomingText, Outgoing
from bot.model import PersonRef

GROUP = Address("telegram", "-1001876543210")
GROUP_TITLE = "Riverside partners"
OWNER = PersonRef("telegram", "211000001", "Lena Okafor")  # the group's creator
MEMBER = PersonRef("telegram", "211000050", "Max")  # in the group, not an admin
ADMIN = "telegram:211000099"  # a BOT_ADMIN


async def in_group(
    world: World, who: PersonRef, text: str, *, admin: bool = False, chat: Address = GROUP
) -> list[Outgoing]:
    event = IncomingText(who, chat, text, chat_admin=admin, chat_title=GROUP_TITLE)
    return await world.event(event)


async def everything(world: World) -> list[Any]:
    """What a lead command could change: communities, their chats, settings, roles,
    schedules and rounds."""
    state: list[Any] = []
    async with world.storage.transaction() as repo:
        for community in await repo.list_communities():
            state.append(community)
            state.append([(p.key, role) for p, role in await repo.members(community.id)])
            state.append(await repo.schedule(community.id))
            state.append(await repo.latest_round(community.id))
    return state


@pytest.fixture
async def world(storage: Any) -> World:
    world = await make_world(storage, admins=frozenset({ADMIN}))
    world.join("lead", "alice")
    return world


async def test_a_plain_member_cannot_set_up_a_telegram_group_and_its_admin_then_can(
    world: World,
) -> None:
    refused = await in_group(world, MEMBER, "/round setup")
    assert "Only an admin of this group can set it up" in texts(refused)
    assert refused[0].private_to == MEMBER.user_id
    assert await everything(world) == []
    done = await in_group(world, OWNER, "/round setup", admin=True)
    assert "Riverside partners is set up, with Lena Okafor as its lead" in texts(done)
    assert "only the leads" in texts(await in_group(world, MEMBER, "/round open"))


async def test_a_bot_admin_may_set_up_any_chat(world: World) -> None:
    admin = PersonRef("telegram", "211000099", "Ada")
    assert "is set up, with Ada" in texts(await in_group(world, admin, "/round setup Riverside"))


async def test_anyone_may_set_up_a_chat_whose_platform_does_not_know_its_admins(
    world: World,
) -> None:
    assert "Riverside is set up" in texts(await world.command("alice", "/round setup Riverside"))


async def test_linking_a_telegram_group_needs_its_admin_a_slack_channel_anyone(
    world: World,
) -> None:
    await world.command("lead", "/round setup Riverside")
    first, second = [
        texts(await world.command("lead", "/round link")).split("/round link ")[1][:8]
        for _ in range(2)
    ]
    before = await everything(world)
    refused = await in_group(world, MEMBER, f"/round link {first}")
    assert "Only an admin of this group can link it" in texts(refused)
    assert await everything(world) == before
    linked = await in_group(world, OWNER, f"/round link {first}", admin=True)
    assert "now part of Riverside" in texts(linked)
    # Slack does not say who administers a channel: the one-time code is the permission.
    slack = Address("slack", "C0SECOND")
    sam = PersonRef("slack", "USAM", "Sam")
    linked = await in_group(world, sam, f"/round link {second}", chat=slack)
    assert "This channel is now part of Riverside" in texts(linked)


LEAD_ONLY = [
    "/round open",
    "/round status",
    "/round remind",
    "/round close",
    "/round summary",
    "/round leads add test:ALICE",
    "/round leads remove test:LEAD",
    "/round settings",
    "/round settings anonymous off",
    "/round settings min_responses 5",
    "/round link",
    "/round schedule",
    "/round schedule every 3 months",
    "/round schedule off",
]


@pytest.mark.parametrize("command", LEAD_ONLY)
@pytest.mark.parametrize("place", ["telegram group", "slack-like channel"])
async def test_every_lead_command_refuses_someone_who_is_not_a_lead(
    world: World, command: str, place: str
) -> None:
    if place == "telegram group":
        await in_group(world, OWNER, "/round setup Riverside", admin=True)
        await in_group(world, OWNER, "/round schedule every 3 months", admin=True)
        before = await everything(world)
        replies = await in_group(world, MEMBER, command)
        who = MEMBER.user_id
    else:
        await world.command("lead", "/round setup Riverside")
        await world.command("lead", "/round schedule every 3 months")
        before = await everything(world)
        replies = await world.command("alice", command)
        who = "ALICE"
    assert len(replies) == 1 and replies[0].private_to == who
    assert f"only the leads of Riverside can run /round {command.split()[1]}" in replies[0].text
    assert await everything(world) == before


async def test_an_admin_flag_counts_only_where_the_platform_knows_admins(world: World) -> None:
    await world.command("lead", "/round setup Riverside")
    claimed = IncomingText(PersonRef("test", "ALICE", "Alice"), CHANNEL, "/round open", None, True)
    assert "only the leads" in texts(await world.event(claimed))
    await in_group(world, OWNER, "/round setup Partners", admin=True)
    assert "No rounds yet" in texts(await in_group(world, OWNER, "/round status", admin=True))
