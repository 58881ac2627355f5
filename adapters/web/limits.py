"""Rate limits for the join page, in this process: so many requests per key (an address, an
IP) in a sliding window. Bounded in memory: the oldest keys are dropped first."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_KEYS = 20_000


class Window:
    """At most `limit` hits per key in `seconds`."""

    def __init__(
        self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit, self._seconds, self._clock = limit, seconds, clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Count a hit for key; False (and not counted) when it is over the limit."""
        now = self._clock()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self._seconds:
            hits.popleft()
        allowed = len(hits) < self._limit
        if allowed:
            hits.append(now)
        self._hits[key] = hits  # most recently used last
        while len(self._hits) > MAX_KEYS:
            self._hits.popitem(last=False)
        return allowed
