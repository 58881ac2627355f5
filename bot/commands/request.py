"""A lead command being handled: the event, the caller, their community and the moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.commands.parser import Command
from bot.messages import IncomingText, Outgoing
from bot.model import Community, Person, Rubric
from bot.ports import Repository
from bot.rounds.lifecycle import Members


@dataclass
class Request:
    repo: Repository
    event: IncomingText
    command: Command
    sender: Person
    community: Community
    members: Members  # the platforms' members of the community's chats (for open, remind)
    now: datetime
    rubric: Rubric  # the rubric new rounds are opened with
    timezone: str  # the default timezone (BOT_TIMEZONE)

    def private(self, text: str) -> Outgoing:
        """A reply only the caller sees."""
        return Outgoing(self.event.chat, text, private_to=self.event.sender.user_id)

    def public(self, text: str) -> Outgoing:
        return Outgoing(self.event.chat, text)
