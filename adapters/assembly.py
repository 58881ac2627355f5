"""`maturity-bot run` with chat platforms: the composition root of a running bot.

Builds the database, the core, the configured platform adapters, the HTTP server and the
delivery of outgoing messages, then runs until SIGTERM/SIGINT (or a test's stop event).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

from adapters.delivery import Delivery, Sender
from adapters.http import WebServer
from adapters.metrics import Metrics
from bot.app import MaturityBot
from bot.bootstrap import build, scheduler_for
from bot.config import Settings
from bot.messages import Incoming, IncomingChoice
from bot.model import ChatRef, PersonRef
from bot.ports import MemberDirectory, Storage

if TYPE_CHECKING:
    from storage import SqlStorage

log = logging.getLogger(__name__)


class PlatformAdapter(Protocol):
    """What each platform adapter offers the runner."""

    @property
    def platform(self) -> str: ...
    @property
    def sender(self) -> Sender: ...
    @property
    def directory(self) -> MemberDirectory: ...

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ready(self) -> bool: ...


class Dispatcher:
    """Hands an incoming event to the core and its replies to the delivery. Adapters get this
    before the core exists (the core needs their member directories), hence attach()."""

    def __init__(self) -> None:
        self._bot: MaturityBot | None = None
        self._delivery: Delivery | None = None
        self._metrics: Metrics | None = None

    def attach(self, bot: MaturityBot, delivery: Delivery, metrics: Metrics | None = None) -> None:
        self._bot, self._delivery, self._metrics = bot, delivery, metrics

    async def __call__(self, event: Incoming) -> None:
        assert self._bot is not None and self._delivery is not None, "attach() first"
        started = time.perf_counter()
        replies = await self._bot.handle(event)
        elapsed = time.perf_counter() - started
        kind = "choice" if isinstance(event, IncomingChoice) else "text"
        if self._metrics is not None:
            self._metrics.handler_seconds.labels(kind).observe(elapsed)
        # One line per handled update: ids and timing only, never what anyone wrote.
        log.info(
            "handled %s from %s in %.1f ms",
            kind,
            event.sender.platform,
            elapsed * 1000,
            extra={
                "platform": event.sender.platform,
                "kind": kind,
                "latency_ms": round(elapsed * 1000, 1),
                "replies": len(replies),
            },
        )
        await self._delivery.deliver(replies)


class PlatformDirectory:
    """Asks the adapter of the chat's platform who is in it."""

    def __init__(self, directories: dict[str, MemberDirectory]) -> None:
        self._directories = directories

    async def members(self, chat: ChatRef) -> Sequence[PersonRef] | None:
        directory = self._directories.get(chat.platform)
        return None if directory is None else await directory.members(chat)


def make_adapters(
    settings: Settings, dispatch: Dispatcher, web: WebServer
) -> list[PlatformAdapter]:
    adapters: list[PlatformAdapter] = []
    if settings.slack is not None:
        from adapters.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter(settings.slack, dispatch, web))
    if settings.telegram is not None:
        from adapters.telegram.adapter import TelegramAdapter

        adapters.append(TelegramAdapter(settings.telegram, dispatch, web))
    return adapters


AdapterFactory = Callable[[Dispatcher, WebServer], list[PlatformAdapter]]


@dataclass
class Assembly:
    """A bot put together and started: what serve() runs, and what tests drive."""

    web: WebServer
    storage: SqlStorage
    adapters: list[PlatformAdapter]
    bot: MaturityBot
    delivery: Delivery


@asynccontextmanager
async def assembled(
    settings: Settings, adapters_for: AdapterFactory | None = None, *, schedule: bool = True
) -> AsyncIterator[Assembly]:
    """Build the database, the core, the adapters (those the settings configure, unless
    adapters_for makes them), the HTTP server, the delivery and the scheduler; start them,
    and stop them again in reverse order."""
    from storage import open_storage

    storage = await open_storage(settings.database_url)
    web = WebServer(settings.host, settings.port)
    web.add_check(storage.ping)
    dispatch = Dispatcher()
    adapters = (adapters_for or partial(make_adapters, settings))(dispatch, web)
    directory = PlatformDirectory({a.platform: a.directory for a in adapters})
    running = await build(settings, directory, storage)
    delivery = Delivery(
        {a.platform: a.sender for a in adapters}, running.bot.mark_unreachable, web.metrics
    )
    dispatch.attach(running.bot, delivery, web.metrics)
    web.counts = partial(totals, storage)
    for adapter in adapters:
        web.add_check(adapter.ready)
    scheduler = scheduler_for(running, settings, delivery, directory) if schedule else None
    started: list[PlatformAdapter] = []
    try:
        await web.start()
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
        if scheduler is not None:
            scheduler.start()
        yield Assembly(web, storage, adapters, running.bot, delivery)
    finally:
        if scheduler is not None:
            await scheduler.stop()
        for adapter in reversed(started):
            await adapter.stop()
        await web.stop()
        await storage.close()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until stop is set (or SIGTERM/SIGINT when no event is given)."""
    stop = stop or _stop_on_signals()
    async with assembled(settings) as assembly:
        log.info("running: %s", ", ".join(a.platform for a in assembly.adapters) or "none")
        await stop.wait()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def totals(storage: Storage) -> tuple[int, int]:
    """Answers recorded and rounds not yet closed, for /metrics."""
    async with storage.transaction() as repo:
        return await repo.totals()
