"""Shared fixtures.

`database_url` runs a test once per database: `sqlite` (a fresh file in tmp_path) and
`postgres` (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test, whose
`public` schema is dropped and recreated before each test, under an advisory lock so that
concurrent test runs take turns). An unreachable PostgreSQL fails the test with a message
saying so; it is never skipped. Select one with `-k sqlite` or
`-k postgres` (or `-m "not postgres"`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from storage import SqlStorage, open_storage
from storage.database import make_engine, safe_url

# Property-based tests (tests/test_fuzz_*.py): a bounded number of examples, chosen the same way
# on every run (derandomize), so the suite stays fast and a failure repeats. HYPOTHESIS_PROFILE=
# deep searches far longer, at random; keep what it finds as an @example.
settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    # The database-backed properties share one storage across examples on purpose: each
    # example compares the database before and after itself.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    parent=settings.get_profile("ci"),
    max_examples=5000,
    derandomize=False,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOCK_KEY = 0x6D617475  # pg_advisory_lock key shared by every run of these tests
LOCK_WAIT_SECONDS = 120


def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL


@asynccontextmanager
async def exclusive_postgres(url: str) -> AsyncIterator[None]:
    """Hold the test database for one test: an advisory lock keeps concurrent test runs
    (other checkouts, other engineers) from dropping the schema under each other; then drop
    and recreate the public schema so the test starts from an empty database."""
    engine = make_engine(url, poolclass=NullPool, connect_args={"timeout": 5})
    try:
        connection: AsyncConnection | None = None
        try:
            connection = await engine.connect()
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
        if connection is None:
            pytest.fail(
                f"PostgreSQL test database {safe_url(url)} is not reachable ({reason}). "
                "Start it, or point TEST_DATABASE_URL at one; run only the SQLite half with "
                "-k sqlite.",
                pytrace=False,
            )
        try:
            await connection.execute(text(f"SET statement_timeout = '{LOCK_WAIT_SECONDS}s'"))
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
            await connection.commit()
            yield
        finally:
            await connection.close()  # ends the session, and with it the advisory lock
    finally:
        await engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database, once per kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    url = postgres_url()
    async with exclusive_postgres(url):
        yield url


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[SqlStorage]:
    """An opened, migrated, empty storage; closed after the test."""
    opened = await open_storage(database_url)
    try:
        yield opened
    finally:
        await opened.close()
