"""What a platform package offers the assembly: a plug-in that reads its settings, describes
itself to the core (PlatformTraits) and builds its running adapter.

Adding a platform is a package under adapters/ with a PLUGIN object of this shape, and one
line in adapters/registry.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from adapters.delivery import Sender
from adapters.http import WebServer
from bot.config import PlatformSettings, Setting
from bot.core import Core
from bot.messages import Incoming
from bot.model import ChatRef
from bot.platforms import PlatformTraits
from bot.ports import Clock, MemberDirectory

Dispatch = Callable[[Incoming], Awaitable[object]]  # returns once the event is stored
ChatMoved = Callable[[ChatRef, ChatRef], Awaitable[None]]  # (old chat, new chat)


async def _unfollowed(_old: ChatRef, _new: ChatRef) -> None:
    """An adapter built without a way to tell the core that a chat moved (tests)."""


NOT_FOLLOWED: ChatMoved = _unfollowed
S = TypeVar("S", bound=PlatformSettings)


class PlatformAdapter(Protocol):
    """A platform's running side: takes events in, sends messages out."""

    @property
    def platform(self) -> str: ...
    @property
    def sender(self) -> Sender | None:
        """How it sends; None when this process sends nothing there (the web without email
        settings): what is owed there waits for a process that can."""
        ...

    @property
    def directory(self) -> MemberDirectory: ...

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ready(self) -> bool: ...


@dataclass(frozen=True)
class AdapterContext:
    """What the assembly hands an adapter it builds."""

    dispatch: Dispatch  # every incoming event goes here; acknowledge it once this returns
    http: WebServer  # the one HTTP server: an adapter may add its routes
    clock: Clock
    run_due_work: Callable[[], Awaitable[None]]  # do what the scheduler would do now
    drain: Callable[[], Awaitable[int]]  # send what the outbox owes now, in order
    core: Core  # every other use case (a lead's form, a sign-in, a personal page): one call
    # and one transaction each; an adapter opens no transaction of its own
    chat_moved: ChatMoved = NOT_FOLLOWED  # the platform gave a chat a new id


@dataclass(frozen=True)
class Platform(Generic[S]):
    """A platform plug-in (also a bot.config.PlatformConfig): its name and traits, how it reads
    and reports its settings (of type S), and how it builds its running adapter."""

    name: str
    traits: PlatformTraits
    how_to_enable: str  # one line: which settings turn this platform on
    settings_type: type[S]
    read: Callable[[Mapping[str, str], list[str]], S | None]  # None: not configured
    lines: Callable[[S | None], list[str]]  # for `config check`, secrets masked
    build: Callable[[S, AdapterContext], PlatformAdapter]  # imports its client libraries
    quiet_loggers: tuple[str, ...] = ()  # its libraries' loggers that print secrets or texts
    settings: tuple[Setting, ...] = ()  # its environment variables, for docs/operating.md
    configure: Callable[[S], PlatformTraits] | None = None  # its traits once its settings are
    # known (the web's join page lives under PUBLIC_URL)

    def traits_for(self, settings: PlatformSettings | None) -> PlatformTraits:
        """Its traits, completed from its settings when it is configured."""
        if self.configure is not None and isinstance(settings, self.settings_type):
            return self.configure(settings)
        return self.traits

    def read_settings(self, env: Mapping[str, str], problems: list[str]) -> PlatformSettings | None:
        return self.read(env, problems)

    def describe(self, settings: PlatformSettings | None) -> list[str]:
        return self.lines(settings if isinstance(settings, self.settings_type) else None)

    def adapter(self, settings: PlatformSettings, context: AdapterContext) -> PlatformAdapter:
        """Build the running adapter."""
        if not isinstance(settings, self.settings_type):
            raise TypeError(f"{self.name} cannot run with {type(settings).__name__}")
        return self.build(settings, context)
