"""One community across Slack and Telegram, in one running bot: both real libraries, both fakes
over loopback HTTP. A Slack lead links a Telegram group; a round then covers both."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.platform import AdapterContext, PlatformAdapter
from adapters.slack.adapter import SlackAdapter
from adapters.slack.fake import SIGNING_SECRET, TEST_ACK_BUDGET, FakeSlack, SlackSends
from adapters.slack.fake import TOKEN as SLACK_TOKEN
from adapters.slack.sender import Pacer
from adapters.slack.settings import SlackSettings
from adapters.telegram.fake import (
    JSON,
    AdapterFactory,
    FakeTelegram,
    RunningBot,
    admin,
    running_bot,
    user,
)

GROUP = -1009000000001
OLGA = user(311000001, "Olga")  # administers the Telegram group
TELEGRAM_PEOPLE = [user(311000002, "Pat"), user(311000003, "Quinn")]
SLACK_LEAD, SLACK_PERSON = "ULEAD", "U1"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_user(SLACK_LEAD, "lee", "Lee Lead")
    fake.add_user(SLACK_PERSON, "ash", "Alice Ash")
    fake.join("C1", SLACK_LEAD, SLACK_PERSON)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.admins[GROUP] = [admin(OLGA, owner=True)]
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def slack_adapter(fake: FakeSlack) -> AdapterFactory:
    def make(context: AdapterContext) -> PlatformAdapter:
        settings = SlackSettings(SLACK_TOKEN, SIGNING_SECRET, api_url=fake.url)
        adapter = SlackAdapter(settings, context.dispatch, context.http, pacer=Pacer.off())
        adapter.ack_budget = TEST_ACK_BUDGET
        return adapter

    return make


async def telegram_answers(bot: RunningBot, person: JSON, level: str) -> None:
    await bot.press(person, "Start")
    for _ in range(9):
        await bot.press(person, level)
    await bot.press(person, "Submit")


async def slack_answers(slack: FakeSlack, sends: SlackSends, user_id: str) -> None:
    steps = [("Start", "1/9 ·")] + [("2", f"{n}/9 ·") for n in range(2, 10)]
    for label, expect in [*steps, ("2", "Nearly done"), ("Submit", "Thank you!")]:
        after = slack.seq
        assert await sends.click(user_id, label) == 200
        await slack.wait_for_text(f"D{user_id}", expect, after)


def seen(fake: FakeTelegram, chat: int, text: str) -> bool:
    return any(text in (m.get("text") or "") for m in fake.messages(chat))


async def test_a_round_across_slack_and_telegram(
    slack: FakeSlack, telegram: FakeTelegram, database_url: str
) -> None:
    async with (
        running_bot(telegram, database_url, also=slack_adapter(slack)) as bot,
        aiohttp.ClientSession() as session,
    ):
        sends = SlackSends(slack, f"http://127.0.0.1:{bot.web.port}", session)
        assert await sends.command(SLACK_LEAD, "/round setup Riverside", "C1") == 200
        await slack.wait_for_text("C1", "Riverside is set up")
        after = slack.seq
        assert await sends.command(SLACK_LEAD, "/round link", "C1") == 200
        linked = await slack.wait_for_text("C1", "/round link ", after)
        code = str(linked.args["text"]).split("/round link ", 1)[1].split()[0]

        await bot.say(OLGA, f"/round link {code}", group=GROUP)
        joined = telegram.last_message(GROUP)
        assert "This group is now part of Riverside" in joined["text"]
        take_part = joined["reply_markup"]["inline_keyboard"][0][0]["url"]
        for person in TELEGRAM_PEOPLE:
            await bot.say(person, "/start " + take_part.split("start=", 1)[1])

        after = slack.seq
        assert await sends.command(SLACK_LEAD, "/round open", "C1") == 200
        await slack.wait_for_text("C1", "is open until", after)
        invited = [OLGA["id"], *(p["id"] for p in TELEGRAM_PEOPLE)]
        await telegram.wait_for(
            lambda: (
                seen(telegram, GROUP, "is open until")
                and all(seen(telegram, chat, "Hello!") for chat in invited)
            )
        )
        for user_id in (SLACK_LEAD, SLACK_PERSON):
            await slack.wait_for_text(f"D{user_id}", "Hello!", after)

        for person in TELEGRAM_PEOPLE:
            await telegram_answers(bot, person, "4")
        await slack_answers(slack, sends, SLACK_PERSON)

        await bot.say(OLGA, "/round status", group=GROUP)
        status = telegram.last_message(OLGA["id"])["text"]
        assert "Invited 5 · completed 3" in status  # two Slack people, three Telegram people

        after, before = slack.seq, len(telegram.messages(GROUP))
        await bot.say(OLGA, "/round close", group=GROUP)
        await slack.wait_for(lambda: slack.calls_to("files.completeUploadExternal") or None)
        summary = telegram.messages(GROUP)[before:]
        assert "photo" in summary[0]
        assert "closed: 3 of 5 completed" in summary[0]["caption"]
