"""The deployment's own secret: random bytes made the first time the database is opened, kept
in it so every replica shares it, never logged. It keys the hashes that must not be
recomputable from a platform id alone (opt-outs)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import DeploymentSecretRow

PRIVACY_SECRET = "privacy"
SECRET_BYTES = 32


async def deployment_secret(engine: AsyncEngine, name: str = PRIVACY_SECRET) -> bytes:
    """The named secret, made and committed first if the database has none. Replicas starting
    together store one: the first insert wins and every one reads the winner."""
    table = DeploymentSecretRow.__table__
    assert isinstance(table, Table)
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    made = {"name": name, "value": secrets.token_hex(SECRET_BYTES), "created_at": datetime.now(UTC)}
    async with engine.begin() as connection:
        await connection.execute(
            insert(table).values(**made).on_conflict_do_nothing(index_elements=["name"])
        )
        stored = await connection.scalar(select(table.c.value).where(table.c.name == name))
    assert isinstance(stored, str), "the secret was just stored"
    return bytes.fromhex(stored)
