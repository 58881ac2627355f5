"""Prometheus metrics, served at GET /metrics.

Counters live in this process; answers recorded and open rounds are read from the database at
scrape time, so every replica reports the same truth.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CountsSource = Callable[[], Awaitable[tuple[int, int]]]  # (answers recorded, open rounds)


class Metrics:
    """One registry per running bot (tests start several bots in one process)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages_sent = Counter(
            "maturity_messages_sent",
            "Messages delivered to a platform",
            ["platform"],
            registry=self.registry,
        )
        self.messages_not_sent = Counter(
            "maturity_messages_not_sent",
            "Messages that could not be delivered: unreachable, gave up, or uncertain",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "maturity_rate_limited",
            "429 / RetryAfter answers from a platform",
            ["platform"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "maturity_handler_seconds",
            "Time to handle one incoming update",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.answers = Gauge("maturity_answers_recorded", "Answers stored", registry=self.registry)
        self.open_rounds = Gauge(
            "maturity_open_rounds", "Rounds not yet closed", registry=self.registry
        )

    async def render(self, counts: CountsSource | None) -> bytes:
        if counts is not None:
            answers, open_rounds = await counts()
            self.answers.set(answers)
            self.open_rounds.set(open_rounds)
        return generate_latest(self.registry)
