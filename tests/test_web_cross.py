"""One round across Slack, Telegram and the web: two Slack people, three Telegram people and
two people added by email, each on their own platform through its real library (or a real
browser's HTTP), then closed. The summary counts everyone, and each web participant's email
holds the chart."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from test_telegram_cross import (
    GROUP,
    OLGA,
    SLACK_LEAD,
    SLACK_PERSON,
    TELEGRAM_PEOPLE,
    seen,
    slack_adapter,
    slack_answers,
    telegram_answers,
)
from test_web_email import chart_of
from web_world import Browser, link_in, plain, smtp_settings

from adapters.platform import AdapterContext, PlatformAdapter
from adapters.slack.fake import FakeSlack, SlackSends
from adapters.telegram.fake import AdapterFactory, FakeTelegram, running_bot
from adapters.web.adapter import WebAdapter
from adapters.web.mailbox import Mailbox

pytest_plugins = ["test_telegram_cross"]
WEB_PEOPLE = ("ana@example.org", "ben@example.org")


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox()
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


def web_adapter(box: Mailbox) -> AdapterFactory:
    def make(context: AdapterContext) -> PlatformAdapter:
        return WebAdapter(smtp_settings(box, "https://assess.example.org"), context)

    return make


async def test_one_round_across_slack_telegram_and_the_web(
    slack: FakeSlack, telegram: FakeTelegram, mailbox: Mailbox, database_url: str
) -> None:
    also = [slack_adapter(slack), web_adapter(mailbox)]
    async with (
        running_bot(telegram, database_url, also=also) as bot,
        aiohttp.ClientSession() as session,
    ):
        base = f"http://127.0.0.1:{bot.web.port}"
        sends = SlackSends(slack, base, session)
        browser = Browser(session, base, bot.drain)
        assert await sends.command(SLACK_LEAD, "/round setup Riverside", "C1") == 200
        await slack.wait_for_text("C1", "Riverside is set up")
        after = slack.seq
        assert await sends.command(SLACK_LEAD, "/round link", "C1") == 200
        linked = await slack.wait_for_text("C1", "/round link ", after)
        code = str(linked.args["text"]).split("/round link ", 1)[1].split()[0]
        await bot.say(OLGA, f"/round link {code}", group=GROUP)
        take_part = telegram.last_message(GROUP)["reply_markup"]["inline_keyboard"][0][0]["url"]
        for person in TELEGRAM_PEOPLE:
            await bot.say(person, "/start " + take_part.split("start=", 1)[1])
        # Slack sends typed addresses as links (<mailto:...|...>) when escaping is on
        people = f"/round people add <mailto:{WEB_PEOPLE[0]}|{WEB_PEOPLE[0]}>, {WEB_PEOPLE[1]}"
        after = slack.seq
        assert await sends.command(SLACK_LEAD, people, "C1") == 200
        added = await slack.wait_for_text("C1", "Added 2 people to Riverside", after)
        assert added.args.get("user") == SLACK_LEAD  # only the lead sees the addresses

        after = slack.seq
        assert await sends.command(SLACK_LEAD, "/round open", "C1") == 200
        await slack.wait_for_text("C1", "is open until", after)
        await mailbox.wait_for(2)
        await telegram.wait_for(
            lambda: all(seen(telegram, p["id"], "Hello!") for p in TELEGRAM_PEOPLE)
        )
        for person in TELEGRAM_PEOPLE:
            await telegram_answers(bot, person, "4")
        await slack.wait_for_text(f"D{SLACK_PERSON}", "Hello!", after)
        await slack_answers(slack, sends, SLACK_PERSON)
        for address in WEB_PEOPLE:
            done = await browser.answer_round(link_in(mailbox.to(address)[0]), "3")
            assert "Your answers are in." in done.text

        await bot.say(OLGA, "/round status", group=GROUP)
        status = telegram.last_message(OLGA["id"])["text"]
        assert "Invited 7 · completed 5" in status  # 2 Slack, 3 Telegram, 2 web; 5 finished

        before = len(telegram.messages(GROUP))
        await bot.say(OLGA, "/round close", group=GROUP)
        await mailbox.wait_for(4)
        summary = telegram.messages(GROUP)[before:]
        assert "photo" in summary[0]
        assert "closed: 5 of 7 completed" in summary[0]["caption"]
        for address in WEB_PEOPLE:
            emailed = mailbox.to(address)[-1]
            assert "closed: 5 of 7 completed" in plain(emailed)
            _html, png = chart_of(emailed)
            assert png.startswith(b"\x89PNG")
