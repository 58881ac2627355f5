"""Messages owed to people and chats, each queued once (its key is unique)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from bot.model import ChatRef, OutboxItem, OutboxKind
from storage.base import QueryBase
from storage.tables import OutboxRow, to_model


def _outbox_item(row: Any) -> OutboxItem:
    chat = ChatRef(row.platform, row.chat_id) if row.platform and row.chat_id else None
    return to_model(OutboxItem, row, kind=OutboxKind(row.kind), chat=chat)


class OutboxQueries(QueryBase):
    """The outbox."""

    async def add_outbox(self, item: OutboxItem) -> bool:
        exists = await self._session.scalar(select(OutboxRow.id).where(OutboxRow.key == item.key))
        if exists is not None:
            return False  # already queued: a retried fan-out queues nobody twice
        self._session.add(
            OutboxRow(
                key=item.key,
                kind=str(item.kind),
                community_id=item.community_id,
                round_id=item.round_id,
                person_id=item.person_id,
                platform=item.chat.platform if item.chat else None,
                chat_id=item.chat.chat_id if item.chat else None,
                note=item.note,
                due_at=item.due_at,
            )
        )
        await self._session.flush()
        return True

    async def due_outbox(self, now: datetime, limit: int) -> Sequence[OutboxItem]:
        rows = await self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.due_at <= now, OutboxRow.claimed_at.is_(None))
            .order_by(OutboxRow.due_at, OutboxRow.id)
            .limit(limit)
        )
        return [_outbox_item(row) for row in rows]

    async def claim_outbox(self, item_id: int, now: datetime) -> bool:
        result = cast(
            "CursorResult[Any]",
            await self._session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id, OutboxRow.claimed_at.is_(None))
                .values(claimed_at=now)
            ),
        )
        return result.rowcount == 1

    async def finish_outbox(self, item_id: int, now: datetime, note: str | None = None) -> None:
        values: dict[str, Any] = {"sent_at": now}
        if note is not None:
            values["note"] = note
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == item_id).values(**values)
        )

    async def retry_outbox(self, item_id: int, due_at: datetime, failed: bool = True) -> None:
        attempts = OutboxRow.attempts + 1 if failed else OutboxRow.attempts
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == item_id)
            .values(claimed_at=None, due_at=due_at, attempts=attempts)
        )

    async def outbox(self, round_id: int) -> Sequence[OutboxItem]:
        rows = await self._session.scalars(
            select(OutboxRow).where(OutboxRow.round_id == round_id).order_by(OutboxRow.id)
        )
        return [_outbox_item(row) for row in rows]
