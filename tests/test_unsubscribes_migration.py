"""The unsubscribes' migration only adds: a database of the version before keeps every row,
its personal links keep opening their pages, and opt-outs stored before stay as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.pool import NullPool

from bot.access.joining import join_request
from bot.access.links import visit
from bot.access.tokens import token_hash
from bot.model import LinkKind, OptOutKey
from bot.platforms import Platforms
from storage import open_storage, upgrade
from storage.database import make_engine

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PAGE, JOIN = "p" * 43, "j" * 43  # tokens emailed before the upgrade


async def test_upgrading_keeps_every_row_link_and_opt_out(database_url: str) -> None:
    await upgrade(database_url, "0013")
    engine = make_engine(database_url, poolclass=NullPool)
    rows = [
        "INSERT INTO communities (id, name, anonymous, export_salt, settings, created_at, "
        "join_code, email_summary, priorities, min_responses) "
        "VALUES (1, 'Old', true, 's', '{}', :at, 'JOINCODE12345678', true, true, 4)",
        "INSERT INTO people (id, platform, platform_user_id, display_name, timezone) "
        "VALUES (1, 'web', 'a1b2', 'ana', 'UTC')",
        "INSERT INTO addresses (person_id, address) VALUES (1, 'ana@example.org')",
        "INSERT INTO memberships (community_id, person_id, role) VALUES (1, 1, 'participant')",
        "INSERT INTO access_links (token_hash, community_id, person_id, address, created_at) "
        "VALUES (:page, 1, 1, NULL, :at)",
        "INSERT INTO access_links (token_hash, community_id, person_id, address, created_at, "
        "salt) VALUES (:join, 1, NULL, 'ben@example.org', :at, 'abc')",
        "INSERT INTO opt_outs (key_hash, at, keyed) VALUES (:out, :at, true)",
    ]
    try:
        async with engine.begin() as connection:
            values = {"at": T0, "page": token_hash(PAGE), "join": token_hash(JOIN), "out": "f" * 64}
            for row in rows:
                await connection.execute(text(row), values)
    finally:
        await engine.dispose()
    await upgrade(database_url)
    storage = await open_storage(database_url)
    try:
        async with storage.transaction() as repo:
            person = await repo.person_by_address("web", "ana@example.org")
            assert person is not None
            found = await visit(repo, PAGE, T0 + timedelta(days=1), Platforms())
            assert found is not None and found.person == person
            link = await repo.link_by_hash(token_hash(PAGE))
            assert link is not None and link.kind is LinkKind.PAGE
            asked = await join_request(repo, JOIN, T0 + timedelta(hours=1))
            assert asked is not None and asked.address == "ben@example.org"
            assert await repo.is_opted_out(OptOutKey("f" * 64, "0" * 64))
            assert not await repo.community_opted_out(1, OptOutKey("f" * 64, "0" * 64))
            assert [p.id for p, _role in await repo.members(1)] == [1]
    finally:
        await storage.close()
