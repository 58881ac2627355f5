"""Schema migrations (Alembic), run programmatically from package paths.

`upgrade` and `current_revision` are coroutines, safe to await from a running event loop;
`upgrade_sync` is for the command line (`maturity-bot db upgrade`).

An upgrade is one transaction on both databases: every pending migration or none. A database
stamped with a revision this code does not know (a newer version upgraded it) is refused with
NewerDatabase before anything is written.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from storage.database import check_sqlite_folder, make_engine, read_database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class NewerDatabase(Exception):
    """The database is at a revision this code does not know: a newer version upgraded it.
    Its message is the one line an operator sees."""

    def __init__(self, found: str, known: str | None) -> None:
        self.found, self.known = found, known
        super().__init__(
            f"This database was upgraded by a newer maturity-bot (schema {found}); this version "
            f"knows up to {known or 'none'}. Run the newer version, or restore a backup."
        )


def alembic_config(connection: Connection | None = None, location: Path = MIGRATIONS) -> Config:
    """An Alembic Config pointing at storage/migrations, whatever the working directory."""
    config = Config()
    config.set_main_option("script_location", str(location).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _refuse_unknown(connection: Connection, scripts: ScriptDirectory) -> None:
    """NewerDatabase when the database's revision is not one of ours; writes nothing."""
    for found in MigrationContext.configure(connection).get_current_heads():
        try:
            scripts.get_revision(found)
        except CommandError:  # "Can't locate revision": a newer version's migration
            raise NewerDatabase(found, scripts.get_current_head()) from None


def _refuse_newer(connection: Connection) -> None:
    _refuse_unknown(connection, ScriptDirectory.from_config(alembic_config()))


async def refuse_newer(url: str) -> None:
    """NewerDatabase when a newer version has upgraded the database at url. Only reads: for
    the command line, before it says or starts anything."""
    check_sqlite_folder(url)
    await read_database(url, _refuse_newer)


def _upgrade(connection: Connection, revision: str, location: Path) -> None:
    if connection.dialect.name == "sqlite":
        # Python's sqlite3 runs DDL outside any transaction until a data statement opens one,
        # so a failure half-way would leave some migrations applied and the revision unmoved.
        # SQLite itself rolls DDL back: open the transaction ourselves, for the whole upgrade
        # (IMMEDIATE: a second process starting at the same moment waits, then finds it done).
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    config = alembic_config(connection, location)
    _refuse_unknown(connection, ScriptDirectory.from_config(config))
    command.upgrade(config, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_engine(
    engine: AsyncEngine, revision: str = "head", *, location: Path = MIGRATIONS
) -> None:
    """Upgrade the database behind engine to revision in one transaction (SQLite and
    PostgreSQL alike): a failure leaves the database as it was. NewerDatabase, changing
    nothing, when a newer version has already upgraded it."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision, location)


async def upgrade(url: str, revision: str = "head", *, location: Path = MIGRATIONS) -> None:
    """Upgrade the database at url to revision (default: head)."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        await upgrade_engine(engine, revision, location=location)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    """upgrade() for synchronous callers such as the CLI; not from inside an event loop."""
    asyncio.run(upgrade(url, revision))


async def current_revision(url: str) -> str | None:
    """The revision the database at url is at; None for a database never migrated."""
    return await read_database(url, _current)
