"""What is stored about one person, erasing it, opt-outs, and purging old rounds' details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, delete, insert, or_, select

from bot.model import Answer, OptOutKey, Participation, Role
from storage.base import QueryBase, chunks
from storage.tables import (
    AnswerRow,
    CommunityOptOutRow,
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
        # (foreign keys cascade); so do messages owed to them, which name their chat rather
        # than the person (one being sent right now keeps nothing once it is done); closed
        # rounds keep their tallies.
        person = await self._session.get(PersonRow, person_id)
        if person is not None:
            await self._session.execute(
                delete(OutboxRow).where(
                    OutboxRow.platform == person.platform,
                    OutboxRow.chat_id == person.platform_user_id,
                    OutboxRow.claimed_at.is_(None),
                )
            )
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

    def deployment_secret(self) -> bytes:
        if not self._secret:
            raise RuntimeError("storage opened without the deployment's secret: use open_storage")
        return self._secret

    async def is_opted_out(self, key: OptOutKey) -> bool:
        found = await self._session.execute(
            select(OptOutRow.keyed, OptOutRow.at).where(
                or_(
                    OptOutRow.key_hash == key.keyed,
                    and_(OptOutRow.key_hash == key.unkeyed, OptOutRow.keyed.is_(False)),
                )
            )
        )
        rows = list(found)
        unkeyed = [at for keyed, at in rows if not keyed]
        if unkeyed:  # stored before migration 0008: the keyed form replaces it now
            await self._store_opt_out(key, min(unkeyed))
        return bool(rows)

    async def opted_out_among(self, keys: Sequence[OptOutKey]) -> set[OptOutKey]:
        by_hash = {k.keyed: k for k in keys} | {k.unkeyed: k for k in keys}
        found = []
        for chunk in chunks(list(by_hash)):
            rows = await self._session.execute(
                select(OptOutRow.key_hash, OptOutRow.keyed, OptOutRow.at).where(
                    OptOutRow.key_hash.in_(chunk)
                )
            )
            found += list(rows)
        out = set()
        for key_hash, keyed, at in found:
            key = by_hash[key_hash]
            if keyed and key_hash == key.keyed:
                out.add(key)
            elif not keyed and key_hash == key.unkeyed:
                out.add(key)
                await self._store_opt_out(key, at)  # stored before 0008: keyed from now
        return out

    async def add_opt_out(self, key: OptOutKey) -> None:
        await self._store_opt_out(key, datetime.now(UTC))

    async def _store_opt_out(self, key: OptOutKey, at: datetime) -> None:
        """The keyed form only, whatever was stored for the person before."""
        await self.remove_opt_out(key)
        await self._session.execute(insert(OptOutRow).values(key_hash=key.keyed, at=at, keyed=True))

    async def remove_opt_out(self, key: OptOutKey) -> None:
        await self._session.execute(
            delete(OptOutRow).where(OptOutRow.key_hash.in_((key.keyed, key.unkeyed)))
        )

    async def community_opted_out(self, community_id: int, key: OptOutKey) -> bool:
        row = await self._session.get(CommunityOptOutRow, (community_id, key.keyed))
        return row is not None

    async def set_community_opt_out(self, community_id: int, key: OptOutKey, out: bool) -> None:
        await self._session.execute(
            delete(CommunityOptOutRow).where(
                CommunityOptOutRow.community_id == community_id,
                CommunityOptOutRow.key_hash == key.keyed,
            )
        )
        if out:
            self._session.add(
                CommunityOptOutRow(
                    community_id=community_id, key_hash=key.keyed, at=datetime.now(UTC)
                )
            )
            await self._session.flush()
