"""The composition root: builds storage, rubric, engine and commands, in functions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import MaturityBot
from bot.config import Settings
from bot.conversation import Conversation
from bot.leads import LeadCommands
from bot.ports import Clock, MemberDirectory, Storage, SystemClock
from bot.rubric import load_rubric


@dataclass
class Running:
    bot: MaturityBot
    storage: Storage


async def build(
    settings: Settings,
    directory: MemberDirectory,
    storage: Storage | None = None,
    clock: Clock | None = None,
) -> Running:
    """Wire the bot. Raises RubricError for a broken rubric before touching the database."""
    rubric = load_rubric(settings.rubric_path)
    if storage is None:
        from storage import open_storage  # the one place the core meets the database

        storage = await open_storage(settings.database_url)
    clock = clock or SystemClock()
    conversation = Conversation(storage, clock)
    leads = LeadCommands(storage, clock, rubric, directory, settings.admins, settings.timezone)
    return Running(MaturityBot(conversation, leads), storage)
