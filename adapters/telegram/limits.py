"""Keeps the bot within Telegram's flood limits, so a round's fan-out is never cut off.

Telegram allows about 30 messages a second overall, one a second in a private chat and 20 a
minute in a group; past that it answers 429 RetryAfter. The clock and sleep are injected, so
tests run the real limits in virtual time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
_PRUNE_AT = 10_000  # chats remembered before the stale ones are forgotten


@dataclass(frozen=True)
class RateLimits:
    per_second: float = 30.0  # calls that send or edit, over all chats
    min_interval: float = 1.0  # seconds between new messages in one private chat
    group_min_interval: float = 3.0  # seconds between new messages in one group (20/min)
    max_retries: int = 8  # RetryAfter answers tolerated for one message before giving up


class RateLimiter:
    """Hands out send slots: spaced overall, spaced per chat, and held when Telegram says so."""

    def __init__(
        self, limits: RateLimits, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.limits = limits
        self._clock, self._sleep = clock, sleep
        self._next_any = 0.0
        self._next_message: dict[str, float] = {}  # chat -> earliest next new message
        self._held: dict[str, float] = {}  # chat -> RetryAfter until

    async def acquire(self, chat_id: str, *, group: bool, new_message: bool) -> None:
        """Wait for a slot. Edits skip the per-chat spacing (the card that follows an edit
        should not lag a second behind it) but respect holds and the overall rate."""
        now = self._clock()
        at = max(now, self._held.get(chat_id, 0.0))
        if new_message:
            at = max(at, self._next_message.get(chat_id, 0.0))
            gap = self.limits.group_min_interval if group else self.limits.min_interval
            self._next_message[chat_id] = at + gap
        if at > now:
            await self._sleep(at - now)
        # The overall slot is taken only once the chat is due: a waiting chat holds no one up.
        now = self._clock()
        at = max(now, self._next_any)
        self._next_any = at + 1.0 / self.limits.per_second
        if at > now:
            await self._sleep(at - now)
        self._prune(now)

    def hold(self, chat_id: str, seconds: float) -> None:
        """Telegram answered RetryAfter: nothing more to this chat for that long."""
        until = self._clock() + seconds
        self._held[chat_id] = max(until, self._held.get(chat_id, 0.0))

    def _prune(self, now: float) -> None:
        for table in (self._next_message, self._held):
            if len(table) > _PRUNE_AT:
                for chat in [c for c, t in table.items() if t < now]:
                    del table[chat]
