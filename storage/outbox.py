"""Messages owed to people and chats, each queued once (its key is unique). A message decided
when it was queued is kept whole, as JSON; the rest are worked out when sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.messages import Address, Choice, Outgoing, Purpose
from bot.model import ChatRef
from bot.outbox.item import FAN_OUT, OutboxItem, OutboxKind, Outcome
from bot.ports import Courier
from bot.schedule.lease import heartbeat
from storage.base import QueryBase
from storage.tables import LeaseRow, OutboxRow, PersonRow, RoundRow


def message_json(message: Outgoing) -> dict[str, Any]:
    """A message as JSON (files are never kept: they are made when sent)."""
    if message.attachment is not None:
        raise ValueError("a file is not kept in the outbox")
    if message.token is not None:
        raise ValueError("a token is not kept in the outbox: it is made when sent")
    return {
        "to": [message.to.platform, message.to.chat_id, message.to.direct],
        "text": message.text,
        "choices": [
            [c.id, c.label, c.detail, *([c.takes_text, c.current_text] if c.takes_text else [])]
            for c in message.choices
        ],
        "replaces": message.replaces,
        "private_to": message.private_to,
        "join_code": message.join_code,
        "purpose": str(message.purpose),
        "round_id": message.round_id,
        "community_id": message.community_id,
        **({"reply_hint": message.reply_hint} if message.reply_hint else {}),
    }


def json_message(data: dict[str, Any]) -> Outgoing:
    platform, chat_id, direct = data["to"]
    return Outgoing(
        Address(platform, chat_id, bool(direct)),
        data["text"],
        # A choice kept before comments took text has three parts.
        tuple(Choice(*choice) for choice in data["choices"]),
        replaces=data["replaces"],
        private_to=data["private_to"],
        join_code=data["join_code"],
        purpose=Purpose(data.get("purpose", Purpose.REPLY)),  # rows from before 0011: replies
        round_id=data.get("round_id"),
        community_id=data.get("community_id"),
        reply_hint=data.get("reply_hint"),
    )


def _item(row: Any) -> OutboxItem:
    """An item from an ORM row or a plain row of the outbox's columns."""

    def utc(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(UTC)

    return OutboxItem(
        key=row.key,
        kind=OutboxKind(row.kind),
        community_id=row.community_id,
        due_at=row.due_at.astimezone(UTC),
        round_id=row.round_id,
        person_id=row.person_id,
        chat=ChatRef(row.platform, row.chat_id) if row.platform and row.chat_id else None,
        platform=row.platform,
        note=row.note,
        message=json_message(row.payload) if row.payload else None,
        action_id=row.action_id,
        id=row.id,
        claimed_at=utc(row.claimed_at),
        claimed_by=row.claimed_by,
        sent_at=utc(row.sent_at),
        attempts=row.attempts,
        outcome=Outcome(row.outcome) if row.outcome else None,
    )


def _row(item: OutboxItem) -> dict[str, Any]:
    chat = item.chat or (item.message.to.chat if item.message else None)
    return {
        "key": item.key,
        "kind": str(item.kind),
        "community_id": item.community_id,
        "round_id": item.round_id,
        "person_id": item.person_id,
        "platform": chat.platform if chat else item.platform,
        "chat_id": chat.chat_id if chat else None,
        "note": item.note,
        "payload": message_json(item.message) if item.message else None,
        "due_at": item.due_at,
        "attempts": 0,
        "action_id": item.action_id,
    }


@cache
def queue_statement(postgres: bool) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING, built once per dialect."""
    insert = postgresql_insert if postgres else sqlite_insert
    return insert(OutboxRow).on_conflict_do_nothing(index_elements=["key"])


def _outbox_table() -> Table:
    table = OutboxRow.__table__
    assert isinstance(table, Table)
    return table


OUTBOX = _outbox_table()  # for Core statements that return plain rows


@cache
def hand_over_statement(postgres: bool) -> Any:
    """The same, saying which rows went in (their ids, by key): items stored claimed."""
    return queue_statement(postgres).returning(OutboxRow.id, OutboxRow.key)


@cache
def finish_sent_statement() -> Any:
    """Items sent: what they said and to whom is no longer kept (see finish_outbox)."""
    return (
        update(OUTBOX)
        .where(OutboxRow.id.in_(bindparam("ids", expanding=True)))
        .values(sent_at=bindparam("now"), outcome=str(Outcome.SENT), payload=None, chat_id=None)
    )


def _kinds(fan_out: bool) -> list[Any]:
    """The condition on an item's kind: none, or not an invitation or reminder."""
    return [] if fan_out else [OutboxRow.kind.not_in(sorted(str(kind) for kind in FAN_OUT))]


def _served(platforms: frozenset[str] | None) -> list[Any]:
    """The condition on where an item goes: anywhere, or a platform this process serves. An
    item's platform is its own (a post, a reply, a join confirmation) or its person's (worked
    out when sent: an invitation, a reminder, a summary, a sign-in link)."""
    if platforms is None:
        return []
    persons = select(PersonRow.platform).where(PersonRow.id == OutboxRow.person_id)
    goes_to = func.coalesce(OutboxRow.platform, persons.scalar_subquery())
    return [goes_to.in_(sorted(platforms))]


class OutboxQueries(QueryBase):
    """The outbox."""

    async def queue(self, items: Sequence[OutboxItem]) -> None:
        courier = self._courier
        handed = [item for item in items if courier is not None and courier.serves(item)]
        if courier is not None and handed:
            await self._hand_over(courier, handed)
        rest = [item for item in items if courier is None or not courier.serves(item)]
        if rest:
            # One statement on the hot path (every answer queues its replies): a key queued
            # before, or by a concurrent twin (which waits for our commit), is left out by the
            # unique index.
            await self._run(queue_statement(self._postgres), [_row(item) for item in rest])
            self.queued = True

    async def _hand_over(self, courier: Courier, items: Sequence[OutboxItem]) -> None:
        """Store items claimed by the courier, to be handed to it after the commit (a reply's
        key is new: each goes in)."""
        rows = [
            {**_row(item), "claimed_at": item.due_at, "claimed_by": courier.holder}
            for item in items
        ]
        stored = await self._run(hand_over_statement(self._postgres), rows)
        ids = {key: item_id for item_id, key in stored}
        claimed = [
            replace(item, id=ids[item.key], claimed_at=item.due_at, claimed_by=courier.holder)
            for item in items
            if item.key in ids
        ]
        courier.hold([item.id for item in claimed])
        self.handed.extend(claimed)

    async def claim_due(
        self,
        now: datetime,
        limit: int,
        holder: str,
        *,
        fan_out: bool = True,
        platforms: frozenset[str] | None = None,
    ) -> Sequence[OutboxItem]:
        # Communities take turns: each community's first due item, then each one's second, and
        # so on (oldest first within a community). A 5,000-person opening queued a moment
        # earlier does not hold back a 10-person one; an item of no community (a reply) is a
        # turn of its own, so it goes first.
        turn = (
            func.row_number()
            .over(
                partition_by=func.coalesce(OutboxRow.community_id, -OutboxRow.id),
                order_by=(OutboxRow.due_at, OutboxRow.id),
            )
            .label("turn")
        )
        waiting = (
            select(OutboxRow.id, OutboxRow.due_at, turn)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.claimed_at.is_(None))
            .where(OutboxRow.due_at <= now, *_kinds(fan_out), *_served(platforms))
            .subquery()
        )
        chosen = (
            select(waiting.c.id)
            .order_by(waiting.c.turn, waiting.c.due_at, waiting.c.id)
            .limit(limit)
        )
        due = select(OutboxRow.id).where(
            OutboxRow.id.in_(chosen.scalar_subquery()), OutboxRow.claimed_at.is_(None)
        )
        if self._postgres:  # replicas claim side by side without waiting for each other
            due = due.with_for_update(skip_locked=True)
        # One statement: claim what is unclaimed among the chosen, and read it back.
        claimed = await self._run(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(due.scalar_subquery()), OUTBOX.c.claimed_at.is_(None))
            .values(claimed_at=now, claimed_by=holder)
            .returning(*OUTBOX.c)
        )
        items = [_item(row) for row in claimed]
        return sorted(items, key=lambda item: (item.due_at, item.id))

    async def stale_claims(
        self, holder: str, stale_before: datetime, silent_before: datetime, now: datetime
    ) -> Sequence[OutboxItem]:
        beating = exists().where(
            LeaseRow.name == heartbeat("") + OutboxRow.claimed_by, LeaseRow.expires_at > now
        )
        rows = await self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.claimed_at.is_not(None))
            .where(
                or_(
                    OutboxRow.claimed_by == holder,
                    OutboxRow.claimed_at < stale_before,
                    and_(OutboxRow.claimed_at < silent_before, ~beating),
                )
            )
            .order_by(OutboxRow.id)
        )
        return [_item(row) for row in rows]

    async def finish_outbox(self, item_id: int, now: datetime, outcome: Outcome) -> None:
        # Neither what it said nor to whom is kept once it is done: a direct message's chat is
        # its person's id. The row records that it was delivered, and its key that it was owed.
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == item_id)
            .values(sent_at=now, outcome=str(outcome), payload=None, chat_id=None)
        )

    async def finish_sent(self, item_ids: Sequence[int], now: datetime) -> None:
        if item_ids:
            await self._run(finish_sent_statement(), {"ids": list(item_ids), "now": now})

    async def retry_outbox(self, item_id: int, due_at: datetime, failed: bool = True) -> None:
        attempts = OutboxRow.attempts + 1 if failed else OutboxRow.attempts
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == item_id)
            .values(claimed_at=None, claimed_by=None, due_at=due_at, attempts=attempts)
        )

    async def next_due_at(
        self, *, fan_out: bool = True, platforms: frozenset[str] | None = None
    ) -> datetime | None:
        due: datetime | None = await self._session.scalar(
            select(func.min(OutboxRow.due_at)).where(
                OutboxRow.sent_at.is_(None),
                OutboxRow.claimed_at.is_(None),
                *_kinds(fan_out),
                *_served(platforms),
            )
        )
        return due

    async def outbox(self, round_id: int) -> Sequence[OutboxItem]:
        rows = await self._session.scalars(
            select(OutboxRow).where(OutboxRow.round_id == round_id).order_by(OutboxRow.id)
        )
        return [_item(row) for row in rows]

    async def prune_outbox(self, finished_before: datetime) -> int:
        open_round = exists().where(RoundRow.id == OutboxRow.round_id, RoundRow.closed_at.is_(None))
        result = await self._session.execute(
            delete(OutboxRow).where(
                OutboxRow.sent_at < finished_before,
                or_(OutboxRow.round_id.is_(None), ~open_round),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
