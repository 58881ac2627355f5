"""People reached by email: their addresses and their personal links (token hashes only)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Text, cast, delete, func, or_, select

from bot.model import AccessLink, LinkKind, Person
from storage.base import QueryBase
from storage.tables import AccessLinkRow, AddressRow, OutboxRow, PersonRow, to_model


class AddressQueries(QueryBase):
    """Addresses and personal links."""

    async def address_of(self, person_id: int) -> str | None:
        row = await self._session.get(AddressRow, person_id)
        return None if row is None else row.address

    async def person_by_address(self, platform: str, address: str) -> Person | None:
        row = await self._session.scalar(
            select(PersonRow)
            .join(AddressRow, AddressRow.person_id == PersonRow.id)
            .where(AddressRow.address == address, PersonRow.platform == platform)
        )
        return None if row is None else to_model(Person, row)

    async def set_address(self, person_id: int, address: str) -> None:
        await self._session.merge(AddressRow(person_id=person_id, address=address))
        await self._session.flush()  # an address taken by someone else fails on its key

    async def save_link(self, link: AccessLink) -> None:
        self._session.add(
            AccessLinkRow(
                token_hash=link.token_hash,
                community_id=link.community_id,
                person_id=link.person_id,
                address=link.address,
                created_at=link.created_at,
                salt=link.salt,
                kind=str(link.kind),
            )
        )
        await self._session.flush()

    async def link_by_hash(self, token_hash: str) -> AccessLink | None:
        row = await self._session.get(AccessLinkRow, token_hash)
        return None if row is None else _link(row)

    async def drop_link(self, token_hash: str) -> None:
        await self._session.execute(
            delete(AccessLinkRow).where(AccessLinkRow.token_hash == token_hash)
        )

    async def prune_join_requests(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(AccessLinkRow).where(
                AccessLinkRow.person_id.is_(None), AccessLinkRow.created_at < before
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_address(self, address: str) -> int:
        requests = await self._session.execute(
            delete(AccessLinkRow).where(func.lower(AccessLinkRow.address) == address.lower())
        )
        # An owed message's payload is JSON: the address as written, or escaped in it.
        payload = func.lower(cast(OutboxRow.payload, Text))
        forms = {address.lower(), json.dumps(address.lower())[1:-1]}
        owed = await self._session.execute(
            delete(OutboxRow).where(
                OutboxRow.payload.is_not(None), or_(*(payload.contains(f) for f in forms))
            )
        )
        return sum(int(getattr(r, "rowcount", 0) or 0) for r in (requests, owed))

    async def personal_links_before(self, before: datetime, limit: int) -> Sequence[AccessLink]:
        rows = await self._session.scalars(
            select(AccessLinkRow)
            .where(AccessLinkRow.person_id.is_not(None), AccessLinkRow.created_at < before)
            .order_by(AccessLinkRow.created_at)
            .limit(limit)
        )
        return [_link(row) for row in rows]

    async def drop_links(self, token_hashes: Sequence[str]) -> None:
        if token_hashes:
            await self._session.execute(
                delete(AccessLinkRow).where(AccessLinkRow.token_hash.in_(token_hashes))
            )

    async def prune_surplus_links(self, kept: int) -> int:
        newest_first = (
            func.row_number()
            .over(
                partition_by=(
                    AccessLinkRow.person_id,
                    AccessLinkRow.community_id,
                    AccessLinkRow.kind,
                ),
                order_by=(AccessLinkRow.created_at.desc(), AccessLinkRow.token_hash),
            )
            .label("place")
        )
        ranked = (
            select(AccessLinkRow.token_hash, newest_first)
            .where(AccessLinkRow.person_id.is_not(None))
            .subquery()
        )
        surplus = select(ranked.c.token_hash).where(ranked.c.place > kept)
        result = await self._session.execute(
            delete(AccessLinkRow).where(AccessLinkRow.token_hash.in_(surplus))
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _link(row: AccessLinkRow) -> AccessLink:
    return to_model(AccessLink, row, kind=LinkKind(row.kind))
