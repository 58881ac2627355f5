"""One event, one transaction: a delivery handled once, its effects and the replies it causes
stored together (the replies as outbox rows), and a concurrent twin retried against fresh
state. Only once this commits may a platform be told the event was received."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import Incoming, Outgoing
from bot.outbox.queue import queue_replies
from bot.ports import Clock, ConcurrentUpdate, Repository, Storage

ATTEMPTS = 3

Work = Callable[[Repository], Awaitable[list[Outgoing]]]


def delivery_of(event: Incoming) -> tuple[str, str] | None:
    """The (platform, delivery id) that identifies a repeated delivery, when there is one."""
    return None if event.delivery_id is None else (event.sender.platform, event.delivery_id)


async def in_transaction(
    storage: Storage, clock: Clock, work: Work, delivery: tuple[str, str] | None
) -> list[Outgoing]:
    """Run work once per delivery, retrying when a concurrent update got there first."""
    for _ in range(ATTEMPTS):
        try:
            async with storage.transaction() as repo:
                if delivery is not None and not await repo.claim_delivery(*delivery, clock.now()):
                    return []  # handled before: a platform retry
                replies = await work(repo)
                await queue_replies(repo, replies, clock.now())
                return replies
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate("gave up after repeated concurrent updates")
