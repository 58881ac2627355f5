"""Lead commands in a channel or group: `/round setup|open|status|remind|close|summary|...`.

Every command runs in one transaction; bad input raises UsageError inside it, so nothing is
changed and the lead gets the command's help instead of a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.commands import actions as action_commands
from bot.commands import board as board_commands
from bot.commands import community as community_commands
from bot.commands import people as people_commands
from bot.commands import rounds as round_commands
from bot.commands.community import NewLead
from bot.commands.parser import Command, UsageError, help_text, parse_mention
from bot.messages import IncomingText, Outgoing
from bot.model import ChatRef, Community, Person, Role, Rubric
from bot.platforms import Platforms, PlatformTraits
from bot.ports import Clock, MemberDirectory, Repository, Storage
from bot.roster import Roster
from bot.rounds.lifecycle import Members, RoundProblem
from bot.schedule.reminders import community_timezone
from bot.transaction import in_transaction

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
    new_lead: NewLead | None = None  # for /round leads add: whom the platform found

    def private(self, text: str) -> Outgoing:
        """A reply only the caller sees."""
        return Outgoing(self.event.chat, text, private_to=self.event.sender.user_id)

    def public(self, text: str) -> Outgoing:
        return Outgoing(self.event.chat, text)

    async def community_timezone(self) -> str:
        """Where the community is: its schedule's timezone, else the default."""
        return await community_timezone(self.repo, self.community.id, self.timezone)


Handler = Callable[[Request], Awaitable[list[Outgoing]]]
HANDLERS: dict[str, Handler] = {
    "open": round_commands.open,
    "status": round_commands.status,
    "remind": round_commands.remind,
    "close": round_commands.close,
    "summary": round_commands.summary,
    "debrief": round_commands.debrief,
    "leads": community_commands.leads,
    "settings": community_commands.settings,
    "link": community_commands.link,
    "schedule": community_commands.schedule,
    "action": action_commands.action,
    "actions": action_commands.actions,
    "people": people_commands.people,
    "join-link": people_commands.join_link,
    "board": board_commands.board,
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
            new_lead = await self._new_lead(event, command) if command.sub == "leads" else None

            async def work(repo: Repository) -> list[Outgoing]:
                return await self._dispatch(repo, event, command, members, new_lead)

            return await in_transaction(self._storage, self._clock, work, event)
        except (UsageError, RoundProblem) as problem:
            # Nothing the command did was kept; only the explanation is stored and sent.
            refusal = Outgoing(event.chat, str(problem), private_to=event.sender.user_id)

            async def refuse(_repo: Repository) -> list[Outgoing]:
                return [refusal]

            return await in_transaction(self._storage, self._clock, refuse, event)

    async def _members(self, event: IncomingText) -> Members:
        """Ask the platforms who is in each of the community's chats (outside a transaction)."""
        async with self._storage.transaction() as repo:
            community = await repo.community_for_chat(event.chat.chat)
        chats = community.chats if community else (event.chat.chat,)
        members: dict[ChatRef, Roster | None] = {}
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

    async def _new_lead(self, event: IncomingText, command: Command) -> NewLead | None:
        """For `/round leads add <someone>` by a lead: ask the platform (outside a transaction)
        whether that person exists and is in one of the community's chats there."""
        verb, _, written = command.args.partition(" ")
        mention = parse_mention(written)
        if verb != "add" or mention is None:
            return None
        async with self._storage.transaction() as repo:
            community = await repo.community_for_chat(event.chat.chat)
            caller = await repo.person(event.sender.platform, event.sender.user_id)
            if community is None or caller is None:
                return None
            if not await self._is_lead(repo, community, caller, event):
                return None  # refused in the transaction: no platform calls for them
            named = await community_commands.identify(repo, community, mention)
        if named is None:
            return NewLead(written.strip(), None)
        platform, user_id = named
        for chat in community.chats:
            if chat.platform != platform:
                continue
            try:
                found = await self._directory.member(chat, user_id)
            except Exception:  # the platform would not say
                log.warning("could not look up a member of %s:%s", chat.platform, chat.chat_id)
                words = self._platforms[chat.platform]
                raise RoundProblem(
                    f"I could not check with {words.title} whether {written.strip()} is in "
                    f"this {words.chat_word}, so nothing was changed. Try again in a moment."
                ) from None
            if found is not None:
                return NewLead(written.strip(), found)
        return NewLead(written.strip(), None)

    async def _dispatch(
        self,
        repo: Repository,
        event: IncomingText,
        command: Command,
        members: Members,
        new_lead: NewLead | None = None,
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
            new_lead,
        )
        return await handler(request)

    def _chat_admin(self, event: IncomingText) -> bool:
        """The platform says the sender administers this chat (and it is one that knows)."""
        return event.chat_admin and self._platforms[event.chat.platform].knows_chat_admins

    def _may_claim(self, event: IncomingText, sender: Person) -> bool:
        """Who may make a chat a community, or link it to one: where the platform knows the
        chat's administrators, only they and BOT_ADMINS; elsewhere anyone in the chat."""
        if sender.key in self._admins or self._chat_admin(event):
            return True
        return not self._platforms[event.chat.platform].knows_chat_admins

    async def _is_lead(
        self, repo: Repository, community: Community, person: Person, event: IncomingText
    ) -> bool:
        """A lead of the community, a BOT_ADMIN, or an administrator of this chat."""
        if self._chat_admin(event) or person.key in self._admins:
            return True
        return await repo.role(community.id, person.id) is Role.LEAD

    async def _join_by_code(
        self, repo: Repository, event: IncomingText, command: Command, sender: Person
    ) -> list[Outgoing]:
        words = self._platforms[event.chat.platform]
        if not self._may_claim(event, sender):
            raise UsageError(
                f"Only an admin of this {words.chat_word} can link it to a community.", "link"
            )
        community = await community_commands.join(
            repo, event.chat.chat, command.args, self._clock.now()
        )
        if community is None:
            raise UsageError("That code is unknown, used or expired; ask for a new one.", "link")
        await repo.set_role(community.id, sender.id, Role.LEAD)
        text = (
            f"This {words.chat_word} is now part of {community.name}. Its rounds, status and "
            f"summaries cover this {words.chat_word} too."
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
        words = self._platforms[event.chat.platform]
        if not self._may_claim(event, sender):
            raise UsageError(
                f"Only an admin of this {words.chat_word} can set it up as a community.", "setup"
            )
        name = await community_commands.new_name(repo, command.args, event.chat_title)
        community = await repo.create_community(name, event.chat.chat, True, self._clock.now())
        await repo.set_role(community.id, sender.id, Role.LEAD)
        return [
            Outgoing(
                event.chat,
                f"{name} is set up, with {sender.name} as its lead. "
                f"Answers are anonymous. {words.take_part} Next: /round open to start a round.",
                join_code=community.join_code,
            )
        ]
