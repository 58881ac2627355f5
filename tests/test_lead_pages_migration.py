"""The lead pages' migration only adds: a database of the version before keeps every row, and
its links keep working (a personal link, and a join request emailed before the upgrade)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.pool import NullPool

from bot.access.joining import join_request
from bot.access.links import visit
from bot.access.tokens import token_hash
from bot.platforms import Platforms
from storage import open_storage, upgrade
from storage.database import make_engine

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PAGE, JOIN = "p" * 43, "j" * 43  # tokens emailed before the upgrade


async def test_upgrading_keeps_every_row_and_every_link_working(database_url: str) -> None:
    await upgrade(database_url, "0011")
    engine = make_engine(database_url, poolclass=NullPool)
    rows = [
        "INSERT INTO communities (id, name, anonymous, export_salt, settings, created_at, "
        "join_code, email_summary, priorities, min_responses) "
        "VALUES (1, 'Old', true, 's', '{}', :at, 'JOINCODE12345678', true, true, 4)",
        "INSERT INTO people (id, platform, platform_user_id, display_name, timezone) "
        "VALUES (1, 'web', 'a1b2', 'ana', 'UTC')",
        "INSERT INTO addresses (person_id, address) VALUES (1, 'ana@example.org')",
        "INSERT INTO memberships (community_id, person_id, role) VALUES (1, 1, 'lead')",
        "INSERT INTO access_links (token_hash, community_id, person_id, address, created_at) "
        "VALUES (:page, 1, 1, NULL, :at)",
        "INSERT INTO access_links (token_hash, community_id, person_id, address, created_at) "
        "VALUES (:join, 1, NULL, 'ben@example.org', :at)",
    ]
    try:
        async with engine.begin() as connection:
            for row in rows:
                values = {"at": T0, "page": token_hash(PAGE), "join": token_hash(JOIN)}
                await connection.execute(text(row), values)
    finally:
        await engine.dispose()
    await upgrade(database_url)
    storage = await open_storage(database_url)
    try:
        async with storage.transaction() as repo:
            community = await repo.community_by_id(1)
            person = await repo.person_by_address("web", "ana@example.org")
            assert community is not None and community.min_responses == 4
            assert person is not None and await repo.address_of(person.id) == "ana@example.org"
            found = await visit(repo, PAGE, T0 + timedelta(days=1), Platforms())
            assert found is not None and found.person == person
            asked = await join_request(repo, JOIN, T0 + timedelta(hours=1))
            assert asked is not None and asked.address == "ben@example.org" and asked.salt is None
            assert [c.name for c in await repo.list_communities()] == ["Old"]
            assert [p.id for p, _role in await repo.members(1)] == [1]
    finally:
        await storage.close()
