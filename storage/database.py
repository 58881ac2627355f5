"""Database URLs and engines: SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

T = TypeVar("T")

ACCEPTED = (
    "sqlite:///path, postgresql://user@host/db, postgres://..., "
    "sqlite+aiosqlite://..., postgresql+asyncpg://..."
)

_PASS_THROUGH = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
_REWRITES = {
    "sqlite://": "sqlite+aiosqlite://",
    "postgresql://": "postgresql+asyncpg://",
    "postgres://": "postgresql+asyncpg://",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000  # a burst of writers queues rather than fails


def async_url(url: str) -> str:
    """The async-driver form of a database URL; ValueError for anything unsupported."""
    if url.startswith(_PASS_THROUGH):
        return url
    for prefix, replacement in _REWRITES.items():
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
    raise ValueError(f"unsupported database URL scheme {scheme!r}; accepted: {ACCEPTED}")


def safe_url(url: str) -> str:
    """The URL with any password masked, for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL we cannot even parse: show only its scheme
        return url.split("://", 1)[0] + "://..."


def is_sqlite(url: str) -> bool:
    return async_url(url).startswith("sqlite")


def check_sqlite_folder(url: str) -> None:
    """A SQLite file's folder must exist: say so plainly, before the driver's own thread
    fails in the background."""
    if not is_sqlite(url):
        return
    database = make_url(async_url(url)).database
    if database and database != ":memory:" and not Path(database).parent.is_dir():
        raise FileNotFoundError(f"there is no folder {Path(database).parent} for the database")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for url; SQLite connections get WAL, a busy timeout and foreign keys."""
    # Error messages must never carry row values: they hold answers and comments.
    kwargs.setdefault("hide_parameters", True)
    if "poolclass" not in kwargs:
        # Every transaction ends in its own COMMIT or ROLLBACK (SqlStorage.transaction, and a
        # connection closed mid-transaction rolls it back): the pool's extra ROLLBACK on each
        # return would be one more round trip per event for nothing.
        kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(async_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


async def read_database(url: str, reader: Callable[[Connection], T]) -> T:
    """What reader (a function of a synchronous Connection) finds in the database at url, on
    a connection of its own that commits nothing."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(reader)
    finally:
        await engine.dispose()
