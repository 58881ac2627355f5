"""Hands each outgoing message to the sender of its platform, and counts what happens in
/metrics. The outbox (bot/outbox/sender.py) decides when to send and what to do when a send
fails; platform senders say how it went by raising the core's Unreachable, TryAgain or
MaybeSent. Logs carry platform and chat ids, never a message's text."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from adapters.metrics import Metrics
from bot.messages import Outgoing
from bot.outbox.item import Outcome
from bot.ports import Unreachable

log = logging.getLogger(__name__)


class Sender(Protocol):
    """One platform's way of sending (and editing) messages."""

    async def send(self, message: Outgoing) -> None: ...


class Delivery:
    """Routes each message to the sender of its platform (the core's Messenger)."""

    def __init__(self, senders: Mapping[str, Sender], metrics: Metrics | None = None) -> None:
        self._senders = senders
        self._metrics = metrics or Metrics()

    async def send(self, message: Outgoing) -> None:
        sender = self._senders.get(message.to.platform)
        if sender is None:
            raise Unreachable(f"no platform {message.to.platform} in this process")
        await sender.send(message)
        self._metrics.messages_sent.labels(message.to.platform).inc()

    async def send_now(self, message: Outgoing) -> None:
        """Straight to the platform, bypassing the outbox: for an apology when storing what
        someone did failed (the database may be what is down). Best effort."""
        try:
            await self.send(message)
        except Exception as error:
            log.warning(
                "an apology to %s:%s could not be sent (%s)",
                message.to.platform,
                message.to.chat_id,
                type(error).__name__,
            )

    def observe(self, platform: str, outcome: Outcome) -> None:
        """Count outbox items that ended without reaching anyone, by platform (what was sent
        is counted as it goes)."""
        if outcome in (Outcome.UNREACHABLE, Outcome.GAVE_UP, Outcome.UNCERTAIN):
            self._metrics.messages_not_sent.labels(platform, str(outcome)).inc()
