"""What a lead use case works with: the transaction, the community, who asks and when, and
what the platforms said beforehand (asked outside the transaction: platforms are slow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.model import ChatRef, Community, Person, PersonRef, Rubric
from bot.platforms import Platforms, PlatformTraits
from bot.ports import Repository
from bot.rounds.lifecycle import Members
from bot.schedule.reminders import community_timezone


@dataclass(frozen=True)
class NewLead:
    """Someone named in /round leads add, as written and as the platform knows them: ref is
    None when they do not exist there, or are in none of the community's chats."""

    written: str
    ref: PersonRef | None


@dataclass
class LeadContext:
    """A lead request being handled."""

    repo: Repository
    community: Community
    caller: Person | None  # None: the operator at the command line
    now: datetime
    rubric: Rubric  # the rubric new rounds are opened with
    timezone: str  # the default timezone (BOT_TIMEZONE)
    words: PlatformTraits  # the caller's platform's (a chat's, the web's)
    platforms: Platforms = field(default_factory=Platforms)  # every platform this bot knows
    chat: ChatRef | None = None  # the chat the request was typed in, if it was
    members: Members = field(default_factory=dict)  # the platforms' members (open, remind)
    new_lead: NewLead | None = None  # for adding a lead on a platform: whom it found

    async def community_timezone(self) -> str:
        """Where the community is: its schedule's timezone, else the default."""
        return await community_timezone(self.repo, self.community.id, self.timezone)
