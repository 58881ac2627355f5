"""What differs between platforms, in the words and numbers the core needs.

Each platform package under adapters/ describes itself with a PlatformTraits; the core asks
for the traits of a chat's platform instead of assuming Slack or Telegram ("invite me with
/invite" vs "add me to the group", who may set a chat up, how long a message may be).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MessageLimits:
    """How much one message can hold on a platform."""

    text_chars: int = 4096  # the text of one message
    detail_chars: int = 3000  # one level descriptor shown beside its button


@dataclass(frozen=True)
class PlatformTraits:
    """A platform as the core sees it: its limits, what it can tell us, and its own words."""

    name: str  # the platform's id in addresses and person keys: "slack"
    title: str  # how people call it: "Slack"
    limits: MessageLimits = field(default_factory=MessageLimits)
    lists_members: bool = True  # False: people enrol themselves (a Take part link)
    knows_chat_admins: bool = False  # True: only a chat's admins may set it up or link it
    chat_word: str = "chat"  # what a community's chat is called there: "channel", "group"
    invite_bot: str = "Add the bot to this chat"  # how a lead brings the bot into a chat
    take_part: str = "Everyone in this chat is invited by direct message."
    mention_example: str = "name"  # how a lead names someone in /round leads add
    reached_by_email: bool = False  # people are added by email address and answer on a page
    join_page: str = ""  # where anyone may ask to take part: a URL with {code}, or none
    board_page: str = ""  # where a community's board is read: a URL with {token}, or none
    sign_in_page: str = ""  # where a lead's sign-in link goes: a URL with {token}, or none


NEUTRAL = PlatformTraits("other", "this platform")


class Platforms:
    """The traits of every platform this bot knows, looked up by name, and which of them run
    in this process (all of them unless told)."""

    def __init__(
        self, traits: Iterable[PlatformTraits] = (), running: Iterable[str] | None = None
    ) -> None:
        self._traits: Mapping[str, PlatformTraits] = {t.name: t for t in traits}
        self._running = frozenset(self._traits if running is None else running)

    def __getitem__(self, name: str) -> PlatformTraits:
        return self._traits.get(name, NEUTRAL)

    def __iter__(self) -> Iterator[PlatformTraits]:
        return iter(self._traits.values())

    def by_email(self) -> PlatformTraits | None:
        """The running platform whose people are added by email address, if there is one."""
        return next(
            (t for t in self._traits.values() if t.reached_by_email and t.name in self._running),
            None,
        )

    def board_page(self) -> str | None:
        """The URL (with {token}) of the board pages a running platform serves, if any."""
        return next(
            (
                t.board_page
                for t in self._traits.values()
                if t.board_page and t.name in self._running
            ),
            None,
        )

    def sign_in_page(self) -> str | None:
        """The URL (with {token}) of the leads' sign-in links a running platform serves."""
        return next(
            (
                t.sign_in_page
                for t in self._traits.values()
                if t.sign_in_page and t.name in self._running
            ),
            None,
        )

    def strictest_limits(self) -> MessageLimits:
        """Limits that every known platform can hold (a rubric must fit them all)."""
        known = list(self._traits.values()) or [NEUTRAL]
        return MessageLimits(
            min(t.limits.text_chars for t in known), min(t.limits.detail_chars for t in known)
        )
