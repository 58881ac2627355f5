"""The one assembly: builds a running bot from settings, for every entry point.

`maturity-bot run`, the console, every command-line tool that touches the database, the tests'
harnesses and the benches all get their bot here: the database (the only place it is opened),
the rubric, the core, the platform adapters the settings configure (or a test's own), the HTTP
server, the outbox sender and the one scheduler. A one-off command leaves the running parts
out (see Parts).

An event's path: an adapter hands it to dispatch(), the core stores its effects and its replies
(as outbox rows) in one transaction, dispatch() returns, and only then does the adapter tell
the platform the event was received. The outbox sender, woken at once, sends the replies.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from adapters.delivery import Delivery
from adapters.http import WebServer
from adapters.platform import AdapterContext, Platform, PlatformAdapter
from adapters.registry import PLATFORMS
from adapters.scheduler import Scheduler
from bot.access.desk import AccessDesk
from bot.access.limits import AccessLimits
from bot.app import Handled, MaturityBot
from bot.commands.community import follow_chat
from bot.commands.desk import LeadDesk
from bot.commands.leads import LeadCommands
from bot.config import Settings
from bot.conversation.participants import Conversation
from bot.core import Core
from bot.messages import Incoming, IncomingChoice, IncomingJoin
from bot.model import ChatRef, PersonRef, Rubric
from bot.outbox.sender import OutboxSender
from bot.platforms import Platforms
from bot.ports import Clock, MemberDirectory, Storage, SystemClock
from bot.privacy.requests import PrivacyDesk
from bot.roster import Roster
from bot.rubric.loader import load_rubric
from bot.schedule.duties import Duties, DutySettings
from storage import SqlStorage, open_storage

log = logging.getLogger(__name__)

AdapterFactory = Callable[[AdapterContext], Sequence[PlatformAdapter]]
STOP_SECONDS = 10.0  # at shutdown, the outbox may finish the messages in hand for this long


@dataclass(frozen=True)
class Parts:
    """Which running parts to start. The database and the core are always there."""

    http: bool = True  # the HTTP server: health, metrics, webhooks
    platforms: bool = True  # the platform adapters, and the outbox sender's loop
    scheduler: bool = True  # the timer that wakes the due work


EVERYTHING = Parts()
ONE_OFF = Parts(http=False, platforms=False, scheduler=False)  # export, report, forget, ...


class PlatformDirectory:
    """Asks the adapter of the chat's platform who is in it."""

    def __init__(self, adapters: Sequence[PlatformAdapter]) -> None:
        self._adapters = adapters

    async def members(self, chat: ChatRef) -> Roster | None:
        adapter = self._adapter(chat)
        return None if adapter is None else await adapter.directory.members(chat)

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        adapter = self._adapter(chat)
        return None if adapter is None else await adapter.directory.member(chat, user_id)

    def _adapter(self, chat: ChatRef) -> PlatformAdapter | None:
        return next((a for a in self._adapters if a.platform == chat.platform), None)


@dataclass
class Assembly:
    """A bot put together: what serve() runs, what the console and the tools use, and what
    tests drive. start() and stop() run and stop the parts that run."""

    settings: Settings
    storage: SqlStorage
    clock: Clock
    rubric: Rubric
    platforms: Platforms
    http: WebServer
    parts: Parts
    adapters: list[PlatformAdapter] = field(default_factory=list)
    core: Core = field(default_factory=Core)  # what adapters ask of the core
    bot: MaturityBot = field(init=False)
    directory: MemberDirectory = field(init=False)  # the adapters' member lists, together
    delivery: Delivery = field(init=False)
    outbox: OutboxSender = field(init=False)
    duties: Duties = field(init=False)
    scheduler: Scheduler | None = None
    _started: list[PlatformAdapter] = field(default_factory=list)
    _sending: asyncio.Task[None] | None = None

    def adapter(self, platform: str) -> PlatformAdapter:
        return next(a for a in self.adapters if a.platform == platform)

    async def dispatch(self, event: Incoming) -> Handled:
        """Hand an incoming event to the core. When this returns, what it did and the replies
        it caused are stored (or, if storing failed, the apology has been sent): the adapter
        may now acknowledge the event to its platform."""
        started = time.perf_counter()
        handled = await self.bot.handle(event)
        elapsed = time.perf_counter() - started
        kind = (
            "choice"
            if isinstance(event, IncomingChoice)
            else "join"
            if isinstance(event, IncomingJoin)
            else "text"
        )
        self.http.metrics.handler_seconds.labels(kind).observe(elapsed)
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
                "replies": len(handled.replies),
            },
        )
        if handled.apology is not None:
            await self.delivery.send_now(handled.apology)
        return handled

    async def drain(self) -> int:
        """Send everything the outbox owes now, in the order queued (console, tests)."""
        return await self.outbox.drain()

    async def chat_moved(self, old: ChatRef, new: ChatRef) -> None:
        """A platform gave a chat a new id: its community follows it."""
        community = await follow_chat(self.storage, old, new)
        if community is not None:
            log.info(
                "community %s follows %s:%s to a new id", community.id, old.platform, old.chat_id
            )

    async def run_due(self) -> None:
        """Do now what the scheduler would do at its next wake, and send what that owes."""
        await self.duties.run_due()
        await self.outbox.drain()

    async def _scheduled(self) -> None:
        await self.duties.run_due()
        self.outbox.wake()

    async def start(self) -> None:
        if self.parts.http:
            await self.http.start()
        for adapter in self.adapters:
            await adapter.start()
            self._started.append(adapter)
        if self.parts.platforms:
            self._sending = asyncio.create_task(self.outbox.run(), name="outbox")
        if self.scheduler is not None:
            self.scheduler.start()

    async def stop(self) -> None:
        """Stop in reverse order: no more wakes, no more events, the messages in hand sent
        (the rest wait in the outbox), then the database."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        for adapter in reversed(self._started):
            await adapter.stop()
        self._started.clear()
        if self._sending is not None:
            self.outbox.stop_soon()
            try:
                await asyncio.wait_for(self._sending, STOP_SECONDS)
            except TimeoutError:
                log.warning("the outbox was still sending at shutdown; it resumes at restart")
            self._sending = None
        await self.http.stop()
        await self.storage.close()


async def assemble(
    settings: Settings,
    *,
    parts: Parts = EVERYTHING,
    clock: Clock | None = None,
    storage: SqlStorage | None = None,
    adapters: AdapterFactory | None = None,
    registry: Sequence[Platform[Any]] = PLATFORMS,
    instance: str | None = None,
    limits: AccessLimits | None = None,
) -> Assembly:
    """Build (not start) the bot. A broken rubric raises RubricError before the database is
    touched. `storage` (already open) and `adapters` are for tests; by default the database is
    settings.database_url and the adapters are those the settings configure. `instance` names
    this process among replicas, the same after a restart (default: the host's name); `limits`
    are the access rules' rate limits (tests tighten them)."""
    platforms = Platforms(p.traits_for(settings.platform(p.name)) for p in registry)
    rubric = load_rubric(settings.rubric_path, platforms.strictest_limits())
    storage = storage or await open_storage(settings.database_url)
    clock = clock or SystemClock()
    http = WebServer(settings.host, settings.port)
    http.add_check(storage.ping)
    http.counts = partial(totals, storage)
    assembly = Assembly(settings, storage, clock, rubric, platforms, http, parts)
    context = AdapterContext(
        assembly.dispatch,
        http,
        clock,
        assembly.run_due,
        assembly.drain,
        assembly.core,
        assembly.chat_moved,
    )
    if adapters is not None:
        assembly.adapters.extend(adapters(context))
    elif parts.platforms:
        assembly.adapters.extend(_configured(settings, registry, context))
    running = {each.platform for each in settings.platforms} | {
        adapter.platform for adapter in assembly.adapters
    }
    platforms = assembly.platforms = Platforms(platforms, running)
    for adapter in assembly.adapters:
        http.add_check(adapter.ready)
    directory = assembly.directory = PlatformDirectory(assembly.adapters)
    leads = LeadDesk(
        storage,
        clock,
        rubric,
        directory,
        settings.admins,
        settings.timezone,
        platforms,
        frozenset(adapter.platform for adapter in assembly.adapters),
    )
    assembly.core.leads = leads
    assembly.core.access = AccessDesk(storage, clock, platforms, limits)
    assembly.bot = MaturityBot(
        storage,
        clock,
        Conversation(storage, clock, platforms),
        LeadCommands(leads, platforms),
        PrivacyDesk(storage, clock, platforms),
    )
    senders = {a.platform: a.sender for a in assembly.adapters if a.sender is not None}
    assembly.delivery = Delivery(senders, http.metrics)
    instance = instance or socket.gethostname()
    assembly.outbox = OutboxSender(
        storage,
        clock,
        assembly.delivery,
        instance,
        settings.timezone,
        assembly.delivery.observe,
        shares_fan_outs=parts.scheduler,
        # Only what this process can send: the rest waits for a process that serves it.
        platforms=frozenset(senders),
    )
    storage.on_queued(assembly.outbox.wake)  # whatever queued it: an event, a duty, the CLI
    assembly.duties = Duties(
        storage,
        clock,
        directory,
        rubric,
        DutySettings(
            # The replica's name on the scheduler's lease too, the same after a restart: one
            # killed and started again leads (and sends the fan-outs) at once.
            instance,
            settings.timezone,
            settings.quorum_extension_days,
            settings.retention_days,
        ),
        platforms,
    )
    if parts.scheduler:
        assembly.scheduler = Scheduler(assembly._scheduled)
    return assembly


def _configured(
    settings: Settings, registry: Sequence[Platform[Any]], context: AdapterContext
) -> list[PlatformAdapter]:
    by_name = {platform.name: platform for platform in registry}
    return [by_name[each.platform].adapter(each, context) for each in settings.platforms]


@asynccontextmanager
async def assembled(
    settings: Settings,
    *,
    parts: Parts = EVERYTHING,
    clock: Clock | None = None,
    storage: SqlStorage | None = None,
    adapters: AdapterFactory | None = None,
    instance: str | None = None,
    limits: AccessLimits | None = None,
) -> AsyncIterator[Assembly]:
    """The bot built and started; stopped again (and the database closed) on the way out."""
    assembly = await assemble(
        settings,
        parts=parts,
        clock=clock,
        storage=storage,
        adapters=adapters,
        instance=instance,
        limits=limits,
    )
    try:
        await assembly.start()
        yield assembly
    finally:
        await assembly.stop()


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
