"""One event, one transaction: a delivery handled once, its effects and the replies it causes
stored together (the replies as outbox rows), and a concurrent twin retried against fresh
state. Only once this commits may a platform be told the event was received.

A platform that shows an event's replies itself (a web page redirected to after the commit)
gets them back without their being queued: the outbox holds only what must be sent."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.messages import Incoming, Outgoing, Purpose
from bot.outbox.queue import queue_replies
from bot.ports import Clock, ConcurrentUpdate, Repository, Storage

ATTEMPTS = 3
T = TypeVar("T")

Work = Callable[[Repository], Awaitable[list[Outgoing]]]


def delivery_of(event: Incoming) -> tuple[str, str] | None:
    """The (platform, delivery id) that identifies a repeated delivery, when there is one."""
    return None if event.delivery_id is None else (event.sender.platform, event.delivery_id)


def to_send(replies: list[Outgoing], event: Incoming | None) -> list[Outgoing]:
    """The replies someone must be sent: all but those the event's platform shows in place."""
    if event is None or not event.shown_in_place:
        return replies
    return [r for r in replies if r.to != event.chat or r.purpose is not Purpose.REPLY]


async def in_transaction(
    storage: Storage, clock: Clock, work: Work, event: Incoming | None
) -> list[Outgoing]:
    """Run work once per delivery of event (None: work of the bot's own, such as a scheduled
    duty), retrying when a concurrent update got there first."""

    async def work_and_queue(repo: Repository) -> list[Outgoing]:
        replies = await work(repo)
        await queue_replies(repo, to_send(replies, event), clock.now())
        return replies

    delivery = None if event is None else delivery_of(event)
    return await once(storage, clock, work_and_queue, delivery, [])


async def once(
    storage: Storage,
    clock: Clock,
    work: Callable[[Repository], Awaitable[T]],
    delivery: tuple[str, str] | None,
    repeated: T,
) -> T:
    """Run work in one transaction, once per delivery (a platform's retry, a form sent twice:
    `repeated` is returned and nothing is done), retrying when a concurrent update got there
    first. Every use case a front end calls runs in one of these."""
    for _ in range(ATTEMPTS):
        try:
            async with storage.transaction() as repo:
                if delivery is not None and not await repo.claim_delivery(*delivery, clock.now()):
                    return repeated  # handled before
                return await work(repo)
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate("gave up after repeated concurrent updates")


async def in_one_transaction(storage: Storage, work: Callable[[Repository], Awaitable[T]]) -> T:
    """Run work in one transaction, retrying when a concurrent update got there first."""
    for _ in range(ATTEMPTS):
        try:
            async with storage.transaction() as repo:
                return await work(repo)
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate("gave up after repeated concurrent updates")


class OutageLog:
    """Says once per outage that the database is out of reach, not once per request: a
    crowd retrying through an outage would otherwise flood the log with the same news."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._log, self._what = log, what
        self.out = False

    def failed(self) -> None:
        """The database was out of reach just now."""
        if not self.out:
            self._log.warning("the database is out of reach: %s until it is back", self._what)
            self.out = True

    def worked(self) -> None:
        """The database answered: the next failure is a new outage."""
        self.out = False
