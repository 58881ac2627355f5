"""Alembic environment for maturity-bot (async engines).

Called by storage.migrate, it finds an open synchronous Connection in
config.attributes["connection"] (handed over by AsyncConnection.run_sync) and uses it, so it
never starts an event loop of its own. Run by the alembic CLI, it makes its own async engine
from DATABASE_URL (or `-x url=...`). Logging is left to the application: no fileConfig.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import pool
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


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
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
