"""The composition root: builds storage, rubric, engine and commands, in functions."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from adapters.scheduler import Scheduler
from bot.app import MaturityBot
from bot.commands.leads import LeadCommands
from bot.config import Settings
from bot.conversation.participants import Conversation
from bot.model import Rubric
from bot.ports import Clock, MemberDirectory, Messenger, Storage, SystemClock
from bot.privacy.requests import PrivacyDesk
from bot.rubric.loader import load_rubric
from bot.schedule.duties import Duties, DutySettings


@dataclass
class Running:
    bot: MaturityBot
    storage: Storage
    rubric: Rubric
    clock: Clock


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
    privacy = PrivacyDesk(storage, clock)
    return Running(MaturityBot(conversation, leads, privacy), storage, rubric, clock)


def scheduler_for(
    running: Running, settings: Settings, messenger: Messenger, directory: MemberDirectory
) -> Scheduler:
    """The one scheduler of this process, on the running bot's storage and clock."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    duty_settings = DutySettings(
        holder, settings.timezone, settings.quorum_extension_days, settings.retention_days
    )
    duties = Duties(
        running.storage, running.clock, messenger, directory, running.rubric, duty_settings
    )
    return Scheduler(duties)
