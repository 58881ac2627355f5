"""Communities, people and memberships: the half of SqlRepository that says who is who."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.model import (
    ChatRef,
    Community,
    Person,
    PersonRef,
    Role,
    Rubric,
)
from storage.tables import (
    CommunityChatRow,
    CommunityRow,
    LinkCodeRow,
    MembershipRow,
    PersonRow,
    to_model,
)


def new_join_code() -> str:
    """16 unguessable characters of [A-Za-z0-9_-]: fits a Telegram deep-link payload."""
    return secrets.token_urlsafe(12)


class QueryBase:
    """The session of one transaction and a fast path for Core statements."""

    def __init__(self, session: AsyncSession, rubrics: dict[int, Rubric] | None = None) -> None:
        self._session = session
        self._rubrics = {} if rubrics is None else rubrics  # round id -> parsed snapshot
        self._postgres = session.get_bind().dialect.name == "postgresql"

    async def _run(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        """Execute a Core statement on the transaction's connection, skipping the ORM layer
        (these hot-path statements return plain rows, never ORM objects)."""
        connection = await self._session.connection()
        return await connection.execute(statement, params)


class PeopleQueries(QueryBase):
    """Communities with their chats, people and their roles."""

    # communities

    async def _community(self, row: CommunityRow | None) -> Community | None:
        if row is None:
            return None
        chats = await self._session.scalars(
            select(CommunityChatRow)
            .where(CommunityChatRow.community_id == row.id)
            .order_by(CommunityChatRow.platform, CommunityChatRow.chat_id)
        )
        return to_model(
            Community,
            row,
            chats=tuple(ChatRef(c.platform, c.chat_id) for c in chats),
            join_code=row.join_code or "",
        )

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
            name=name,
            anonymous=anonymous,
            export_salt=secrets.token_hex(16),
            created_at=at,
            join_code=new_join_code(),
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add(
            CommunityChatRow(community_id=row.id, platform=chat.platform, chat_id=chat.chat_id)
        )
        await self._session.flush()
        return to_model(Community, row, chats=(chat,), join_code=row.join_code or "")

    async def community_by_join_code(self, code: str) -> Community | None:
        row = await self._session.scalar(select(CommunityRow).where(CommunityRow.join_code == code))
        return await self._community(row)

    async def add_chat(self, community_id: int, chat: ChatRef) -> None:
        self._session.add(
            CommunityChatRow(
                community_id=community_id, platform=chat.platform, chat_id=chat.chat_id
            )
        )
        await self._session.flush()  # a chat already linked elsewhere fails on the key

    async def create_link_code(self, community_id: int, code: str, expires_at: datetime) -> None:
        self._session.add(LinkCodeRow(code=code, community_id=community_id, expires_at=expires_at))
        await self._session.flush()

    async def take_link_code(self, code: str, now: datetime) -> int | None:
        row = await self._session.get(LinkCodeRow, code)
        if row is None:
            return None
        await self._session.delete(row)  # one use only, expired or not
        await self._session.flush()
        return row.community_id if now < row.expires_at else None

    async def update_community(self, community: Community) -> None:
        await self._session.execute(
            update(CommunityRow)
            .where(CommunityRow.id == community.id)
            .values(
                name=community.name,
                anonymous=community.anonymous,
                min_responses=community.min_responses,
            )
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
        if ref.timezone and ref.timezone != row.timezone:
            row.timezone = ref.timezone
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
