"""Every HTTP endpoint a platform posts to, fed what no platform sends: missing fields, wrong
types, invalid UTF-8, JSON nested beyond reason, bodies too big, and requests without a valid
signature. Each gets a 4xx and at most one calm log line (never its body), the bot stays up,
and nothing is stored. (The web pages' own malformed input is in tests/test_web.py.)"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator

import aiohttp
import pytest
from support import stored_rows

from adapters.slack.fake import (
    BOT_USER,
    SIGNING_SECRET,
    FakeSlack,
    RunningBot,
    SlackSends,
    bot_settings,
    fixture,
    running_bot,
    sign,
)
from adapters.slack.sender import Pacer
from adapters.telegram.fake import WEBHOOK_SECRET, FakeTelegram
from adapters.telegram.fake import running_bot as running_telegram

FORM = "application/x-www-form-urlencoded"
SECRET_COMMENT = "the-board-ignores-us-xq7"  # what someone wrote: must never reach a log
DEEP = 200_000


@pytest.fixture
async def slack(database_url: str) -> AsyncIterator[tuple[RunningBot, SlackSends]]:
    fake = FakeSlack()
    fake.add_user("U1", "ann")
    fake.join("C1", "U1", BOT_USER)
    await fake.start()
    settings = bot_settings(database_url, fake.url)
    try:
        async with (
            running_bot(settings, Pacer.off()) as bot,
            aiohttp.ClientSession() as session,
        ):
            sends = SlackSends(fake, bot.url, session)
            assert await sends.command("U1", "/round setup Riverside") == 200
            await bot.settle()
            yield bot, sends
    finally:
        await fake.stop()


async def post(sends: SlackSends, body: bytes, content_type: str, signed: bool = True) -> int:
    headers = {"Content-Type": content_type}
    if signed:  # over the exact bytes, as Slack signs
        stamp = int(time.time())
        base = b"v0:" + str(stamp).encode() + b":" + body
        digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
        headers |= {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": str(stamp)}
    async with sends.session.post(
        f"{sends.bot_url}/slack/events", data=body, headers=headers
    ) as response:
        await response.read()
        return response.status


def click(**change: object) -> bytes:
    payload = fixture("block_actions")
    payload["actions"][0]["value"] = "1:lvl:vision:3"
    payload.update(change)
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


async def test_slack_requests_no_one_sent_get_a_4xx_and_change_nothing(
    slack: tuple[RunningBot, SlackSends], caplog: pytest.LogCaptureFixture
) -> None:
    bot, sends = slack
    before = await stored_rows(bot.storage)
    deep = ("[" * DEEP + "]" * DEEP).encode()
    cases: list[tuple[bytes, str, bool, int]] = [
        (b"payload=%7Bnot+json", FORM, True, 400),
        ("payload=\udcff".encode("utf-8", "surrogateescape"), FORM, True, 400),
        (b"\xff\xfe\xfa", "application/json", True, 400),
        (b"{broken", "application/json", True, 400),
        (b"[1, 2, 3]", "application/json", True, 400),
        (b"null", "application/json", True, 400),
        (deep, "application/json", True, 400),
        (urllib.parse.urlencode({"payload": deep[: DEEP // 2].decode()}).encode(), FORM, True, 400),
        (click(user=None), FORM, True, 400),
        (click(user={"name": "no id"}), FORM, True, 400),
        (b'{"type": "event_callback", "event": []}', "application/json", True, 400),
        (b"command=%2Fround&text=open", FORM, True, 400),  # a command without its ids
        (click(), FORM, False, 401),
        (b"payload=%7Bnot+json", FORM, False, 401),
    ]
    for body, content_type, signed, expected in cases:
        assert await post(sends, body, content_type, signed) == expected, body[:60]
    # A non-numeric timestamp, and a stale one, are not Slack's either.
    for stamp in ("soon", str(int(time.time()) - 3600)):
        headers = {"Content-Type": FORM, **sign("x=1", 0), "X-Slack-Request-Timestamp": stamp}
        async with sends.session.post(
            f"{sends.bot_url}/slack/events", data=b"x=1", headers=headers
        ) as response:
            assert response.status == 401
    huge = b"payload=" + b"x" * (2 * 1024 * 1024)
    assert await post(sends, huge, FORM) == 413
    assert await stored_rows(bot.storage) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    async with sends.session.get(f"{sends.bot_url}/healthz") as health:
        assert health.status == 200  # still up


async def test_refused_slack_requests_are_logged_in_one_line_without_their_body(
    slack: tuple[RunningBot, SlackSends], caplog: pytest.LogCaptureFixture
) -> None:
    _bot, sends = slack
    for name in ("adapters", "bot", "slack_bolt", "slack_sdk"):  # the bot's and Slack's own
        caplog.set_level(logging.DEBUG, logger=name)
    body = click(message={"text": SECRET_COMMENT}) + b"x" * 100_000
    old_secret = sign(body.decode(), int(time.time()), secret="the-secret-before-rotation")
    for _ in range(20):  # a rotated signing secret, or someone filling the disk
        async with sends.session.post(
            f"{sends.bot_url}/slack/events",
            data=body,
            headers={"Content-Type": FORM, **old_secret},
        ) as response:
            assert response.status == 401
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and "bad signature" in refused[0].getMessage()
    assert SECRET_COMMENT not in caplog.text
    assert sum(len(r.getMessage()) for r in caplog.records) < 10_000


async def test_the_telegram_webhook_refuses_what_telegram_never_sends(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTelegram()
    await fake.start()
    try:
        async with (
            running_telegram(fake, database_url, webhook=True) as bot,
            aiohttp.ClientSession() as session,
        ):
            before = await stored_rows(bot.storage)
            url = f"http://127.0.0.1:{bot.web.port}/telegram/webhook"
            headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            cases = [
                ("[" * DEEP + "]" * DEEP).encode(),
                b"not json",
                b"\xff\xfe",
                b"[1]",
                b"null",
                b'{"message": {"text": "no update id"}}',
                b'{"update_id": "7"}',
            ]
            for body in cases:
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 400, body[:40]
            async with session.post(
                url, data=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=headers
            ) as response:
                assert response.status == 413
            assert await bot.healthz() == 200
            assert await stored_rows(bot.storage) == before
    finally:
        await fake.stop()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len([r for r in caplog.records if "were not updates" in r.getMessage()]) == 1
