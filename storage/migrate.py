"""Schema migrations (Alembic), run programmatically from package paths.

`upgrade` and `current_revision` are coroutines, safe to await from a running event loop;
`upgrade_sync` is for the command line (`maturity-bot db upgrade`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from storage.database import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at storage/migrations, whatever the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database behind engine to revision, in one transaction where the
    database allows it (PostgreSQL: yes; SQLite: DDL commits as it goes)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at url to revision (default: head)."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        await upgrade_engine(engine, revision)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    """upgrade() for synchronous callers such as the CLI; not from inside an event loop."""
    asyncio.run(upgrade(url, revision))


async def current_revision(url: str) -> str | None:
    """The revision the database at url is at; None for a database never migrated."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current)
    finally:
        await engine.dispose()
