"""People on the platforms, and their roles in communities."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.model import Person, PersonRef, Role
from bot.platform_text import known_timezone
from storage.base import QueryBase, chunks
from storage.tables import MembershipRow, PersonRow, fit, to_model


@cache
def membership_statement(postgres: bool) -> Any:
    """A membership added where there is none yet (a lead stays a lead)."""
    insert = postgresql_insert if postgres else sqlite_insert
    return insert(MembershipRow).on_conflict_do_nothing(
        index_elements=["community_id", "person_id"]
    )


class PeopleQueries(QueryBase):
    """People and their memberships."""

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

    async def upsert_people(self, refs: Sequence[PersonRef]) -> list[Person]:
        # A statement per hundreds of people, not several per person: a 5,000-person channel
        # opens a round in well under a second.
        rows: dict[tuple[str, str], PersonRow] = {}
        for chunk in chunks(refs):
            pairs = [(ref.platform, ref.user_id) for ref in chunk]
            found = await self._session.scalars(
                select(PersonRow).where(
                    tuple_(PersonRow.platform, PersonRow.platform_user_id).in_(pairs)
                )
            )
            rows |= {(row.platform, row.platform_user_id): row for row in found}
        for ref in refs:
            name = fit(ref.display_name.strip(), PersonRow.display_name)
            zone = known_timezone(ref.timezone)
            row = rows.get((ref.platform, ref.user_id))
            if row is None:
                row = PersonRow(platform=ref.platform, platform_user_id=ref.user_id)
                row.display_name, row.timezone = name, zone or "UTC"
                self._session.add(row)
                rows[(ref.platform, ref.user_id)] = row
                continue
            if name and name != row.display_name:
                row.display_name = name
            if zone and zone != row.timezone:
                row.timezone = zone
        await self._session.flush()
        return [to_model(Person, rows[(ref.platform, ref.user_id)]) for ref in refs]

    async def add_members(self, community_id: int, person_ids: Sequence[int]) -> None:
        if person_ids:
            rows = [
                {"community_id": community_id, "person_id": i, "role": str(Role.PARTICIPANT)}
                for i in person_ids
            ]
            await self._run(membership_statement(self._postgres), rows)

    async def upsert_person(self, ref: PersonRef) -> Person:
        row = await self._person_row(ref.platform, ref.user_id)
        name = fit(ref.display_name.strip(), PersonRow.display_name)
        zone = known_timezone(ref.timezone)
        if row is None:
            row = PersonRow(platform=ref.platform, platform_user_id=ref.user_id, display_name=name)
            self._session.add(row)
        elif name and name != row.display_name:
            row.display_name = name
        if zone and zone != row.timezone:
            row.timezone = zone
        await self._session.flush()
        return to_model(Person, row)

    async def role(self, community_id: int, person_id: int) -> Role | None:
        row = await self._session.get(MembershipRow, (community_id, person_id))
        return None if row is None else Role(row.role)

    async def set_role(self, community_id: int, person_id: int, role: Role) -> None:
        row = MembershipRow(community_id=community_id, person_id=person_id, role=str(role))
        await self._session.merge(row)  # insert, or update the stored role
        await self._session.flush()

    async def group_of(self, community_id: int, person_id: int) -> str | None:
        row = await self._session.get(MembershipRow, (community_id, person_id))
        return None if row is None else row.group

    async def set_group(self, community_id: int, person_id: int, group: str) -> None:
        await self._session.execute(
            update(MembershipRow)
            .where(MembershipRow.community_id == community_id, MembershipRow.person_id == person_id)
            .values(group=group)
        )

    async def remove_member(self, community_id: int, person_id: int) -> None:
        await self._session.execute(
            delete(MembershipRow).where(
                MembershipRow.community_id == community_id, MembershipRow.person_id == person_id
            )
        )

    async def members(self, community_id: int) -> Sequence[tuple[Person, Role]]:
        rows = await self._session.execute(
            select(PersonRow, MembershipRow.role)
            .join(MembershipRow, MembershipRow.person_id == PersonRow.id)
            .where(MembershipRow.community_id == community_id)
            .order_by(func.lower(PersonRow.display_name), PersonRow.platform_user_id, PersonRow.id)
        )
        return [(to_model(Person, person), Role(role)) for person, role in rows]
