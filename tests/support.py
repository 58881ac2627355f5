"""A small world for dialogue tests: the bot from the one assembly on a real database, a clock
we control, and chats where people type and press buttons as they would on a platform. Every
event goes the way a platform's does: stored with its replies, then sent from the outbox."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.assembly import ONE_OFF, Assembly, assemble
from adapters.platform import AdapterContext, PlatformAdapter
from bot.config import Settings
from bot.messages import Address, Incoming, IncomingChoice, IncomingText, Outgoing
from bot.model import ChatRef, PersonRef
from bot.ports import Storage, Unreachable
from bot.roster import OddRecord, Roster
from bot.schedule.lease import heartbeat
from storage import SqlStorage
from storage.tables import Base

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CHANNEL = Address("test", "C1")
UNLISTED = frozenset({"other", "telegram"})  # platforms whose chats cannot be listed


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
    odd: dict[ChatRef, list[OddRecord]] = field(default_factory=dict)  # odd records listed

    async def members(self, chat: ChatRef) -> Roster | None:
        """What the platform lists; Telegram's groups (and chats of a platform "other") cannot
        be listed."""
        if chat.platform in UNLISTED:
            return None
        return Roster(tuple(self.chats.get(chat, [])), tuple(self.odd.get(chat, [])))

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        """Someone in the chat (a Telegram group's members too: a test puts them there)."""
        return next((p for p in self.chats.get(chat, []) if p.user_id == user_id), None)


class Recorder:
    """What a platform was asked to send, in order; it can refuse people on demand."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.blocked: set[Address] = set()  # these DMs raise Unreachable, as a blocked bot does

    async def send(self, message: Outgoing) -> None:
        if message.to in self.blocked:
            raise Unreachable("blocked")
        self.sent.append(message)


class TestPlatform:
    """A platform for dialogue tests: its channel members are the world's; it records what it
    is asked to send."""

    def __init__(self, name: str, directory: ChannelMembers, sender: Recorder) -> None:
        self.platform = name
        self.directory = directory
        self.sender = sender

    async def start(self) -> None:
        """Nothing to connect to."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def ready(self) -> bool:
        return True


PLATFORMS = ("test", "other", "telegram", "slack")  # "other" and "telegram" cannot list


async def assemble_world(
    settings: Settings,
    storage: Storage,
    clock: FakeClock,
    directory: ChannelMembers,
    sender: Recorder,
) -> Assembly:
    """The one assembly, on the test's database and clock, with the test platforms."""

    def platforms(_context: AdapterContext) -> list[PlatformAdapter]:
        return [TestPlatform(name, directory, sender) for name in PLATFORMS]

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
    assembly: Assembly
    settings: Settings
    platform: Recorder = field(default_factory=Recorder)  # what the platforms were sent
    sent: list[Outgoing] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=itertools.count)
    message_ids: dict[int, str] = field(default_factory=dict)  # id(Outgoing) -> message id

    async def restart(self) -> None:
        """A new bot on the same database: nothing is carried over in memory."""
        self.assembly = await assemble_world(
            self.settings, self.storage, self.clock, self.directory, self.platform
        )

    async def event(self, event: Incoming) -> list[Outgoing]:
        """Hand an event to the bot as a platform adapter does, then let the outbox send what
        it owes: the messages the platforms were asked to send, in order."""
        before = len(self.platform.sent)
        await self.assembly.dispatch(event)
        await self.assembly.drain()
        return self._record(self.platform.sent[before:])

    async def due_work(self) -> list[Outgoing]:
        """Let the scheduler do what is due now; what it sent."""
        before = len(self.platform.sent)
        await self.assembly.run_due()
        return self._record(self.platform.sent[before:])

    def join(self, *names: str) -> None:
        self.directory.chats.setdefault(CHANNEL.chat, []).extend(person(n) for n in names)

    async def command(self, name: str, text: str, delivery: str | None = None) -> list[Outgoing]:
        """`name` types text in the channel."""
        return await self.event(IncomingText(person(name), CHANNEL, text, delivery))

    async def say(self, name: str, text: str, delivery: str | None = None) -> list[Outgoing]:
        """`name` types text in their DM with the bot."""
        who = person(name)
        return await self.event(IncomingText(who, Address.dm(who), text, delivery))

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
                        return await self.event(event)
        raise AssertionError(f"{name} has no button {label!r}")

    async def press_id(
        self, name: str, choice_id: str, delivery: str | None = None, message_id: str | None = "m-x"
    ) -> list[Outgoing]:
        """`name`'s client sends this choice id, whatever the bot offered (forgeries)."""
        who = person(name)
        event = IncomingChoice(who, Address.dm(who), choice_id, message_id, delivery)
        return await self.event(event)

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
    clock, directory, platform = FakeClock(), ChannelMembers(), Recorder()
    assembly = await assemble_world(settings, storage, clock, directory, platform)
    return World(storage, clock, directory, assembly, settings, platform)


async def answer_all(world: World, name: str, levels: Sequence[str]) -> None:
    """Start and answer every card with the given labels, then submit."""
    await world.press(name, "Start")
    for label in levels:
        await world.press(name, label)
    await world.press(name, "Submit")


async def stored_rows(storage: Storage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order: what the database holds, to compare or
    search. Outbox senders' heartbeats are left out: a running bot renews them as time
    passes, whatever comes in."""
    assert isinstance(storage, SqlStorage)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with storage.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            found = await connection.execute(table.select())
            kept = (tuple(row) for row in found)
            if table.name == "leases":
                kept = (row for row in kept if row[0] != heartbeat(str(row[1])))
            rows[table.name] = sorted(kept, key=repr)
    return rows
