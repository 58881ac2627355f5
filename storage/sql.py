"""SqlStorage: hands out one SqlRepository per database transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.ports import ConcurrentUpdate, Courier
from storage.base import ParsedRubrics
from storage.database import check_sqlite_folder, make_engine
from storage.deployment import deployment_secret
from storage.migrate import upgrade_engine
from storage.repository import SqlRepository

if TYPE_CHECKING:
    from bot.ports import Repository, Storage

_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
_SQLITE_UNIQUE = frozenset({1555, 2067})  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE


def _is_unique_violation(error: IntegrityError) -> bool:
    """By the database's error code, never its message."""
    original = error.orig
    return (
        getattr(original, "sqlstate", None) == _UNIQUE_VIOLATION
        or getattr(original, "sqlite_errorcode", None) in _SQLITE_UNIQUE
    )


def translate_integrity_error(error: IntegrityError) -> Exception:
    """ConcurrentUpdate when another transaction stored the same unique key first (reload and
    decide again); the error itself for anything else (foreign keys, checks, NOT NULL: those
    are bugs). A twin delivery is no error at all: claim_delivery says False."""
    return ConcurrentUpdate("a concurrent update") if _is_unique_violation(error) else error


class SqlStorage:
    """A database reached through one async engine."""

    def __init__(self, engine: AsyncEngine, secret: bytes | None = None) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._rubrics = ParsedRubrics()  # parsed round snapshots, shared by transactions
        self._secret = secret  # the deployment's (open_storage reads it); never logged
        self._on_queued: list[Callable[[], None]] = []
        self._courier: Courier | None = None

    def hand_to(self, courier: Courier | None) -> None:
        """Store the replies the courier serves claimed by it, and hand them to it after each
        commit (None: leave every item to be claimed from the outbox)."""
        self._courier = courier

    def on_queued(self, listener: Callable[[], None]) -> None:
        """Call listener after each commit that queued outbox items."""
        self._on_queued.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlRepository]:
        """Commit on normal exit, roll back on an exception; a unique-key race surfaces as
        ConcurrentUpdate."""
        courier = self._courier
        repository: SqlRepository | None = None
        async with self._sessions() as session:
            try:
                async with session.begin():
                    repository = SqlRepository(session, self._rubrics, self._secret, courier)
                    yield repository
            except BaseException as error:
                if courier is not None and repository is not None and repository.handed:
                    # never stored
                    courier.drop([item.id for item in repository.handed])
                if isinstance(error, IntegrityError):
                    translated = translate_integrity_error(error)
                    if translated is not error:
                        raise translated from error
                raise
            if courier is not None and repository.handed:  # committed: send them now
                courier.take(repository.handed)
        if repository.queued:  # committed: what it queued can be sent now
            for listener in self._on_queued:
                listener()

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
