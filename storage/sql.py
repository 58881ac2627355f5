"""SqlStorage: hands out one SqlRepository per database transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.model import Rubric
from bot.ports import ConcurrentUpdate, DuplicateDelivery
from storage.database import check_sqlite_folder, make_engine
from storage.deployment import deployment_secret
from storage.migrate import upgrade_engine
from storage.repository import SqlRepository
from storage.tables import ProcessedDeliveryRow

if TYPE_CHECKING:
    from bot.ports import Repository, Storage

_UNIQUE_VIOLATION = "23505"  # PostgreSQL SQLSTATE


def _is_unique_violation(error: IntegrityError) -> bool:
    original = error.orig
    if getattr(original, "sqlstate", None) == _UNIQUE_VIOLATION:
        return True
    message = str(original).lower()
    return "unique constraint" in message or "duplicate key" in message


def translate_integrity_error(error: IntegrityError) -> Exception:
    """DuplicateDelivery for a twin delivery id, ConcurrentUpdate for another unique key,
    the error itself for anything else (foreign keys, checks, NOT NULL: those are bugs)."""
    if not _is_unique_violation(error):
        return error
    if ProcessedDeliveryRow.__tablename__ in str(error.orig):
        return DuplicateDelivery(str(error.orig))
    return ConcurrentUpdate(str(error.orig))


class SqlStorage:
    """A database reached through one async engine."""

    def __init__(self, engine: AsyncEngine, secret: bytes | None = None) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._rubrics: dict[int, Rubric] = {}  # parsed round snapshots, shared by transactions
        self._secret = secret  # the deployment's (open_storage reads it); never logged

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlRepository]:
        """Commit on normal exit, roll back on an exception; a unique-key race surfaces as
        DuplicateDelivery (processed_deliveries) or ConcurrentUpdate (anything else)."""
        async with self._sessions() as session:
            try:
                async with session.begin():
                    yield SqlRepository(session, self._rubrics, self._secret)
            except IntegrityError as error:
                translated = translate_integrity_error(error)
                if translated is error:
                    raise
                raise translated from error

    async def ping(self) -> bool:
        """True when the database answers; False (never an exception) when it does not."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(select(1))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


async def open_storage(url: str, *, migrate: bool = True) -> SqlStorage:
    """Connect to url (sqlite:///path or postgresql://...), upgrading the schema to head
    first unless migrate is False."""
    check_sqlite_folder(url)
    engine = make_engine(url)
    try:
        if migrate:
            await upgrade_engine(engine)
        secret = await deployment_secret(engine)  # made at first start, in its own commit
    except BaseException:
        await engine.dispose()
        raise
    return SqlStorage(engine, secret)


if TYPE_CHECKING:

    def _conforms(storage: SqlStorage, repository: SqlRepository) -> tuple[Storage, Repository]:
        return storage, repository
