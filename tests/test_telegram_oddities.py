"""Odd Telegram data, from real payload shapes (adapters/telegram/fixtures/): names that are
long, invisible or a deleted account's; people who blocked the bot; groups that become
supergroups; leads who do not exist or are not in the group. The real python-telegram-bot
against the fake Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.telegram.fake import (
    JSON,
    FakeTelegram,
    RunningBot,
    admin,
    buttons,
    chat_member,
    fixture,
    running_bot,
    user,
)
from bot.model import ChatRef
from bot.platform_text import PERSON_NAME_CHARS

GROUP = -1001876543210
LEAD = user(211000001, "Lena", "Okafor")
AMIR = user(211000010, "Amir")
OLD_GROUP, NEW_GROUP = -4012345678, -1001987654321  # a group, and the supergroup it became


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    for group in (GROUP, OLD_GROUP, NEW_GROUP):
        server.admins[group] = [admin(LEAD, owner=True)]
    try:
        yield server
    finally:
        await server.stop()


async def set_up(bot: RunningBot, group: int = GROUP) -> str:
    """The lead sets the group up and starts a chat with the bot; the Take part code."""
    await bot.say(LEAD, "/start")
    await bot.say(LEAD, "/round setup Riverside", group=group)
    (take_part,) = list(buttons(bot.fake.last_message(group)))
    return str(take_part["url"]).split("?start=")[1]


async def test_odd_names_enrol_and_a_deleted_account_is_only_unreachable(
    fake: FakeTelegram, database_url: str
) -> None:
    long_name, blank_name, deleted = fixture("odd_users")
    async with running_bot(fake, database_url) as bot:
        code = await set_up(bot)
        for person in (long_name, blank_name, deleted, AMIR):
            await bot.say(person, f"/start {code}")
            assert "You take part in Riverside" in fake.messages(person["id"])[0]["text"]
        async with bot.storage.transaction() as repo:
            names = {
                p.platform_user_id: p.display_name
                for p, _ in await repo.members(1)
                if p.platform_user_id != str(LEAD["id"])
            }
        long_kept = names[str(long_name["id"])]
        assert long_kept.startswith("Aleksandra-Aleksandra-") and long_kept.endswith("…")
        assert len(long_kept) == PERSON_NAME_CHARS
        assert not any(c in long_kept for c in "\u202e\u200b\n\t")
        assert names[str(blank_name["id"])] == "@quiet_one"  # the name shows as nothing
        assert names[str(deleted["id"])] == "Deleted Account"
        fake.deactivated.add(deleted["id"])
        await bot.say(LEAD, "/round open", group=GROUP)
        for person in (long_name, blank_name, AMIR):
            assert fake.last_message(person["id"])["text"].startswith("Hello!")
        await bot.say(LEAD, "/round status", group=GROUP)
        status = fake.last_message(LEAD["id"])["text"]
        assert "Invited 5" in status and "1 could not be reached" in status


async def test_a_group_that_becomes_a_supergroup_keeps_its_community(
    fake: FakeTelegram, database_url: str
) -> None:
    async with running_bot(fake, database_url) as bot:
        await set_up(bot, OLD_GROUP)
        await bot.say(LEAD, "/round open", group=OLD_GROUP)
        for update in bot.updates.migration(OLD_GROUP, NEW_GROUP, LEAD):
            await bot.deliver(update)
        async with bot.storage.transaction() as repo:
            assert await repo.community_for_chat(ChatRef("telegram", str(OLD_GROUP))) is None
            community = await repo.community_for_chat(ChatRef("telegram", str(NEW_GROUP)))
        assert community is not None and community.chats == (ChatRef("telegram", str(NEW_GROUP)),)
        await bot.say(LEAD, "/round close anyway", group=NEW_GROUP)
        closing = fake.messages(NEW_GROUP)[0]
        assert "is closed" in (closing.get("caption") or closing["text"])


async def test_a_post_to_a_group_that_became_a_supergroup_follows_it(
    fake: FakeTelegram, database_url: str
) -> None:
    async with running_bot(fake, database_url) as bot:
        await set_up(bot, OLD_GROUP)
        fake.migrated[OLD_GROUP] = NEW_GROUP  # upgraded while a command was on its way
        await bot.say(LEAD, "/round open", group=OLD_GROUP)
        announcement = fake.last_message(NEW_GROUP)
        assert announcement["text"].startswith("Round 1")
        async with bot.storage.transaction() as repo:
            community = await repo.community_for_chat(ChatRef("telegram", str(NEW_GROUP)))
        assert community is not None and community.name == "Riverside"


def group_members(fake: FakeTelegram, *members: JSON) -> None:
    fake.members[GROUP] = {m["user"]["id"]: m for m in members}


@pytest.mark.parametrize(
    ("named", "why"),
    [
        ("telegram:-1", "a chat, not a person"),
        ("telegram:211000099", "nobody Telegram knows in the group"),
        ("telegram:211000011", "left the group"),
        ("telegram:211000012", "removed from the group"),
        ("telegram:7000000002", "a bot"),
        ("slack:UNOBODY", "no Slack channel in this community"),
        ("telegram:" + "9" * 70, "not an id"),
    ],
)
async def test_a_new_lead_must_exist_and_be_in_the_group(
    fake: FakeTelegram, database_url: str, named: str, why: str
) -> None:
    bot_user = {"id": 7000000002, "is_bot": True, "first_name": "Other", "username": "other_bot"}
    group_members(
        fake,
        chat_member(AMIR),
        chat_member(user(211000011, "Bea"), "left"),
        chat_member(user(211000012, "Cal"), "kicked"),
        chat_member(bot_user),
    )
    async with running_bot(fake, database_url) as bot:
        await set_up(bot)
        await bot.say(LEAD, f"/round leads add {named}", group=GROUP)
        assert "nobody was added" in fake.last_message(LEAD["id"])["text"] or (
            "Say whom to add" in fake.last_message(LEAD["id"])["text"]
        ), why
        async with bot.storage.transaction() as repo:
            people = [p.key for p, _ in await repo.members(1)]
        assert people == [f"telegram:{LEAD['id']}"], why
        # The real lead cannot leave the community to a lead who does not exist.
        await bot.say(LEAD, f"/round leads remove telegram:{LEAD['id']}", group=GROUP)
        assert "at least one lead" in fake.last_message(LEAD["id"])["text"]


async def test_a_member_of_the_group_becomes_a_lead(fake: FakeTelegram, database_url: str) -> None:
    group_members(fake, chat_member(AMIR))
    async with running_bot(fake, database_url) as bot:
        await set_up(bot)
        await bot.say(LEAD, f"/round leads add telegram:{AMIR['id']}", group=GROUP)
        assert "Amir is now a lead of Riverside" in fake.last_message(GROUP)["text"]
        (asked,) = fake.called("getChatMember")
        assert asked.params == {"chat_id": GROUP, "user_id": AMIR["id"]}
