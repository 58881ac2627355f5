"""One community across chats and platforms: link codes, "Take part" links, chat admins,
and people the platform cannot reach."""

from __future__ import annotations

import pytest
from support import CHANNEL, World, answer_all, make_world, person, texts

from bot.messages import Address, IncomingJoin, IncomingText
from bot.model import PersonRef
from bot.ports import Storage

GROUP = Address("telegram", "-100")


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice")
    await world.command("lead", "/round setup Riverside")
    return world


async def in_group(world: World, who: PersonRef, text: str, admin: bool = False) -> str:
    return texts(await world.event(IncomingText(who, GROUP, text, chat_admin=admin)))


async def join_code(world: World) -> str:
    async with world.storage.transaction() as repo:
        community = await repo.community_for_chat(CHANNEL.chat)
    assert community is not None
    return community.join_code


async def test_a_group_on_another_platform_joins_with_a_one_time_code(world: World) -> None:
    reply = texts(await world.command("lead", "/round link"))
    code = reply.split("/round link ", 1)[1].split()[0]
    assert len(code) == 8 and "within the next hour" in reply
    olga = PersonRef("telegram", "7", "Olga")
    assert "Only an admin of this group" in await in_group(world, olga, f"/round link {code}")
    assert "not set up yet" in await in_group(world, olga, "/round status")
    joined = await in_group(world, olga, f"/round link {code}", admin=True)
    assert "This group is now part of Riverside" in joined
    reuse = await world.event(
        IncomingText(
            PersonRef("telegram", "8"),
            Address("telegram", "-200"),
            f"/round link {code}",
            chat_admin=True,
        )
    )
    assert "unknown, used or expired" in texts(reuse)
    # Olga now leads the community from either chat.
    assert "Round 1" not in await in_group(world, olga, "/round status")
    assert "No rounds yet" in await in_group(world, olga, "/round status")


async def test_take_part_link_enrols_and_a_round_covers_both_chats(world: World) -> None:
    code = (await world.command("lead", "/round link"))[0].text.split("/round link ")[1][:8]
    olga = PersonRef("telegram", "7", "Olga")
    await in_group(world, olga, f"/round link {code}", admin=True)
    pat = PersonRef("telegram", "9", "Pat")
    dm = Address.dm(pat)
    enrolled = await world.event(IncomingJoin(pat, dm, await join_code(world)))
    assert "You take part in Riverside" in texts(enrolled)
    replies = await world.command("lead", "/round open")
    announcements = [m for m in replies if not m.to.direct]
    assert {m.to for m in announcements} == {CHANNEL, GROUP}
    assert all(m.join_code == announcements[0].join_code for m in announcements)
    invited = sorted((m.to.platform, m.to.chat_id) for m in replies if m.to.direct)
    # Olga linked the group, so she leads (and takes part); Pat enrolled by the link.
    assert invited == [("telegram", "7"), ("telegram", "9"), ("test", "ALICE"), ("test", "LEAD")]
    status = await in_group(world, olga, "/round status", admin=True)
    assert "Invited 4" in status
    await answer_all(world, "alice", ["3"] * 9)
    await answer_all(world, "lead", ["3"] * 9)
    await world.event(IncomingText(pat, dm, "start"))
    for _ in range(9):
        await world.event(IncomingText(pat, dm, "4"))
    await world.event(IncomingText(pat, dm, "submit"))
    closing = [m for m in await world.command("lead", "/round close") if not m.to.direct]
    assert {m.to for m in closing} == {CHANNEL, GROUP}
    assert all("3 of 4 completed" in m.text and m.attachment for m in closing)


async def test_late_take_part_joins_the_open_round(world: World) -> None:
    await world.command("lead", "/round open")
    sam = PersonRef("telegram", "11", "Sam")
    replies = await world.event(IncomingJoin(sam, Address.dm(sam), await join_code(world)))
    assert "You take part" in texts(replies) and "Start" in texts(replies)
    bad = await world.event(IncomingJoin(sam, Address.dm(sam), "not-a-code"))
    assert "does not work any more" in texts(bad)


async def test_unreachable_people_are_counted_until_they_write_again(world: World) -> None:
    world.platform.blocked.add(Address.dm(person("alice")))
    await world.command("lead", "/round open")  # her invitation cannot be delivered
    assert "1 could not be reached" in texts(await world.command("lead", "/round status"))
    world.platform.blocked.clear()  # she unblocks the bot and writes to it
    await world.say("alice", "hello")
    assert "could not be reached" not in texts(await world.command("lead", "/round status"))
