"""Putting owed messages in the outbox: a post to every chat of a community, or a direct
message to one person. Each item's key (bot/outbox/keys.py) makes it unique."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.model import ChatRef, Community, OutboxItem, OutboxKind
from bot.outbox.keys import OutboxKey
from bot.ports import Repository


async def queue_posts(
    repo: Repository,
    community: Community,
    key: Callable[[ChatRef], OutboxKey],
    kind: OutboxKind,
    text: str,
    now: datetime,
    round_id: int | None = None,
) -> None:
    """One item per chat of the community, due now; key(chat) names each."""
    for chat in community.chats:
        item = OutboxItem(str(key(chat)), kind, community.id, now, round_id, chat=chat, note=text)
        await repo.add_outbox(item)


async def queue_direct(
    repo: Repository,
    key: OutboxKey,
    kind: OutboxKind,
    community_id: int,
    due_at: datetime,
    round_id: int,
    person_id: int,
) -> None:
    """A direct message to a person in a round, worked out when it is sent."""
    item = OutboxItem(str(key), kind, community_id, due_at, round_id, person_id=person_id)
    await repo.add_outbox(item)
