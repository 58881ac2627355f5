"""Operating the bot: no secret or answer in any log at DEBUG, health and metrics, and a clean
stop on SIGTERM that a restart resumes from."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from test_slack import LEAD, SCRIPTS, Slack, answer_round, settings_for, slack_world

from adapters.logs import JsonFormatter, configure
from adapters.slack.fake import SIGNING_SECRET, TOKEN, FakeSlack, SlackSends, running_bot
from adapters.slack.sender import Pacer

COMMENTS = ["Our shared vision lives in a drawer.", "Funding ends in March & nobody knows."]


class Captured(logging.Handler):
    """Every record that reaches the root logger, formatted as it would be written."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    slack_world(fake)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def test_a_whole_round_at_debug_logs_no_secret_and_no_answer(
    fake: FakeSlack, database_url: str
) -> None:
    configure("DEBUG", "json")
    captured = Captured()
    logging.getLogger().addHandler(captured)
    try:
        async with (
            running_bot(settings_for(database_url, fake), Pacer.off()) as bot,
            aiohttp.ClientSession() as session,
        ):
            slack = Slack(fake, bot, SlackSends(fake, bot.url, session))
            await slack.open_round()
            await slack.step("U1", "Start", "1/9 · Vision")
            for number, comment in enumerate(COMMENTS, start=2):
                await slack.step("U1", "3", f"{number}/9 ·")
                after = fake.seq
                assert await slack.sends.say("U1", comment) == 200
                await fake.wait_for_text("DU1", "Comment saved", after)
            for number in range(4, 11):
                await slack.step("U1", "2", f"{number}/9 ·" if number < 10 else "Nearly done")
            await slack.step("U1", "Submit", "Thank you!")
            await answer_round(slack, "U2", SCRIPTS["U2"])
            await slack.sends.post("{}", "application/json", secret="wrong-secret")
    finally:
        logging.getLogger().removeHandler(captured)
        configure("WARNING")
    text = "\n".join(captured.lines)
    assert len(captured.lines) > 20  # DEBUG really was on: the bot said plenty
    for secret in (TOKEN, SIGNING_SECRET, database_url.split("@")[0].split(":")[-1] or "x"):
        if len(secret) > 3:
            assert secret not in text, secret
    for comment in COMMENTS:
        assert comment not in text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    try:
        async with session.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientError:
        return 0, ""


async def _until_healthy(session: aiohttp.ClientSession, base: str) -> None:
    async def poll() -> None:
        # Another process starting up: nothing to await but its port, so poll (bounded).
        while (await _get(session, f"{base}/healthz"))[0] != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout=30)


async def test_health_metrics_and_a_clean_stop_on_sigterm(fake: FakeSlack, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ops.db'}",
        "LOG_FORMAT": "json",
    }
    base = f"http://127.0.0.1:{port}"

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    async with aiohttp.ClientSession() as session:
        bot = await start()
        try:
            await _until_healthy(session, base)
            assert (await _get(session, f"{base}/readyz"))[0] == 200
            sends = SlackSends(fake, base, session)
            assert await sends.command(LEAD, "/round setup Riverside") == 200
            await fake.wait_for_text("C1", "Riverside is set up")
            status, metrics = await _get(session, f"{base}/metrics")
            assert status == 200
            assert 'maturity_handler_seconds_count{kind="text"} 1.0' in metrics
            assert 'maturity_messages_sent_total{platform="slack"} 1.0' in metrics
            assert "maturity_open_rounds 0.0" in metrics
        finally:
            bot.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(bot.communicate(), timeout=30)
        assert bot.returncode == 0, err.decode()[-2000:]
        assert b"Traceback" not in err
        # A restart resumes from the database: the community is still there.
        again = await start()
        try:
            await _until_healthy(session, base)
            sends = SlackSends(fake, base, session)
            after = fake.seq
            assert await sends.command(LEAD, "/round setup Other") == 200
            await fake.wait_for_text("C1", "already set up as Riverside", after)
        finally:
            again.send_signal(signal.SIGTERM)
            await asyncio.wait_for(again.communicate(), timeout=30)
        assert again.returncode == 0


async def test_a_telegram_round_at_debug_logs_no_token_secret_or_comment(
    database_url: str,
) -> None:
    from test_telegram import GROUP, LEAD, enrol, set_up
    from test_telegram import PEOPLE as MEMBERS
    from test_telegram import answer_round as answer_on_telegram

    from adapters.telegram.fake import TOKEN as TELEGRAM_TOKEN
    from adapters.telegram.fake import WEBHOOK_SECRET, FakeTelegram, admin
    from adapters.telegram.fake import running_bot as telegram_bot

    server = FakeTelegram()
    await server.start()
    server.admins[GROUP] = [admin(LEAD, owner=True)]
    configure("DEBUG", "json")
    captured = Captured()
    logging.getLogger().addHandler(captured)
    try:
        async with telegram_bot(server, database_url, webhook=True) as bot:
            code = await set_up(bot)
            await enrol(bot, MEMBERS[:2], code)
            await bot.say(LEAD, "/round open", group=GROUP)
            await bot.press(MEMBERS[0], "Start")
            await bot.press(MEMBERS[0], "3")
            await bot.say(MEMBERS[0], COMMENTS[0])
            assert "Comment saved" in server.last_message(MEMBERS[0]["id"])["text"]
            await answer_on_telegram(bot, MEMBERS[1], 0)  # a whole round's worth of updates
    finally:
        logging.getLogger().removeHandler(captured)
        configure("WARNING")
        await server.stop()
    text = "\n".join(captured.lines)
    assert len(captured.lines) > 10
    assert TELEGRAM_TOKEN not in text and TELEGRAM_TOKEN.split(":")[1] not in text
    assert WEBHOOK_SECRET not in text and COMMENTS[0] not in text


async def test_readyz_says_503_until_every_check_passes() -> None:
    from adapters.http import WebServer

    server = WebServer("127.0.0.1", 0)
    ready = {"database": False}

    async def database() -> bool:
        return ready["database"]

    async def broken() -> bool:
        raise RuntimeError("cannot tell")

    server.add_check(database)
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        async with aiohttp.ClientSession() as session:
            assert (await _get(session, f"{base}/readyz"))[0] == 503
            ready["database"] = True
            assert (await _get(session, f"{base}/readyz"))[0] == 200
            server.add_check(broken)  # a check that fails loudly counts as not ready
            assert (await _get(session, f"{base}/healthz"))[0] == 503
            status, metrics = await _get(session, f"{base}/metrics")
            assert status == 200 and "maturity_messages_sent" in metrics
    finally:
        await server.stop()
