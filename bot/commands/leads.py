"""Lead commands in a channel or group: `/round setup|open|status|remind|close|summary|...`.

Every command runs in one transaction; bad input raises UsageError inside it, so nothing is
changed and the lead gets the command's help instead of a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.commands import community as community_commands
from bot.commands import people as people_commands
from bot.commands import rounds as round_commands
from bot.commands.parser import Command, UsageError, help_text
from bot.messages import IncomingText, Outgoing
from bot.model import ChatRef, Community, Person, PersonRef, Role, Rubric
from bot.platforms import Platforms, PlatformTraits
from bot.ports import Clock, MemberDirectory, Repository, Storage
from bot.rounds.lifecycle import Members, RoundProblem
from bot.transaction import delivery_of, in_transaction

log = logging.getLogger(__name__)


@dataclass
class Request:
    """A lead command being handled: the event, the caller, their community and the moment."""

    repo: Repository
    event: IncomingText
    command: Command
    sender: Person
    community: Community
    members: Members  # the platforms' members of the community's chats (for open, remind)
    now: datetime
    rubric: Rubric  # the rubric new rounds are opened with
    timezone: str  # the default timezone (BOT_TIMEZONE)
    words: PlatformTraits  # the platform of the chat the command came from
    platforms: Platforms = field(default_factory=Platforms)  # every platform this bot knows

    def private(self, text: str) -> Outgoing:
        """A reply only the caller sees."""
        return Outgoing(self.event.chat, text, private_to=self.event.sender.user_id)

    def public(self, text: str) -> Outgoing:
        return Outgoing(self.event.chat, text)


Handler = Callable[[Request], Awaitable[list[Outgoing]]]
HANDLERS: dict[str, Handler] = {
    "open": round_commands.open,
    "status": round_commands.status,
    "remind": round_commands.remind,
    "close": round_commands.close,
    "summary": round_commands.summary,
    "leads": community_commands.leads,
    "settings": community_commands.settings,
    "link": community_commands.link,
    "schedule": community_commands.schedule,
    "people": people_commands.people,
    "join-link": people_commands.join_link,
}


class LeadCommands:
    """Parses and runs `/round ...` for leads; everyone else gets a polite refusal."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        rubric: Rubric,
        directory: MemberDirectory,
        admins: frozenset[str],
        timezone: str = "UTC",
        platforms: Platforms | None = None,
    ) -> None:
        self._storage, self._clock, self._rubric = storage, clock, rubric
        self._directory, self._admins, self._timezone = directory, admins, timezone
        self._platforms = platforms or Platforms()

    async def handle(self, event: IncomingText, command: Command) -> list[Outgoing]:
        try:
            # Asking the platforms who is in the chat is slow: do it outside the transaction.
            members = await self._members(event) if command.sub in ("open", "remind") else {}

            async def work(repo: Repository) -> list[Outgoing]:
                return await self._dispatch(repo, event, command, members)

            return await in_transaction(self._storage, self._clock, work, delivery_of(event))
        except (UsageError, RoundProblem) as problem:
            # Nothing the command did was kept; only the explanation is stored and sent.
            refusal = Outgoing(event.chat, str(problem), private_to=event.sender.user_id)

            async def refuse(_repo: Repository) -> list[Outgoing]:
                return [refusal]

            return await in_transaction(self._storage, self._clock, refuse, delivery_of(event))

    async def _members(self, event: IncomingText) -> Members:
        """Ask the platforms who is in each of the community's chats (outside a transaction)."""
        async with self._storage.transaction() as repo:
            community = await repo.community_for_chat(event.chat.chat)
        chats = community.chats if community else (event.chat.chat,)
        members: dict[ChatRef, Sequence[PersonRef] | None] = {}
        for chat in chats:
            try:
                members[chat] = await self._directory.members(chat)
            except Exception:  # the platform would not say (bot not in the channel, ...)
                log.warning("could not list the members of %s:%s", chat.platform, chat.chat_id)
                words = self._platforms[chat.platform]
                raise RoundProblem(
                    "I could not find out who is in this chat, so nothing was changed. Is the "
                    f"bot in it? {words.invite_bot}, and try again."
                ) from None
        return members

    async def _dispatch(
        self, repo: Repository, event: IncomingText, command: Command, members: Members
    ) -> list[Outgoing]:
        sender = await repo.upsert_person(event.sender)
        community = await repo.community_for_chat(event.chat.chat)
        reply = Outgoing(event.chat, "", private_to=event.sender.user_id)
        if command.sub == "help":
            return [replace(reply, text=help_text())]
        if command.sub == "setup":
            return await self._setup(repo, event, command, sender, community)
        if command.sub == "link" and command.args.strip() and community is None:
            return await self._join_by_code(repo, event, command, sender)
        handler = HANDLERS.get(command.sub)
        if handler is None:
            raise UsageError(f"I don't know “/round {command.sub}”.\n{help_text()}", "")
        if community is None:
            return [
                replace(
                    reply,
                    text="This chat is not set up yet. Start with /round setup <community name>.",
                )
            ]
        if not await self._is_lead(repo, community, sender, event):
            return [
                replace(
                    reply,
                    text=f"Sorry, only the leads of {community.name} can run "
                    f"/round {command.sub}. A lead can add you with /round leads add.",
                )
            ]
        request = Request(
            repo,
            event,
            command,
            sender,
            community,
            members,
            self._clock.now(),
            self._rubric,
            self._timezone,
            self._platforms[event.chat.platform],
            self._platforms,
        )
        return await handler(request)

    async def _is_lead(
        self, repo: Repository, community: Community, person: Person, event: IncomingText
    ) -> bool:
        """A lead of the community, a BOT_ADMIN, or an administrator of this chat."""
        if event.chat_admin or person.key in self._admins:
            return True
        return await repo.role(community.id, person.id) is Role.LEAD

    async def _join_by_code(
        self, repo: Repository, event: IncomingText, command: Command, sender: Person
    ) -> list[Outgoing]:
        if not (event.chat_admin or sender.key in self._admins):
            raise UsageError("Only an admin of this group can link it to a community.", "link")
        community = await community_commands.join(
            repo, event.chat.chat, command.args, self._clock.now()
        )
        if community is None:
            raise UsageError("That code is unknown, used or expired; ask for a new one.", "link")
        await repo.set_role(community.id, sender.id, Role.LEAD)
        text = (
            f"This group is now part of {community.name}. Its rounds, status and summaries "
            "cover this group too."
        )
        return [Outgoing(event.chat, text, join_code=community.join_code)]

    async def _setup(
        self,
        repo: Repository,
        event: IncomingText,
        command: Command,
        sender: Person,
        community: Community | None,
    ) -> list[Outgoing]:
        if community is not None:
            text = f"This chat is already set up as {community.name}. Try /round help."
            return [Outgoing(event.chat, text, private_to=event.sender.user_id)]
        name = command.args.strip().strip("\"'“”") or f"Community {event.chat.chat_id}"
        if len(name) > 80:
            raise UsageError("Please keep the community name under 80 characters.", "setup")
        if await repo.community_by_name(name) is not None:
            raise UsageError(
                f"There is already a community called {name}; choose another name.", "setup"
            )
        community = await repo.create_community(name, event.chat.chat, True, self._clock.now())
        await repo.set_role(community.id, sender.id, Role.LEAD)
        words = self._platforms[event.chat.platform]
        return [
            Outgoing(
                event.chat,
                f"{name} is set up, with {sender.name} as its lead. "
                f"Answers are anonymous. {words.take_part} Next: /round open to start a round.",
                join_code=community.join_code,
            )
        ]
