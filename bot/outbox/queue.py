"""Putting owed messages in the outbox, in the transaction that decided them: replies, posts
to every chat of a community, direct messages worked out when sent, and summaries. Each item's
key (bot/outbox/keys.py) makes it unique."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.messages import Address, Outgoing
from bot.model import ChatRef, Community
from bot.outbox.item import OutboxItem, OutboxKind
from bot.outbox.keys import OutboxKey
from bot.ports import Repository


def reply_item(message: Outgoing, now: datetime, community_id: int | None = None) -> OutboxItem:
    """A message decided now, owed at once."""
    if message.attachment is not None:
        raise ValueError("files are made when sent: queue an item of their own kind instead")
    key = str(OutboxKey.reply())
    return OutboxItem(key, OutboxKind.MESSAGE, community_id, now, message=message)


async def queue_replies(repo: Repository, replies: Sequence[Outgoing], now: datetime) -> None:
    """The replies an event caused, stored with its other effects."""
    if replies:
        await repo.queue([reply_item(message, now) for message in replies])


async def queue_posts(
    repo: Repository,
    community: Community,
    key: Callable[[ChatRef], OutboxKey],
    text: str,
    now: datetime,
    round_id: int | None = None,
    join_code: str | None = None,
) -> None:
    """The same text posted to every chat of the community, once (key(chat) names each); with
    a join code, each post offers the Take part link."""
    await repo.queue(
        [
            OutboxItem(
                str(key(chat)),
                OutboxKind.MESSAGE,
                community.id,
                now,
                round_id,
                chat=chat,
                message=Outgoing(Address.channel(chat), text, join_code=join_code),
            )
            for chat in community.chats
        ]
    )


async def queue_direct(
    repo: Repository,
    key: OutboxKey,
    kind: OutboxKind,
    community_id: int,
    due_at: datetime,
    round_id: int,
    person_id: int,
) -> None:
    """A direct message to a person in a round (an invitation or reminder), worked out when it
    is sent."""
    item = OutboxItem(str(key), kind, community_id, due_at, round_id, person_id=person_id)
    await repo.queue([item])


async def queue_summary(
    repo: Repository,
    community_id: int,
    round_id: int,
    chats: Sequence[ChatRef],
    now: datetime,
    heading: str = "",
    once: bool = True,
) -> None:
    """A round's summary with its chart, and then its trend chart, posted to each chat; drawn
    when sent. once: the round's closing summary, owed a single time per chat (else a summary
    asked for again, posted again)."""
    items = []
    for chat in chats:
        summary, trend = (
            (OutboxKey.summary(round_id, chat), OutboxKey.trend(round_id, chat))
            if once
            else (OutboxKey.reply(), OutboxKey.reply())
        )
        items += [
            OutboxItem(
                str(summary),
                OutboxKind.SUMMARY,
                community_id,
                now,
                round_id,
                chat=chat,
                note=heading,
            ),
            OutboxItem(str(trend), OutboxKind.TREND, community_id, now, round_id, chat=chat),
        ]
    await repo.queue(items)


async def queue_debriefs(
    repo: Repository,
    community_id: int,
    round_id: int,
    person_ids: Sequence[int],
    now: datetime,
    once: bool = True,
) -> None:
    """A round's debrief pack, privately to each of these leads; made when sent. once: the
    pack owed at close, a single time per lead (else asked for again, sent again)."""

    def key(person_id: int) -> OutboxKey:
        return OutboxKey.debrief(round_id, person_id) if once else OutboxKey.reply()

    await _queue_to_each(repo, OutboxKind.DEBRIEF, community_id, round_id, person_ids, now, key)


async def queue_personal_summaries(
    repo: Repository,
    community_id: int,
    round_id: int,
    person_ids: Sequence[int],
    now: datetime,
    heading: str = "",
) -> None:
    """A closed round's summary with its chart sent to each of these people directly (they
    see none of the community's chats), once each; drawn when sent."""

    def key(person_id: int) -> OutboxKey:
        return OutboxKey.personal_summary(round_id, person_id)

    await _queue_to_each(
        repo, OutboxKind.SUMMARY, community_id, round_id, person_ids, now, key, heading
    )


async def _queue_to_each(
    repo: Repository,
    kind: OutboxKind,
    community_id: int,
    round_id: int,
    person_ids: Sequence[int],
    now: datetime,
    key: Callable[[int], OutboxKey],
    note: str | None = None,
) -> None:
    """One item about a round to each of these people, worked out when sent."""
    await repo.queue(
        [
            OutboxItem(
                str(key(person_id)),
                kind,
                community_id,
                now,
                round_id,
                person_id=person_id,
                note=note,
            )
            for person_id in person_ids
        ]
    )
