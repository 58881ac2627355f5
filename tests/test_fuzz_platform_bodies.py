"""What Slack and Telegram post to the bot, fuzzed from their real fixtures (issue 21, defect
8): fields dropped and retyped at any depth, then signed as the platform signs (Slack's HMAC,
Telegram's secret token). Whatever a body lacks or has mistyped, the answer is never a 5xx,
nothing is logged as an error, and the bot stays up.

Bounded and repeatable: the "ci" Hypothesis profile (tests/conftest.py) draws a fixed set of
examples; HYPOTHESIS_PROFILE=deep searches at random for longer.
"""

from __future__ import annotations

import copy
import json
import logging
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.slack.fake import (
    BOT_USER,
    FakeSlack,
    RunningBot,
    SlackSends,
    bot_settings,
    fixture,
    running_bot,
)
from adapters.slack.sender import Pacer
from adapters.telegram.fake import WEBHOOK_SECRET, FakeTelegram
from adapters.telegram.fake import RunningBot as TelegramBot
from adapters.telegram.fake import fixture as telegram_fixture
from adapters.telegram.fake import running_bot as running_telegram

JSON = Any
FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
# Each example is a real HTTP request through the whole bot: fewer of them than pure fuzzing.
OVER_HTTP = settings(max_examples=max(15, settings.default.max_examples // 3))

SLACK_EVENTS = ("message_im", "channel_id_changed", "app_home_opened", "url_verification")
SLACK_EVENTS += ("message_channel_convert_to_private",)
TELEGRAM_UPDATES = ("private_text", "private_start", "group_command", "callback_query")
TELEGRAM_UPDATES += ("chat_member_left", "migrate_to_chat_id", "migrate_from_chat_id")

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", "U1", "D1", "C1", "1:lvl:vision:3", "/round status", "/start"]),
    st.just([]),
    st.just({}),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)


def paths(value: JSON, at: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every key and index inside value, outermost first."""
    found: list[tuple[str | int, ...]] = []
    items: list[tuple[str | int, JSON]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, inner in items:
        found.append((*at, key))
        found += paths(inner, (*at, key))
    return found


@st.composite
def damaged(draw: st.DrawFn, original: JSON) -> JSON:
    """The body with one to three of its fields (at any depth) dropped or given another type."""
    body = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        places = paths(body)
        if not places:
            break
        *parents, key = draw(st.sampled_from(places))
        parent = body
        for step in parents:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(ODD_VALUES)
    return body


# Slack


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite alone: the bodies are fuzzed here, not the database (both run everywhere else)."""
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
async def slack(database_url: str) -> AsyncIterator[tuple[RunningBot, SlackSends]]:
    fake = FakeSlack()
    fake.add_user("U123456789", "jane")
    fake.join("C1", "U123456789", BOT_USER)
    await fake.start()
    try:
        async with (
            running_bot(bot_settings(database_url, fake.url), Pacer.off()) as bot,
            aiohttp.ClientSession() as session,
        ):
            yield bot, SlackSends(fake, bot.url, session)
    finally:
        await fake.stop()


def slack_bodies() -> st.SearchStrategy[tuple[str, str]]:
    """(body, content type): an event, a click or a slash command, damaged."""
    events = st.sampled_from(SLACK_EVENTS).flatmap(lambda name: damaged(fixture(name)))
    clicks = damaged(fixture("block_actions")).map(lambda p: {"payload": json.dumps(p)})
    commands = damaged(fixture("slash_command")).map(
        lambda form: {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    )
    return st.one_of(
        events.map(lambda body: (json.dumps(body), "application/json")),
        st.one_of(clicks, commands).map(lambda form: (urllib.parse.urlencode(form), FORM)),
    )


def without(name: str, *keys: str) -> str:
    body = fixture(name)
    for key in keys:
        del body[key]
    return json.dumps(body)


@OVER_HTTP
@given(slack_bodies())
@example((without("message_im", "event_id"), "application/json"))  # was a 500 (defect 8)
@example((json.dumps(fixture("message_im") | {"event_id": 7}), "application/json"))
@example((json.dumps(fixture("channel_id_changed") | {"authorizations": [None]}), JSON_TYPE))
async def test_a_signed_slack_body_with_fields_missing_or_mistyped_never_gets_a_5xx(
    slack: tuple[RunningBot, SlackSends], caplog: pytest.LogCaptureFixture, body: tuple[str, str]
) -> None:
    _bot, sends = slack
    caplog.clear()
    status = await sends.post(*body)
    assert status < 500, (status, body[0][:300])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], body[0][:300]
    async with sends.session.get(f"{sends.bot_url}/healthz") as health:
        assert health.status == 200


async def test_a_signed_event_without_its_event_id_is_refused_and_changes_nothing(
    slack: tuple[RunningBot, SlackSends],
) -> None:
    bot, sends = slack
    assert await sends.post(without("message_im", "event_id"), "application/json") == 400
    assert await sends.say("U123456789", "continue") == 200  # a whole one is still taken
    await bot.settle()


# Telegram


@pytest.fixture
async def telegram(database_url: str) -> AsyncIterator[TelegramBot]:
    fake = FakeTelegram()
    await fake.start()
    try:
        async with running_telegram(fake, database_url, webhook=True) as bot:
            yield bot
    finally:
        await fake.stop()


@OVER_HTTP
@given(st.sampled_from(TELEGRAM_UPDATES).flatmap(lambda name: damaged(telegram_fixture(name))))
@example(telegram_fixture("private_text") | {"message": {"text": 5, "chat": {"id": "x"}}})
async def test_a_telegram_update_with_fields_missing_or_mistyped_never_gets_a_5xx(
    telegram: TelegramBot, caplog: pytest.LogCaptureFixture, update: JSON
) -> None:
    caplog.clear()
    status = await telegram.post(update, WEBHOOK_SECRET)
    assert status < 500, (status, json.dumps(update)[:300])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], json.dumps(update)[:300]
    assert await telegram.healthz() == 200
