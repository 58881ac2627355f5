"""Teams' rate limits for a bot, kept before sending rather than learnt from 429s.

Per conversation Teams allows about 7 messages a second, 8 in 2 seconds, 60 in 30 seconds and
1,800 an hour; per app, across every conversation, about 50 a second. A Pacer holds a sliding
window for each, waiting for the first moment a message fits them all. A 429 that happens all
the same goes back to the outbox with its Retry-After. Clock and sleep are injectable.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

PER_CONVERSATION: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
PER_APP: tuple[tuple[float, int], ...] = ((1.0, 50),)
CONVERSATIONS_KEPT = 10_000  # conversations whose send times are remembered


@dataclass
class Window:
    """At most `most` sends in any `seconds`."""

    seconds: float
    most: int


class Limiter:
    """Sliding windows over one key's send times."""

    def __init__(self, windows: tuple[tuple[float, int], ...]) -> None:
        self._windows = [Window(s, n) for s, n in windows]
        self._longest = max((w.seconds for w in self._windows), default=0.0)
        self._sent: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more send fits every window (0: now)."""
        while self._sent and self._sent[0] <= now - self._longest:
            self._sent.popleft()
        wait = 0.0
        for window in self._windows:
            recent = [t for t in self._sent if t > now - window.seconds]
            if len(recent) >= window.most:
                wait = max(wait, recent[-window.most] + window.seconds - now)
        return wait

    def sent(self, at: float) -> None:
        self._sent.append(at)

    def quiet_since(self, at: float) -> bool:
        return not self._sent or self._sent[-1] < at


class Pacer:
    """Holds a conversation's turn until a message fits its limits and the app's."""

    def __init__(
        self,
        per_conversation: tuple[tuple[float, int], ...] = PER_CONVERSATION,
        per_app: tuple[tuple[float, int], ...] = PER_APP,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._per_conversation = per_conversation
        self._app = Limiter(per_app)
        self._clock, self._sleep = clock, sleep
        self._conversations: dict[str, Limiter] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._app_lock = asyncio.Lock()

    @classmethod
    def off(cls) -> Pacer:
        """No pacing (tests against the fake that are not about pacing)."""
        return cls((), ())

    @asynccontextmanager
    async def slot(self, conversation: str) -> AsyncIterator[None]:
        """The conversation's turn to send one message."""
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        limiter = self._conversations.setdefault(conversation, Limiter(self._per_conversation))
        async with lock:
            while (wait := limiter.wait(self._clock())) > 0:
                await self._sleep(wait)
            async with self._app_lock:
                while (wait := self._app.wait(self._clock())) > 0:
                    await self._sleep(wait)
                now = self._clock()
                self._app.sent(now)
                limiter.sent(now)
            yield
        if len(self._conversations) > CONVERSATIONS_KEPT:
            self._forget_quiet()

    def _forget_quiet(self) -> None:
        hour_ago = self._clock() - 3600
        for key in [k for k, v in self._conversations.items() if v.quiet_since(hour_ago)]:
            lock = self._locks.get(key)
            if lock is None or not lock.locked():
                self._locks.pop(key, None)
                del self._conversations[key]
