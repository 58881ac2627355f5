"""When the platform fails: nothing acknowledged is lost, nothing is posted twice.

The fakes answer 5xx, or no answer at all (a timeout), to everything the bot sends while they
are down. What people do in the meantime is acknowledged once it is stored; what the bot owes
them waits in the outbox and goes out once the platform is back (the bot's clock is moved on
past the retry waits; nothing sleeps).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from support import FakeClock

from adapters.slack.fake import (
    BOT_USER,
    FakeSlack,
    RunningBot,
    SlackSends,
    bot_settings,
    running_bot,
    sign,
)
from adapters.slack.sender import Pacer
from adapters.telegram.fake import FakeTelegram, admin, buttons, user
from adapters.telegram.fake import running_bot as running_telegram
from bot.model import Stage

LEAD = "ULEAD"
PEOPLE = ["U1", "U2", "U3", "U4"]
GROUP = -1001876543210
TG_LEAD = user(211000001, "Lena", "Okafor")
TG_PEOPLE = [user(211000010 + i, name) for i, name in enumerate(["Amir", "Bea", "Cal"])]
LATER = timedelta(minutes=10)  # past every retry wait so far


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    for user_id in [LEAD, *PEOPLE]:
        server.add_user(user_id, user_id.lower())
    server.join("C1", LEAD, *PEOPLE, BOT_USER)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class Bot:
    def __init__(self, fake: FakeSlack, bot: RunningBot, sends: SlackSends, clock: FakeClock):
        self.fake, self.bot, self.sends, self.clock = fake, bot, sends, clock

    async def later(self) -> None:
        """Time passes: every retry is due; the outbox sends what it owes."""
        self.clock.advance(LATER)
        await self.bot.settle()

    def cards(self, user_id: str, text: str) -> int:
        """How many messages to user_id (posted, or edited into) hold text."""
        return sum(1 for m in self.fake.in_channel(f"D{user_id}") if text in m.text)

    def posts(self, text: str) -> int:
        return sum(1 for m in self.fake.in_channel("C1") if text in m.text)


@pytest.fixture
async def slack(fake: FakeSlack, database_url: str) -> AsyncIterator[Bot]:
    clock = FakeClock()
    settings = bot_settings(database_url, fake.url, timeout=0.3)
    async with (
        running_bot(settings, Pacer.off(), clock=clock) as bot,
        aiohttp.ClientSession() as session,
    ):
        yield Bot(fake, bot, SlackSends(fake, bot.url, session), clock)


async def status(slack: Bot) -> str:
    assert await slack.sends.command(LEAD, "/round status") == 200
    await slack.bot.settle()
    (reply,) = [c for c in slack.fake.calls_to("chat.postEphemeral") if "Invited" in c["text"]][-1:]
    return str(reply["text"])


@pytest.mark.parametrize("how", ["5xx", "timeout"])
async def test_invitations_owed_during_an_outage_go_out_once_it_is_over(
    slack: Bot, how: str
) -> None:
    assert await slack.sends.command(LEAD, "/round setup Riverside") == 200
    await slack.bot.settle()
    slack.fake.go_down(how)
    assert await slack.sends.command(LEAD, "/round open for 14 days") == 200  # stored: acked
    await slack.bot.settle()
    assert all(slack.cards(u, "Hello!") == 0 for u in [LEAD, *PEOPLE])
    slack.fake.come_back()
    await slack.later()
    if how == "5xx":  # Slack took nothing: all of it goes now, once
        assert slack.posts("is open until") == 1
    else:  # it may have posted late: never posted twice, and the lead is told
        assert slack.posts("is open until") <= 1
        assert slack.cards(LEAD, "I may not have posted a message") >= 1
    for person in [LEAD, *PEOPLE]:
        assert slack.cards(person, "Hello!") >= 1, person  # timeouts may bring a second copy
    assert "Invited 5" in await status(slack)


async def test_status_counts_invitations_not_yet_delivered(slack: Bot) -> None:
    assert await slack.sends.command(LEAD, "/round setup Riverside") == 200
    await slack.bot.settle()
    slack.fake.go_down("5xx", frozenset({"conversations.open"}))  # no DM can be opened
    assert await slack.sends.command(LEAD, "/round open") == 200
    await slack.bot.settle()
    assert "5 invitations not delivered yet" in await status(slack)
    slack.fake.come_back()
    await slack.later()
    assert "not delivered yet" not in await status(slack)


@pytest.mark.parametrize("how", ["5xx", "timeout"])
async def test_in_the_middle_of_a_round_everyone_gets_their_next_question(
    slack: Bot, how: str
) -> None:
    assert await slack.sends.command(LEAD, "/round setup Riverside") == 200
    assert await slack.sends.command(LEAD, "/round open") == 200
    await slack.bot.settle()
    for person in PEOPLE:
        assert await slack.sends.click(person, "Start") == 200
    await slack.bot.settle()
    slack.fake.go_down(how)
    for person in PEOPLE:  # each answers the first card while Slack is down
        assert await slack.sends.click(person, "3") == 200
    await slack.bot.settle()
    slack.fake.come_back()
    await slack.later()
    for person in PEOPLE:
        assert slack.cards(person, "2/9 · Collaboration") >= 1, person
    async with slack.bot.storage.transaction() as repo:
        answers = await repo.answers(1)
    assert Counter(a.category_id for a in answers) == {"vision": 4}  # stored once each
    posts = [m.text for m in slack.fake.in_channel("C1")]
    assert len(posts) == len(set(posts))  # nothing twice in the channel


async def test_when_slack_cannot_list_the_channel_nothing_opens(slack: Bot) -> None:
    assert await slack.sends.command(LEAD, "/round setup Riverside") == 200
    slack.fake.go_down("5xx", frozenset({"conversations.members"}))
    assert await slack.sends.command(LEAD, "/round open") == 200
    await slack.bot.settle()
    (reply,) = slack.fake.calls_to("chat.postEphemeral")[-1:]
    assert "nothing was changed" in reply["text"]
    async with slack.bot.storage.transaction() as repo:
        assert await repo.latest_round(1) is None


async def test_a_click_the_database_is_too_slow_for_is_not_acknowledged_as_stored(
    fake: FakeSlack, database_url: str
) -> None:
    settings = bot_settings(database_url, fake.url)
    async with (
        running_bot(settings, Pacer.off(), ack_budget=0.0) as bot,
        aiohttp.ClientSession() as session,
    ):
        command = SlackSends(fake, bot.url, session).command_body(LEAD, "/round setup Riverside")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **sign(command, int(time.time())),
        }
        async with session.post(
            f"{bot.url}/slack/events", data=command.encode(), headers=headers
        ) as response:
            assert response.status == 200
            assert "try again" in await response.text()
        async with bot.storage.transaction() as repo:
            assert await repo.list_communities() == []


async def test_a_click_the_database_is_too_slow_for_asks_that_person_to_press_again(
    fake: FakeSlack, database_url: str
) -> None:
    fake.add_user(LEAD, "lee", "Lee Lead")
    fake.join("C1", LEAD)
    settings = bot_settings(database_url, fake.url)
    async with (
        running_bot(settings, Pacer.off()) as bot,
        aiohttp.ClientSession() as session,
    ):
        sends = SlackSends(fake, bot.url, session)
        assert await sends.command(LEAD, "/round setup Riverside") == 200
        assert await sends.command(LEAD, "/round open") == 200
        await bot.settle()
        invitation = fake.last_with(f"D{LEAD}", "Start")
        assert invitation is not None
        bot.adapter.ack_budget = 0.0  # the database is slower than Slack waits
        assert await sends.click(LEAD, "Start") == 200  # a click is never redelivered
        await bot.adapter.drain()
        [apology] = fake.responses
        assert "try again" in apology["text"] and apology["response_type"] == "ephemeral"
        async with bot.storage.transaction() as repo:
            lead = await repo.person("slack", LEAD)
            assert lead is not None
            [participation] = await repo.participations_of(lead.id)
        assert participation.stage is Stage.INVITED  # the click changed nothing
        bot.adapter.ack_budget = 5.0
        assert await sends.click(LEAD, "Start") == 200  # pressed again, it counts
        await bot.settle()
        assert "1/9" in fake.posts(f"D{LEAD}")[-1]["text"]


async def test_telegram_webhook_outage_delays_invitations_and_next_questions(
    database_url: str,
) -> None:
    fake = FakeTelegram()
    await fake.start()
    fake.admins[GROUP] = [admin(TG_LEAD, owner=True)]
    clock = FakeClock()
    try:
        async with running_telegram(
            fake, database_url, webhook=True, bot_clock=clock, call_timeout=0.3
        ) as bot:
            await bot.say(TG_LEAD, "/round setup Riverside", group=GROUP)
            (take_part,) = list(buttons(fake.last_message(GROUP)))
            code = str(take_part["url"]).split("start=", 1)[1]
            for person in TG_PEOPLE:
                await bot.say(person, f"/start {code}")
            fake.go_down("5xx")
            await bot.say(TG_LEAD, "/round open", group=GROUP)  # 200 once stored
            fake.come_back()
            clock.advance(LATER)
            await bot.drain()
            for person in TG_PEOPLE:
                assert any("Hello!" in m.get("text", "") for m in fake.messages(person["id"]))
                await bot.press(person, "Start")
            fake.go_down("timeout")
            for person in TG_PEOPLE:
                message, data = fake.with_button(person["id"], "3")
                assert await bot.post(bot.updates.callback(person, message, data)) == 200
            fake.come_back()
            clock.advance(LATER)
            await bot.drain()
            for person in TG_PEOPLE:
                texts = [m.get("text", "") for m in fake.messages(person["id"])]
                assert any(t.startswith("2/9 · Collaboration") for t in texts), person
            opened = [m for m in fake.messages(GROUP) if "is open until" in m.get("text", "")]
            assert len(opened) == 1
    finally:
        await fake.stop()
