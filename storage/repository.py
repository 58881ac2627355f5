"""SqlRepository: bot.ports.Repository on one AsyncSession; returns bot.model dataclasses only."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.model import (
    Answer,
    ChatRef,
    Community,
    ParticipantState,
    Participation,
    Person,
    PersonRef,
    Role,
    Round,
    Rubric,
)
from bot.ports import ConcurrentUpdate
from bot.rubric import rubric_to_dict
from storage.participants import participant_query, participant_state
from storage.statements import statements
from storage.tables import (
    AnswerRow,
    CommunityChatRow,
    CommunityRow,
    MembershipRow,
    ParticipationRow,
    PersonRow,
    RoundRow,
    model_values,
    participation_model,
    participation_values,
    snapshot_rubric,
    to_model,
)


class SqlRepository:
    """All reads and writes of one transaction. The session is owned by SqlStorage."""

    def __init__(self, session: AsyncSession, rubrics: dict[int, Rubric] | None = None) -> None:
        self._session = session
        self._rubrics = {} if rubrics is None else rubrics  # round id -> parsed snapshot
        self._postgres = session.get_bind().dialect.name == "postgresql"

    async def _run(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        """Execute a Core statement on the transaction's connection, skipping the ORM layer
        (these hot-path statements return plain rows, never ORM objects)."""
        connection = await self._session.connection()
        return await connection.execute(statement, params)

    # deliveries

    async def claim_delivery(self, platform: str, delivery_id: str, at: datetime) -> bool:
        # One statement: a concurrent twin waits for our commit, then inserts nothing.
        statement = statements(self._postgres).claim_delivery
        params = {"platform": platform, "delivery_id": delivery_id, "processed_at": at}
        result = cast("CursorResult[Any]", await self._run(statement, params))
        return result.rowcount == 1

    # communities

    async def _community(self, row: CommunityRow | None) -> Community | None:
        if row is None:
            return None
        chats = await self._session.scalars(
            select(CommunityChatRow)
            .where(CommunityChatRow.community_id == row.id)
            .order_by(CommunityChatRow.platform, CommunityChatRow.chat_id)
        )
        return to_model(Community, row, chats=tuple(ChatRef(c.platform, c.chat_id) for c in chats))

    async def community_for_chat(self, chat: ChatRef) -> Community | None:
        link = await self._session.get(CommunityChatRow, (chat.platform, chat.chat_id))
        return None if link is None else await self.community_by_id(link.community_id)

    async def community_by_name(self, name: str) -> Community | None:
        row = await self._session.scalar(select(CommunityRow).where(CommunityRow.name == name))
        return await self._community(row)

    async def community_by_id(self, community_id: int) -> Community | None:
        return await self._community(await self._session.get(CommunityRow, community_id))

    async def list_communities(self) -> Sequence[Community]:
        rows = await self._session.scalars(select(CommunityRow).order_by(CommunityRow.id))
        return [c for row in rows.all() if (c := await self._community(row)) is not None]

    async def create_community(
        self, name: str, chat: ChatRef, anonymous: bool, at: datetime
    ) -> Community:
        row = CommunityRow(
            name=name, anonymous=anonymous, export_salt=secrets.token_hex(16), created_at=at
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add(
            CommunityChatRow(community_id=row.id, platform=chat.platform, chat_id=chat.chat_id)
        )
        await self._session.flush()
        return to_model(Community, row, chats=(chat,))

    async def update_community(self, community: Community) -> None:
        await self._session.execute(
            update(CommunityRow)
            .where(CommunityRow.id == community.id)
            .values(name=community.name, anonymous=community.anonymous)
        )

    # people and memberships

    async def person(self, platform: str, user_id: str) -> Person | None:
        result = await self._run(
            select(*PersonRow.__table__.c).where(
                PersonRow.platform == platform, PersonRow.platform_user_id == user_id
            )
        )
        row = result.first()
        return None if row is None else to_model(Person, row)

    async def _person_row(self, platform: str, user_id: str) -> PersonRow | None:
        return await self._session.scalar(
            select(PersonRow)
            .where(PersonRow.platform == platform)
            .where(PersonRow.platform_user_id == user_id)
        )

    async def person_by_id(self, person_id: int) -> Person | None:
        row = await self._session.get(PersonRow, person_id)
        return None if row is None else to_model(Person, row)

    async def upsert_person(self, ref: PersonRef) -> Person:
        row = await self._person_row(ref.platform, ref.user_id)
        name = ref.display_name.strip()
        if row is None:
            row = PersonRow(platform=ref.platform, platform_user_id=ref.user_id, display_name=name)
            self._session.add(row)
        elif name and name != row.display_name:
            row.display_name = name
        await self._session.flush()
        return to_model(Person, row)

    async def role(self, community_id: int, person_id: int) -> Role | None:
        row = await self._session.get(MembershipRow, (community_id, person_id))
        return None if row is None else Role(row.role)

    async def set_role(self, community_id: int, person_id: int, role: Role) -> None:
        row = MembershipRow(community_id=community_id, person_id=person_id, role=str(role))
        await self._session.merge(row)  # insert, or update the stored role
        await self._session.flush()

    async def members(self, community_id: int) -> Sequence[tuple[Person, Role]]:
        rows = await self._session.execute(
            select(PersonRow, MembershipRow.role)
            .join(MembershipRow, MembershipRow.person_id == PersonRow.id)
            .where(MembershipRow.community_id == community_id)
            .order_by(func.lower(PersonRow.display_name), PersonRow.platform_user_id, PersonRow.id)
        )
        return [(to_model(Person, person), Role(role)) for person, role in rows]

    # rounds

    async def create_round(
        self,
        community_id: int,
        title: str,
        opened_at: datetime,
        closes_at: datetime,
        anonymous: bool,
        rubric: Rubric,
    ) -> Round:
        if await self.unclosed_round(community_id) is not None:
            raise ConcurrentUpdate(f"community {community_id} already has an unclosed round")
        last = await self._session.scalar(
            select(func.max(RoundRow.number)).where(RoundRow.community_id == community_id)
        )
        row = RoundRow(
            community_id=community_id,
            number=(last or 0) + 1,
            title=title,
            opened_at=opened_at,
            closes_at=closes_at,
            closed_at=None,
            anonymous=anonymous,
            rubric=rubric_to_dict(rubric),
        )
        self._session.add(row)
        await self._session.flush()  # the partial unique index stops a concurrent twin
        return to_model(Round, row, rubric=rubric)

    async def _rubric(self, round_id: int) -> Rubric:
        rubric = self._rubrics.get(round_id)
        if rubric is None:  # a snapshot never changes: parse it once per round
            data = (await self._run(select(RoundRow.rubric).where(RoundRow.id == round_id))).one()
            rubric = self._rubrics[round_id] = snapshot_rubric(round_id, data[0])
        return rubric

    async def _one_round(self, *criteria: Any) -> Round | None:
        columns = [c for c in RoundRow.__table__.c if c.name != "rubric"]
        result = await self._run(
            select(*columns).where(*criteria).order_by(RoundRow.number.desc()).limit(1)
        )
        row = result.first()
        return None if row is None else to_model(Round, row, rubric=await self._rubric(row.id))

    async def round_by_id(self, round_id: int) -> Round | None:
        return await self._one_round(RoundRow.id == round_id)

    async def round_by_number(self, community_id: int, number: int) -> Round | None:
        return await self._one_round(
            RoundRow.community_id == community_id, RoundRow.number == number
        )

    async def latest_round(self, community_id: int) -> Round | None:
        return await self._one_round(RoundRow.community_id == community_id)

    async def unclosed_round(self, community_id: int) -> Round | None:
        return await self._one_round(
            RoundRow.community_id == community_id, RoundRow.closed_at.is_(None)
        )

    async def close_round(self, round_id: int, at: datetime) -> None:
        await self._session.execute(
            update(RoundRow)
            .where(RoundRow.id == round_id, RoundRow.closed_at.is_(None))
            .values(closed_at=at)
        )

    # participation

    async def add_participation(self, participation: Participation) -> None:
        self._session.add(ParticipationRow(**participation_values(participation)))
        await self._session.flush()

    async def participation(self, round_id: int, person_id: int) -> Participation | None:
        result = await self._run(
            select(*ParticipationRow.__table__.c).where(
                ParticipationRow.round_id == round_id, ParticipationRow.person_id == person_id
            )
        )
        row = result.first()
        return None if row is None else participation_model(row)

    async def participations(self, round_id: int) -> Sequence[Participation]:
        rows = await self._session.scalars(
            select(ParticipationRow)
            .where(ParticipationRow.round_id == round_id)
            .order_by(ParticipationRow.person_id)
        )
        return [participation_model(row) for row in rows]

    async def active_participations(self, person_id: int) -> Sequence[Participation]:
        rows = await self._session.scalars(
            select(ParticipationRow)
            .join(RoundRow, RoundRow.id == ParticipationRow.round_id)
            .where(ParticipationRow.person_id == person_id, RoundRow.closed_at.is_(None))
            .order_by(RoundRow.opened_at.desc(), RoundRow.id.desc())
        )
        return [participation_model(row) for row in rows]

    async def participant_state(
        self, round_id: int, platform: str, user_id: str
    ) -> ParticipantState | None:
        params = {"round_id": round_id, "platform": platform, "user_id": user_id}
        result = await self._run(participant_query(), params)
        return await participant_state(list(result), self._rubric)

    async def save_participation(self, participation: Participation) -> Participation:
        params = {f"b_{key}": value for key, value in participation_values(participation).items()}
        statement = statements(self._postgres).save_participation
        result = cast("CursorResult[Any]", await self._run(statement, params))
        if result.rowcount != 1:
            raise ConcurrentUpdate(
                f"participation of person {participation.person_id} in round "
                f"{participation.round_id} is no longer at version {participation.version}"
            )
        return replace(participation, version=participation.version + 1)

    # answers

    async def save_answer(self, answer: Answer) -> None:
        # One upsert; the first answered_at stays, the rest is replaced.
        await self._run(statements(self._postgres).save_answer, model_values(answer))

    async def answers(self, round_id: int, person_id: int | None = None) -> Sequence[Answer]:
        statement = select(*AnswerRow.__table__.c).where(AnswerRow.round_id == round_id)
        if person_id is not None:
            statement = statement.where(AnswerRow.person_id == person_id)
        rows = await self._run(statement.order_by(AnswerRow.answered_at, AnswerRow.id))
        return [to_model(Answer, row) for row in rows]
