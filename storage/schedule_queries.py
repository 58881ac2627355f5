"""The scheduler's half of SqlRepository: cadences, the outbox, the leader lease, and the
rounds and participants that are due for something."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update

from bot.model import (
    Answer,
    ChatRef,
    OutboxItem,
    OutboxKind,
    Participation,
    Role,
    Schedule,
)
from storage.people import QueryBase
from storage.schedule_tables import LeaseRow, OptOutRow, OutboxRow, ScheduleRow
from storage.tables import (
    AnswerRow,
    MembershipRow,
    ParticipationRow,
    PersonRow,
    RoundRow,
    model_values,
    participation_model,
    to_model,
)


def _outbox_item(row: Any) -> OutboxItem:
    chat = ChatRef(row.platform, row.chat_id) if row.platform and row.chat_id else None
    return to_model(OutboxItem, row, kind=OutboxKind(row.kind), chat=chat)


class ScheduleQueries(QueryBase):
    """Reads and writes for the scheduler, inside the caller's transaction."""

    async def schedule(self, community_id: int) -> Schedule | None:
        row = await self._session.get(ScheduleRow, community_id)
        return None if row is None else to_model(Schedule, row)

    async def save_schedule(self, schedule: Schedule) -> None:
        await self._session.merge(ScheduleRow(**model_values(schedule)))
        await self._session.flush()

    async def delete_schedule(self, community_id: int) -> None:
        await self._session.execute(
            delete(ScheduleRow).where(ScheduleRow.community_id == community_id)
        )

    async def due_schedules(self, now: datetime) -> Sequence[Schedule]:
        rows = await self._session.scalars(
            select(ScheduleRow).where(ScheduleRow.next_open_at <= now)
        )
        return [to_model(Schedule, row) for row in rows]

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

    async def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        result = cast(
            "CursorResult[Any]",
            await self._session.execute(
                update(LeaseRow)
                .where(
                    LeaseRow.name == name,
                    or_(LeaseRow.holder == holder, LeaseRow.expires_at <= now),
                )
                .values(holder=holder, expires_at=until)
            ),
        )
        if result.rowcount == 1:
            return True
        if await self._session.get(LeaseRow, name) is not None:
            return False  # someone else holds it
        self._session.add(LeaseRow(name=name, holder=holder, expires_at=until))
        await self._session.flush()  # a concurrent first taker fails on the key
        return True

    async def overdue_rounds(self, now: datetime) -> Sequence[int]:
        ids = await self._session.scalars(
            select(RoundRow.id).where(RoundRow.closed_at.is_(None), RoundRow.closes_at <= now)
        )
        return list(ids)

    async def extend_round(self, round_id: int, closes_at: datetime) -> None:
        await self._session.execute(
            update(RoundRow)
            .where(RoundRow.id == round_id)
            .values(closes_at=closes_at, extended=True)
        )

    async def set_manual_reminded(self, round_id: int, at: datetime) -> None:
        await self._session.execute(
            update(RoundRow).where(RoundRow.id == round_id).values(manual_reminded_at=at)
        )

    async def due_snoozes(self, now: datetime) -> Sequence[Participation]:
        rows = await self._session.scalars(
            select(ParticipationRow)
            .join(RoundRow, RoundRow.id == ParticipationRow.round_id)
            .where(ParticipationRow.remind_after <= now, RoundRow.closed_at.is_(None))
        )
        return [participation_model(row) for row in rows]

    async def save_tallies(self, round_id: int, tallies: dict[str, Any]) -> None:
        await self._session.execute(
            update(RoundRow).where(RoundRow.id == round_id).values(tallies=tallies)
        )

    async def forget_person(self, person_id: int) -> None:
        # Answers, comments, positions, memberships and owed messages go with the person
        # (foreign keys cascade); closed rounds keep their tallies.
        await self._session.execute(delete(PersonRow).where(PersonRow.id == person_id))

    async def rounds_to_purge(self, closed_before: datetime) -> Sequence[int]:
        still_linked = select(ParticipationRow.round_id).where(
            ParticipationRow.round_id == RoundRow.id
        )
        ids = await self._session.scalars(
            select(RoundRow.id).where(
                RoundRow.closed_at.is_not(None),
                RoundRow.closed_at < closed_before,
                still_linked.exists(),
            )
        )
        return list(ids)

    async def purge_round(self, round_id: int) -> None:
        for table in (AnswerRow, ParticipationRow, OutboxRow):
            await self._session.execute(delete(table).where(table.round_id == round_id))

    async def participations_of(self, person_id: int) -> Sequence[Participation]:
        rows = await self._session.scalars(
            select(ParticipationRow)
            .where(ParticipationRow.person_id == person_id)
            .order_by(ParticipationRow.round_id)
        )
        return [participation_model(row) for row in rows]

    async def answers_of(self, person_id: int) -> Sequence[Answer]:
        rows = await self._session.scalars(
            select(AnswerRow)
            .where(AnswerRow.person_id == person_id)
            .order_by(AnswerRow.round_id, AnswerRow.answered_at, AnswerRow.id)
        )
        return [to_model(Answer, row) for row in rows]

    async def roles_of(self, person_id: int) -> Sequence[tuple[int, Role]]:
        rows = await self._session.execute(
            select(MembershipRow.community_id, MembershipRow.role)
            .where(MembershipRow.person_id == person_id)
            .order_by(MembershipRow.community_id)
        )
        return [(community_id, Role(role)) for community_id, role in rows]

    async def is_opted_out(self, key_hash: str) -> bool:
        return await self._session.get(OptOutRow, key_hash) is not None

    async def add_opt_out(self, key_hash: str) -> None:
        if await self._session.get(OptOutRow, key_hash) is None:
            self._session.add(OptOutRow(key_hash=key_hash, at=datetime.now(UTC)))
            await self._session.flush()

    async def remove_opt_out(self, key_hash: str) -> None:
        await self._session.execute(delete(OptOutRow).where(OptOutRow.key_hash == key_hash))
