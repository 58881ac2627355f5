"""Communities, the chats they span, and the codes that link more chats to them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from bot.model import DEFAULT_GROUPS, DEFAULT_MIN_RESPONSES, WORKING_WEEK, ChatRef, Community
from storage.base import QueryBase
from storage.tables import CommunityChatRow, CommunityRow, LinkCodeRow, OutboxRow, fit, to_model


def new_join_code() -> str:
    """16 unguessable characters of [A-Za-z0-9_-]: fits a Telegram deep-link payload."""
    return secrets.token_urlsafe(12)


def _groups(row: CommunityRow) -> tuple[str, ...]:
    return DEFAULT_GROUPS if not row.groups else tuple(row.groups)


class CommunityQueries(QueryBase):
    """Communities with their chats."""

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
            **_from_settings(row.settings),
            groups=_groups(row),
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
        self, name: str, chat: ChatRef | None, anonymous: bool, at: datetime
    ) -> Community:
        row = CommunityRow(
            name=fit(name, CommunityRow.name),
            anonymous=anonymous,
            export_salt=secrets.token_hex(16),
            created_at=at,
            min_responses=DEFAULT_MIN_RESPONSES,  # rows from before keep theirs
            join_code=new_join_code(),
        )
        self._session.add(row)
        await self._session.flush()
        if chat is not None:
            self._session.add(
                CommunityChatRow(community_id=row.id, platform=chat.platform, chat_id=chat.chat_id)
            )
            await self._session.flush()
        chats = (chat,) if chat is not None else ()
        return to_model(
            Community,
            row,
            chats=chats,
            join_code=row.join_code or "",
            groups=_groups(row),
            **_from_settings({}),
        )

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

    async def move_chat(self, old: ChatRef, new: ChatRef) -> Community | None:
        link = await self._session.get(CommunityChatRow, (old.platform, old.chat_id))
        if link is None:
            return None
        community_id = link.community_id
        taken = await self._session.get(CommunityChatRow, (new.platform, new.chat_id))
        if taken is not None and taken.community_id != community_id:
            return None  # the new chat is another community's already: leave both alone
        old_link = (CommunityChatRow.platform == old.platform) & (
            CommunityChatRow.chat_id == old.chat_id
        )
        if taken is None:
            await self._session.execute(
                update(CommunityChatRow)
                .where(old_link)
                .values(platform=new.platform, chat_id=new.chat_id)
                .execution_options(synchronize_session=False)
            )
        else:  # told twice (Telegram says it in the old chat and in the new)
            await self._session.execute(
                delete(CommunityChatRow)
                .where(old_link)
                .execution_options(synchronize_session=False)
            )
        await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.platform == old.platform,
                OutboxRow.chat_id == old.chat_id,
                OutboxRow.sent_at.is_(None),
            )
            .values(platform=new.platform, chat_id=new.chat_id)
        )
        self._session.expire_all()
        return await self.community_by_id(community_id)

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
                name=fit(community.name, CommunityRow.name),
                anonymous=community.anonymous,
                min_responses=community.min_responses,
                priorities=community.priorities,
                email_summary=community.email_summary,
                settings={
                    "timezone": community.timezone,
                    "working_days": sorted(community.working_days),
                },
                perspectives=community.perspectives,
                groups=None if community.groups == DEFAULT_GROUPS else list(community.groups),
                export_groups=community.export_groups,
            )
        )


def _from_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The community's settings kept in its JSON column: its zone and working days (a value
    this version cannot read falls back to the default)."""
    kept = settings if isinstance(settings, dict) else {}
    zone = kept.get("timezone")
    days = kept.get("working_days")
    good_days = (
        isinstance(days, list)
        and bool(days)
        and all(isinstance(d, int) and 0 <= d <= 6 for d in days)
    )
    return {
        "timezone": zone if isinstance(zone, str) else "",
        "working_days": tuple(sorted(set(days)))
        if good_days and isinstance(days, list)
        else WORKING_WEEK,
    }
