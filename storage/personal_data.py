"""What is stored about one person, erasing it, opt-outs, and purging old rounds' details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select

from bot.model import Answer, Participation, Role
from storage.base import QueryBase
from storage.tables import (
    AnswerRow,
    MembershipRow,
    OptOutRow,
    OutboxRow,
    ParticipationRow,
    PersonRow,
    RoundRow,
    participation_model,
    to_model,
)


class PersonalDataQueries(QueryBase):
    """A person's data and its erasure."""

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
