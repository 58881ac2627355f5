"""Alembic environment for maturity-bot (async engines).

Called by storage.migrate, it finds an open synchronous Connection in
config.attributes["connection"] (handed over by AsyncConnection.run_sync) and uses it, so it
never starts an event loop of its own. Run by the alembic CLI, it makes its own async engine
from DATABASE_URL (or `-x url=...`). Logging is left to the application: no fileConfig.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection

from storage.database import async_url, make_engine
from storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: set DATABASE_URL or pass -x url=...")
    return url


PRIORITIES_ADDED = "0010"


def rounds_keep_their_settings(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    """A setting added for rounds takes, for the rounds already there, the value that matches
    how they behaved. 0010 added rounds.priorities with server_default true, which would turn
    the priorities step on for rounds open at the upgrade (and make closed ones look as if
    they had asked). Right after 0010 is applied, in the same transaction, every round there
    is one made before priorities existed: it never asked, so priorities is off. 0010 itself
    has landed and never changes, so the rule lives here. A database that went through 0010
    before this rule existed cannot tell its old rounds from its new ones: nothing is guessed.
    """
    if step.is_upgrade and PRIORITIES_ADDED in step.up_revision_ids:
        assert ctx.connection is not None
        ctx.connection.execute(text("UPDATE rounds SET priorities = false"))


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=rounds_keep_their_settings,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=async_url(_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone(url: str) -> None:
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_offline()
elif isinstance(shared := config.attributes.get("connection"), Connection):
    run_migrations(shared)
else:
    asyncio.run(run_standalone(_url()))
