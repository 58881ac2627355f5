"""PostgreSQL out of reach in the middle of a round: the bot reaches it through a TCP proxy the
test drops (every connection cut, new ones refused) and restores. Whoever acts meanwhile is
told at once that nothing was changed and to try again; no answer stored before is lost; once
the database is back, trying again works."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from conftest import exclusive_postgres, postgres_url
from sqlalchemy.engine import make_url
from support import World, answer_all, assemble_world, make_world, texts

from bot.app import SORRY
from storage import open_storage

pytestmark = pytest.mark.postgres


class Proxy:
    """A TCP proxy on 127.0.0.1 to the database, which can be cut and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.up = True
        self.links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        upstream_reader, upstream = await asyncio.open_connection(*self.target)
        self.links |= {writer, upstream}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, upstream), pipe(upstream_reader, writer))

    def cut(self) -> None:
        """The database is gone: every connection dropped, new ones refused."""
        self.up = False
        for link in self.links:
            link.transport.abort()
        self.links.clear()

    def restore(self) -> None:
        self.up = True

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@asynccontextmanager
async def behind_a_proxy() -> AsyncIterator[tuple[Proxy, str]]:
    """The test database to itself, reached through a Proxy: (the proxy, the URL through it)."""
    url = postgres_url()
    async with exclusive_postgres(url):
        target = make_url(url)
        proxy = Proxy(target.host or "127.0.0.1", target.port or 5432)
        await proxy.start()
        through = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        try:
            yield proxy, through
        finally:
            await proxy.stop()


@pytest.fixture
async def world() -> AsyncIterator[tuple[World, Proxy]]:
    async with behind_a_proxy() as (proxy, through):
        storage = await open_storage(through)
        try:
            world = await make_world(storage)
            world.join("lead", "alice", "bob", "carol")
            await world.command("lead", "/round setup Riverside")
            await world.command("lead", "/round open")
            yield world, proxy
        finally:
            await storage.close()


async def answers(world: World) -> int:
    async with world.storage.transaction() as repo:
        return len(await repo.answers(1))


async def test_out_of_reach_for_a_while_nothing_is_lost_and_trying_again_works(
    world: tuple[World, Proxy],
) -> None:
    bot, proxy = world
    await answer_all(bot, "alice", ["3"] * 9)
    await bot.press("bob", "Start")
    await bot.press("bob", "2")
    stored = await answers(bot)
    assert stored == 10
    proxy.cut()
    for _ in range(3):  # presses while the database is out of reach
        replies = await bot.press("bob", "3")
        assert [m.text for m in replies] == [SORRY]  # said at once, not left to the outbox
        assert "nothing was changed" in texts(replies)
    await bot.command("lead", "/round status")  # a lead command too: the same apology
    assert bot.platform.sent[-1].text == SORRY
    proxy.restore()
    for _ in range(3):  # a pooled connection may have died with the proxy: try again
        replies = await bot.press("bob", "3")
        if replies and replies[0].text != SORRY:
            break
    assert "✓ Collaboration: 3" in texts(replies)
    assert await answers(bot) == stored + 1  # everything from before, and the new one
    bot.assembly = await assemble_world(
        bot.settings, bot.storage, bot.clock, bot.directory, bot.platform
    )
    assert "3/9 · Accountability" in texts(await bot.say("bob", "continue"))


async def test_an_outage_is_logged_once_without_tracebacks(
    world: tuple[World, Proxy], caplog: pytest.LogCaptureFixture
) -> None:
    bot, proxy = world
    await bot.press("bob", "Start")
    proxy.cut()
    with caplog.at_level(logging.INFO):
        for _ in range(4):
            assert [m.text for m in await bot.press("bob", "3")] == [SORRY]
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.exc_info is None for r in logged)
    said = [r.name for r in logged if "database is out of reach" in r.getMessage()]
    assert sorted(said) == sorted(set(said)) and "bot.app" in said  # once each, not per press
    assert len(logged) == len(said)
