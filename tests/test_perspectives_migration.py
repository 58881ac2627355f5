"""The perspectives migration only adds: a database of the version before keeps every row,
its communities have perspectives off with the default groups, its rounds have no groups (so
nobody is asked mid-round) and nobody has a group yet."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.pool import NullPool
from support import ROOT

from bot.model import DEFAULT_GROUPS, Stage
from bot.rubric.loader import load_rubric, rubric_to_dict
from storage import open_storage, upgrade
from storage.database import make_engine

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_upgrading_keeps_every_row_with_perspectives_off(database_url: str) -> None:
    await upgrade(database_url, "0013")
    engine = make_engine(database_url, poolclass=NullPool)
    rubric = json.dumps(rubric_to_dict(load_rubric(ROOT / "rubric.toml")))
    rows = [
        "INSERT INTO communities (id, name, anonymous, export_salt, settings, created_at, "
        "join_code, email_summary, priorities, min_responses) "
        "VALUES (1, 'Old', true, 's', '{}', :at, 'JOINCODE12345678', true, true, 4)",
        "INSERT INTO people (id, platform, platform_user_id, display_name, timezone) "
        "VALUES (1, 'slack', 'U1', 'ana', 'UTC')",
        "INSERT INTO memberships (community_id, person_id, role) VALUES (1, 1, 'participant')",
        "INSERT INTO rounds (id, community_id, number, title, opened_at, closes_at, anonymous, "
        "rubric, min_responses, extended, timezone, priorities) "
        "VALUES (1, 1, 1, 'Spring', :at, :closes, true, :rubric, 4, false, 'UTC', true)",
        "INSERT INTO participations (round_id, person_id, stage, position, unreachable, "
        "version, reminders_off, priorities) "
        "VALUES (1, 1, 'answering', 1, false, 3, false, '[]')",
        "INSERT INTO answers (round_id, person_id, category_id, level, comment, answered_at, "
        "updated_at) VALUES (1, 1, 'vision', 3, 'kept', :at, :at)",
    ]
    values = {"at": T0, "closes": T0 + timedelta(days=14), "rubric": rubric}
    try:
        async with engine.begin() as connection:
            for row in rows:
                await connection.execute(text(row), values)
    finally:
        await engine.dispose()
    await upgrade(database_url)
    storage = await open_storage(database_url)
    try:
        async with storage.transaction() as repo:
            community = await repo.community_by_id(1)
            assert community is not None and community.min_responses == 4
            assert not community.perspectives and not community.export_groups
            assert community.groups == DEFAULT_GROUPS
            round_ = await repo.round_by_id(1)
            assert round_ is not None and round_.groups is None and round_.title == "Spring"
            participation = await repo.participation(1, 1)
            assert participation is not None and participation.group is None
            assert participation.stage is Stage.ANSWERING and participation.version == 3
            [answer] = await repo.answers(1)
            assert (answer.level, answer.comment) == (3, "kept")
            assert await repo.group_of(1, 1) is None
            assert [p.id for p, _role in await repo.members(1)] == [1]
    finally:
        await storage.close()
