"""Sends the core's outgoing messages through the adapter of each message's platform.

Messages to one chat go out in order; different chats go out concurrently (each adapter keeps
to its platform's rate limits). A message that cannot be delivered is logged (never its text)
and does not stop the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from adapters.metrics import Metrics
from bot.messages import Address, Outgoing

log = logging.getLogger(__name__)
PARALLEL_CHATS = 32


class Unreachable(Exception):
    """The platform refuses to deliver to this person (they blocked or never started the bot)."""


class Sender(Protocol):
    """One platform's way of sending (and editing) messages."""

    async def send(self, message: Outgoing) -> None: ...


class Delivery:
    """Routes each outgoing message to the sender of its platform."""

    def __init__(
        self,
        senders: dict[str, Sender],
        on_unreachable: Callable[[Address], Awaitable[None]] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._senders = senders
        self._on_unreachable = on_unreachable
        self._metrics = metrics
        self._slots = asyncio.Semaphore(PARALLEL_CHATS)

    async def deliver(self, messages: Sequence[Outgoing]) -> int:
        """Send them all; returns how many failed (and could be tried again later)."""
        by_chat: dict[Address, list[Outgoing]] = {}
        for message in messages:
            by_chat.setdefault(message.to, []).append(message)
        failed = await asyncio.gather(*(self._deliver_in_order(chat) for chat in by_chat.values()))
        return sum(failed)

    async def _deliver_in_order(self, messages: list[Outgoing]) -> int:
        async with self._slots:
            return sum([not await self._deliver_one(message) for message in messages])

    async def _deliver_one(self, message: Outgoing) -> bool:
        sender = self._senders.get(message.to.platform)
        if sender is None:
            log.error("no sender for platform %s", message.to.platform)
            return False
        try:
            await sender.send(message)
        except Unreachable:
            log.info("%s:%s cannot be reached", message.to.platform, message.to.chat_id)
            if self._on_unreachable is not None:
                await self._on_unreachable(message.to)
        except Exception:  # one failed message must not stop the rest of a fan-out
            log.exception("sending to %s:%s failed", message.to.platform, message.to.chat_id)
            return False
        if self._metrics is not None:
            self._metrics.messages_sent.labels(message.to.platform).inc()
        return True
