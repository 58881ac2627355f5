"""Board links: one per community, stored by the hash of its token."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.model import BoardLink
from storage.base import QueryBase
from storage.tables import BoardLinkRow, to_model


class BoardQueries(QueryBase):
    """The communities' board links."""

    async def board_link(self, community_id: int) -> BoardLink | None:
        row = await self._session.get(BoardLinkRow, community_id)
        return None if row is None else to_model(BoardLink, row)

    async def board_link_by_hash(self, token_hash: str) -> BoardLink | None:
        row = await self._session.scalar(
            select(BoardLinkRow).where(BoardLinkRow.token_hash == token_hash)
        )
        return None if row is None else to_model(BoardLink, row)

    async def save_board_link(self, link: BoardLink) -> None:
        row = await self._session.get(BoardLinkRow, link.community_id)
        if row is None:
            row = BoardLinkRow(community_id=link.community_id)
            self._session.add(row)
        row.token_hash, row.salt, row.created_at = link.token_hash, link.salt, link.created_at
        await self._session.flush()

    async def drop_board_link(self, community_id: int) -> bool:
        result = await self._session.execute(
            delete(BoardLinkRow).where(BoardLinkRow.community_id == community_id)
        )
        return bool(getattr(result, "rowcount", 0))
