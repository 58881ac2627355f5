"""Leads' sign-in links and sessions (token hashes only), and the hits rate limits count
(keyed hashes only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from bot.model import LeadSession, SignInLink
from storage.base import QueryBase
from storage.tables import LeadSessionRow, RateHitRow, SignInRow, to_model


class AccessQueries(QueryBase):
    """Sign-in links, sessions and rate-limit hits."""

    async def save_sign_in(self, link: SignInLink) -> None:
        self._session.add(
            SignInRow(
                token_hash=link.token_hash, person_id=link.person_id, created_at=link.created_at
            )
        )
        await self._session.flush()

    async def take_sign_in(self, token_hash: str) -> SignInLink | None:
        row = await self._session.get(SignInRow, token_hash)
        if row is None:
            return None
        found = to_model(SignInLink, row)
        await self._session.delete(row)  # one use only, whatever comes of it
        await self._session.flush()
        return found

    async def save_session(self, session: LeadSession) -> None:
        self._session.add(
            LeadSessionRow(
                token_hash=session.token_hash,
                person_id=session.person_id,
                created_at=session.created_at,
                seen_at=session.seen_at,
            )
        )
        await self._session.flush()

    async def lead_session(self, token_hash: str) -> LeadSession | None:
        row = await self._session.get(LeadSessionRow, token_hash)
        return None if row is None else to_model(LeadSession, row)

    async def touch_session(self, token_hash: str, at: datetime) -> None:
        await self._session.execute(
            update(LeadSessionRow).where(LeadSessionRow.token_hash == token_hash).values(seen_at=at)
        )

    async def drop_session(self, token_hash: str) -> None:
        await self._session.execute(
            delete(LeadSessionRow).where(LeadSessionRow.token_hash == token_hash)
        )

    async def prune_access(self, sign_ins_before: datetime, idle_before: datetime) -> int:
        links = await self._session.execute(
            delete(SignInRow).where(SignInRow.created_at < sign_ins_before)
        )
        sessions = await self._session.execute(
            delete(LeadSessionRow).where(LeadSessionRow.seen_at < idle_before)
        )
        return int(getattr(links, "rowcount", 0) or 0) + int(getattr(sessions, "rowcount", 0) or 0)

    async def count_hits(self, key: str, since: datetime) -> int:
        counted = await self._session.scalar(
            select(func.count())
            .select_from(RateHitRow)
            .where(RateHitRow.key == key, RateHitRow.at > since)
        )
        return int(counted or 0)

    async def add_hit(self, key: str, at: datetime) -> None:
        self._session.add(RateHitRow(key=key, at=at))
        await self._session.flush()

    async def prune_hits(self, before: datetime) -> int:
        result = await self._session.execute(delete(RateHitRow).where(RateHitRow.at < before))
        return int(getattr(result, "rowcount", 0) or 0)
