"""A small world for dialogue tests: the real bot on a real database, a clock we control,
and a chat where people type and press buttons like they would on a platform."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.assembly import ONE_OFF, Assembly, assemble
from adapters.platform import AdapterContext, PlatformAdapter
from bot.app import MaturityBot
from bot.config import Settings
from bot.messages import Address, IncomingChoice, IncomingText, Outgoing
from bot.model import ChatRef, PersonRef
from bot.ports import Storage
from storage import SqlStorage
from storage.tables import Base

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CHANNEL = Address("test", "C1")


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, now: datetime = START) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@dataclass
class ChannelMembers:
    """The platform's view of who is in each channel (what Slack's conversations.members says)."""

    chats: dict[ChatRef, list[PersonRef]] = field(default_factory=dict)

    async def members(self, chat: ChatRef) -> Sequence[PersonRef] | None:
        """What the platform lists; a chat of platform "other" cannot be listed (Telegram)."""
        return None if chat.platform == "other" else list(self.chats.get(chat, []))


class Unsent:
    """A platform that sends nothing: World records what the bot answers instead."""

    async def send(self, message: Outgoing) -> None:
        """Nothing to do."""


class TestPlatform:
    """The "test" platform: its channel members are the world's; it sends nowhere."""

    platform = "test"

    def __init__(self, directory: ChannelMembers) -> None:
        self.directory = directory
        self.sender = Unsent()

    async def start(self) -> None:
        """Nothing to connect to."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def ready(self) -> bool:
        return True


async def assemble_world(
    settings: Settings, storage: Storage, clock: FakeClock, directory: ChannelMembers
) -> Assembly:
    """The one assembly, on the test's database and clock, with the test platform."""

    def platforms(_context: AdapterContext) -> list[PlatformAdapter]:
        return [TestPlatform(directory)]

    assert isinstance(storage, SqlStorage)
    return await assemble(settings, parts=ONE_OFF, clock=clock, storage=storage, adapters=platforms)


def person(name: str) -> PersonRef:
    return PersonRef("test", name.upper(), name.capitalize())


@dataclass
class World:
    """The bot as a platform adapter would drive it, with a transcript of what it sent."""

    storage: Storage
    clock: FakeClock
    directory: ChannelMembers
    bot: MaturityBot
    settings: Settings
    sent: list[Outgoing] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=itertools.count)
    message_ids: dict[int, str] = field(default_factory=dict)  # id(Outgoing) -> message id

    async def restart(self) -> None:
        """A new bot on the same database: nothing is carried over in memory."""
        assembly = await assemble_world(self.settings, self.storage, self.clock, self.directory)
        self.bot = assembly.bot

    def join(self, *names: str) -> None:
        self.directory.chats.setdefault(CHANNEL.chat, []).extend(person(n) for n in names)

    async def command(self, name: str, text: str, delivery: str | None = None) -> list[Outgoing]:
        """`name` types text in the channel."""
        event = IncomingText(person(name), CHANNEL, text, delivery)
        return self._record(await self.bot.handle(event))

    async def say(self, name: str, text: str, delivery: str | None = None) -> list[Outgoing]:
        """`name` types text in their DM with the bot."""
        who = person(name)
        return self._record(
            await self.bot.handle(IncomingText(who, Address.dm(who), text, delivery))
        )

    async def press(self, name: str, label: str, delivery: str | None = None) -> list[Outgoing]:
        """`name` presses the button labelled `label` on the latest message that has one."""
        who = person(name)
        for message in reversed(self.sent):
            if message.to == Address.dm(who):
                for choice in message.choices:
                    if choice.label == label:
                        event = IncomingChoice(
                            who, Address.dm(who), choice.id, self.message_ids[id(message)], delivery
                        )
                        return self._record(await self.bot.handle(event))
        raise AssertionError(f"{name} has no button {label!r}")

    async def press_id(
        self, name: str, choice_id: str, delivery: str | None = None, message_id: str | None = "m-x"
    ) -> list[Outgoing]:
        """`name`'s client sends this choice id, whatever the bot offered (forgeries)."""
        who = person(name)
        event = IncomingChoice(who, Address.dm(who), choice_id, message_id, delivery)
        return self._record(await self.bot.handle(event))

    def last_to(self, name: str) -> Outgoing:
        dm = Address.dm(person(name))
        return next(m for m in reversed(self.sent) if m.to == dm)

    def _record(self, replies: list[Outgoing]) -> list[Outgoing]:
        for message in replies:
            self.message_ids[id(message)] = message.replaces or f"m{next(self.ids)}"
            self.sent.append(message)
        return replies


def texts(replies: Sequence[Outgoing]) -> str:
    """The replies as a person sees them: each text, then its buttons."""
    return "\n---\n".join(m.text + "".join(f"\n[{c.label}]" for c in m.choices) for m in replies)


async def make_world(
    storage: Storage, rubric_path: Path | None = None, admins: frozenset[str] = frozenset()
) -> World:
    settings = Settings(
        database_url="unused: storage is passed in",
        rubric_path=rubric_path or ROOT / "rubric.toml",
        admins=admins,
    )
    clock, directory = FakeClock(), ChannelMembers()
    assembly = await assemble_world(settings, storage, clock, directory)
    return World(storage, clock, directory, assembly.bot, settings)


async def answer_all(world: World, name: str, levels: Sequence[str]) -> None:
    """Start and answer every card with the given labels, then submit."""
    await world.press(name, "Start")
    for label in levels:
        await world.press(name, label)
    await world.press(name, "Submit")


async def stored_rows(storage: Storage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order: what the database holds, to compare or
    search."""
    assert isinstance(storage, SqlStorage)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with storage.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            found = await connection.execute(table.select())
            rows[table.name] = sorted((tuple(row) for row in found), key=repr)
    return rows
