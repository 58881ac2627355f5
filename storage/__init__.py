"""Persistence: bot.ports.Storage / Repository on SQLAlchemy (async) with Alembic migrations.

Only bot.model dataclasses cross this package's boundary.
"""

from storage.database import async_url
from storage.migrate import NewerDatabase, current_revision, refuse_newer, upgrade, upgrade_sync
from storage.repository import SqlRepository
from storage.sql import SqlStorage, open_storage

__all__ = [
    "NewerDatabase",
    "SqlRepository",
    "SqlStorage",
    "async_url",
    "current_revision",
    "open_storage",
    "refuse_newer",
    "upgrade",
    "upgrade_sync",
]
