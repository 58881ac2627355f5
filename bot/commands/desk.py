"""The one front door for lead requests: a chat line, a lead's web form and the command line
all end in LeadDesk.run, which

1. asks the platforms beforehand what a request needs from them (who is in the community's
   chats, for open and remind; whether a new lead exists there), outside any transaction,
2. opens the one transaction (once per delivery: a platform's retry or a form sent twice is
   done once),
3. checks the caller may act on that community: a chat's community's lead (or the chat's
   administrator, where the platform says), a signed-in lead of that community on the web, or
   the operator at the command line,
4. runs the use case, and queues what the outcome owes: for a chat lead, `said` privately and
   `announced` in their chat; for anyone else, `announced` in every chat of the community.

A refusal (bad arguments, a round in the wrong state) changes nothing; to a chat lead it is
said like any reply, with the delivery recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from bot.access.sign_in import SignedIn, signed_in
from bot.commands import actions as action_commands
from bot.commands import board as board_commands
from bot.commands import community as community_commands
from bot.commands import groups as group_commands
from bot.commands import people as people_commands
from bot.commands import rounds as round_commands
from bot.commands import web as web_commands
from bot.commands.context import LeadContext, NewLead
from bot.commands.outcomes import Outcome, refused, said
from bot.commands.parser import UsageError, help_text
from bot.commands.requests import (
    Actor,
    AddAction,
    AddLead,
    AddPeople,
    BoardLink,
    ChangeSetting,
    ChatLead,
    ChatRequest,
    CloseRound,
    EditAction,
    EmailAddress,
    FinishAction,
    Help,
    JoinByCode,
    JoinLink,
    LeadRequest,
    LinkCode,
    ListActions,
    ListLeads,
    OpenRound,
    Operator,
    Remind,
    RemoveLead,
    RemovePeople,
    ReopenRound,
    ScheduleOff,
    SendDebrief,
    SetGroups,
    SetSchedule,
    SetUp,
    ShowGroups,
    ShowPeople,
    ShowSchedule,
    ShowSettings,
    ShowStatus,
    ShowSummary,
    SwitchExportGroups,
    SwitchGroups,
    Unparsed,
    WebLead,
    WebSignIn,
)
from bot.messages import Address, Outgoing
from bot.model import ChatRef, Community, Person, PersonRef, Role, Rubric
from bot.outbox.queue import queue_replies
from bot.platforms import Platforms
from bot.ports import Clock, MemberDirectory, Repository, Storage
from bot.roster import Roster
from bot.rounds.lifecycle import Members, RoundProblem
from bot.transaction import in_one_transaction, once

log = logging.getLogger(__name__)
NOT_SET_UP = "This chat is not set up yet. Start with /round setup <community name>."

Request = LeadRequest | ChatRequest
T = TypeVar("T")


class NotSignedIn(Exception):
    """A web request with no live session: sign in first."""


class NotYours(Exception):
    """A signed-in lead asked about a community they do not lead (or that does not exist)."""


async def perform(ctx: LeadContext, request: LeadRequest) -> Outcome:
    """Run the use case a request names, inside the caller's transaction."""
    match request:
        case OpenRound():
            return await round_commands.open(ctx, request)
        case ShowStatus():
            return await round_commands.status(ctx, request)
        case Remind():
            return await round_commands.remind(ctx, request)
        case CloseRound():
            return await round_commands.close(ctx, request)
        case ReopenRound():
            return await round_commands.reopen(ctx, request)
        case ShowSummary():
            return await round_commands.summary(ctx, request)
        case SendDebrief():
            return await round_commands.debrief(ctx, request)
        case ListLeads() | AddLead() | RemoveLead():
            return await community_commands.leads(ctx, request)
        case ShowSettings() | ChangeSetting():
            return await community_commands.settings(ctx, request)
        case LinkCode():
            return await community_commands.link(ctx, request)
        case ShowSchedule() | SetSchedule() | ScheduleOff():
            return await community_commands.schedule(ctx, request)
        case ShowGroups() | SwitchGroups() | SetGroups() | SwitchExportGroups():
            return await group_commands.groups(ctx, request)
        case AddAction() | EditAction() | FinishAction():
            return await action_commands.action(ctx, request)
        case ListActions():
            return await action_commands.actions(ctx, request)
        case ShowPeople() | AddPeople() | RemovePeople():
            return await people_commands.people(ctx, request)
        case JoinLink():
            return await people_commands.join_link(ctx, request)
        case BoardLink():
            return await board_commands.board(ctx, request)
        case WebSignIn():
            return await web_commands.sign_in_link(ctx, request)


class LeadDesk:
    """Runs lead requests from every front end."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        rubric: Rubric,
        directory: MemberDirectory,
        admins: frozenset[str],
        timezone: str = "UTC",
        platforms: Platforms | None = None,
        asks: frozenset[str] = frozenset(),
    ) -> None:
        self._storage, self._clock, self._rubric = storage, clock, rubric
        self._directory, self._admins, self._timezone = directory, admins, timezone
        self._platforms = platforms or Platforms()
        self._asks = asks  # the platforms whose members this process can ask about

    @property
    def rubric(self) -> Rubric:
        return self._rubric

    async def run(
        self,
        actor: Actor,
        request: Request,
        *,
        community_id: int | None = None,
        delivery: tuple[str, str] | None = None,
    ) -> Outcome:
        """Run the request for the actor on the community (a chat lead's is their chat's):
        the outcome, with what it queued. NotSignedIn / NotYours for a web lead who may not."""
        try:
            members, new_lead = await self._ask_platforms(actor, request, community_id)

            async def work(repo: Repository) -> Outcome:
                outcome = await self._checked(repo, actor, request, community_id, members, new_lead)
                return await self._queue(repo, actor, outcome, community_id)

            return await once(self._storage, self._clock, work, delivery, Outcome())
        except (UsageError, RoundProblem) as problem:
            if not isinstance(actor, ChatLead):  # a page or the command line: no chat help
                bare = problem.problem if isinstance(problem, UsageError) else str(problem)
                return refused(bare.removesuffix("\n").split("\nFor example:")[0])
            outcome = refused(str(problem))

            # Nothing the request did was kept; only the explanation is stored and sent.
            async def refuse(repo: Repository) -> Outcome:
                return await self._queue(repo, actor, outcome, community_id)

            return await once(self._storage, self._clock, refuse, delivery, Outcome())

    async def view(
        self,
        actor: WebLead | Operator,
        community_id: int,
        build: Callable[[LeadContext], Awaitable[T]],
    ) -> T:
        """What a page shows (build it from the context) in one transaction, once the actor
        may see that community: NotSignedIn / NotYours for a web lead who may not."""

        async def work(repo: Repository) -> T:
            ctx = await self._context(repo, actor, community_id)
            return await build(ctx)

        return await in_one_transaction(self._storage, work)

    async def _context(
        self, repo: Repository, actor: WebLead | Operator, community_id: int
    ) -> LeadContext:
        if isinstance(actor, WebLead):
            lead = await self._signed_in(repo, actor)
            community = lead.leads(community_id)
            if community is None:
                raise NotYours(community_id)
            caller: Person | None = lead.person
            words = self._platforms[lead.person.platform]
        else:
            community = await repo.community_by_id(community_id)
            if community is None:
                raise UsageError("There is no such community.", "")
            caller = None
            words = self._platforms.by_email() or self._platforms[""]
        return LeadContext(
            repo,
            community,
            caller,
            self._clock.now(),
            self._rubric,
            self._timezone,
            words,
            self._platforms,
        )

    async def signed_in(self, session: str) -> SignedIn:
        """The lead a web session is (NotSignedIn when there is none live)."""

        async def work(repo: Repository) -> SignedIn:
            return await self._signed_in(repo, WebLead(session))

        return await in_one_transaction(self._storage, work)

    # who may, and on what

    async def _checked(
        self,
        repo: Repository,
        actor: Actor,
        request: Request,
        community_id: int | None,
        members: Members,
        new_lead: NewLead | None,
    ) -> Outcome:
        now = self._clock.now()
        chat: ChatRef | None = None
        if isinstance(actor, ChatLead):
            caller: Person | None = await repo.upsert_person(actor.sender)
            assert caller is not None
            community = await repo.community_for_chat(actor.chat.chat)
            chat_only = await self._chat_only(repo, actor, caller, community, request)
            if chat_only is not None:
                return chat_only
            if community is None:
                return said(
                    "This chat is not set up yet. Start with /round setup <community name>."
                )
            if not await self._leads_chat(repo, community, caller, actor):
                return said(
                    f"Sorry, only the leads of {community.name} can run "
                    f"/round {request.command}. A lead can add you with /round leads add."
                )
            words = self._platforms[actor.chat.platform]
            chat = actor.chat.chat
        else:
            base = await self._context(repo, actor, community_id or 0)
            community, caller, words = base.community, base.caller, base.words
        if isinstance(request, Unparsed):
            raise UsageError(request.problem, "")
        if isinstance(request, Help | SetUp | JoinByCode):
            return refused("That is done in a chat.")
        ctx = LeadContext(
            repo,
            community,
            caller,
            now,
            self._rubric,
            self._timezone,
            words,
            self._platforms,
            chat,
            members,
            new_lead,
        )
        return await perform(ctx, request)

    async def _signed_in(self, repo: Repository, actor: WebLead) -> SignedIn:
        lead = await signed_in(repo, actor.session, self._clock.now())
        if lead is None:
            raise NotSignedIn()
        return lead

    def _chat_admin(self, actor: ChatLead) -> bool:
        """The platform says the sender administers this chat (and it is one that knows)."""
        return actor.chat_admin and self._platforms[actor.chat.platform].knows_chat_admins

    def _may_claim(self, actor: ChatLead, sender: Person) -> bool:
        """Who may make a chat a community, or link it to one: where the platform knows the
        chat's administrators, only they and BOT_ADMINS; elsewhere anyone in the chat."""
        if sender.key in self._admins or self._chat_admin(actor):
            return True
        return not self._platforms[actor.chat.platform].knows_chat_admins

    async def _leads_chat(
        self, repo: Repository, community: Community, person: Person, actor: ChatLead
    ) -> bool:
        """A lead of the community, a BOT_ADMIN, or an administrator of this chat."""
        if self._chat_admin(actor) or person.key in self._admins:
            return True
        return await repo.role(community.id, person.id) is Role.LEAD

    # what only a chat asks

    async def _chat_only(
        self,
        repo: Repository,
        actor: ChatLead,
        sender: Person,
        community: Community | None,
        request: Request,
    ) -> Outcome | None:
        """Help, setting a chat up, linking it by code, and lines that name no command; None
        for everything else."""
        if isinstance(request, Help):
            return said(help_text())
        if isinstance(request, SetUp):
            return await self._setup(repo, actor, request, sender, community)
        if isinstance(request, JoinByCode):
            if community is not None:
                return said(f"This chat is already part of {community.name}.")
            return await self._join_by_code(repo, actor, request, sender)
        if isinstance(request, Unparsed) and not request.known:
            raise UsageError(request.problem, "")
        return None

    async def _join_by_code(
        self, repo: Repository, actor: ChatLead, request: JoinByCode, sender: Person
    ) -> Outcome:
        words = self._platforms[actor.chat.platform]
        if not self._may_claim(actor, sender):
            raise UsageError(
                f"Only an admin of this {words.chat_word} can link it to a community.", "link"
            )
        community = await community_commands.join(
            repo, actor.chat.chat, request.code, self._clock.now()
        )
        if community is None:
            raise UsageError("That code is unknown, used or expired; ask for a new one.", "link")
        await repo.set_role(community.id, sender.id, Role.LEAD)
        text = (
            f"This {words.chat_word} is now part of {community.name}. Its rounds, status and "
            f"summaries cover this {words.chat_word} too."
        )
        return Outcome(announced=(text,), take_part=community.join_code)

    async def _setup(
        self,
        repo: Repository,
        actor: ChatLead,
        request: SetUp,
        sender: Person,
        community: Community | None,
    ) -> Outcome:
        if community is not None:
            return said(f"This chat is already set up as {community.name}. Try /round help.")
        words = self._platforms[actor.chat.platform]
        if not self._may_claim(actor, sender):
            raise UsageError(
                f"Only an admin of this {words.chat_word} can set it up as a community.", "setup"
            )
        name = await community_commands.new_name(repo, request.name, actor.chat_title)
        community = await repo.create_community(name, actor.chat.chat, True, self._clock.now())
        zone = actor.sender.timezone  # where the lead is, when their platform says
        if zone:
            community = replace(community, timezone=zone)
            await repo.update_community(community)
        await repo.set_role(community.id, sender.id, Role.LEAD)
        text = (
            f"{name} is set up, with {sender.name} as its lead. Times are shown in "
            f"{zone or self._timezone} time. "
            f"Answers are anonymous. {words.take_part} Next: /round open to start a round."
        )
        return Outcome(announced=(text,), take_part=community.join_code)

    # what the outcome owes

    async def _queue(
        self, repo: Repository, actor: Actor, outcome: Outcome, community_id: int | None
    ) -> Outcome:
        """Queue what the outcome says and owes, where it goes for this actor."""
        if isinstance(actor, ChatLead):
            to_lead = [
                Outgoing(actor.chat, text, private_to=actor.sender.user_id) for text in outcome.said
            ]
            to_chat = [
                Outgoing(actor.chat, text, join_code=outcome.take_part)
                for text in outcome.announced
            ]
            messages = [*to_lead, *to_chat, *outcome.owed]
        else:
            community = await repo.community_by_id(community_id or 0)
            chats = community.chats if community is not None else ()
            messages = [
                Outgoing(Address.channel(chat), text)
                for text in outcome.announced
                for chat in chats
            ]
            messages += outcome.owed
        await queue_replies(repo, messages, self._clock.now())
        return replace(outcome, messages=tuple(messages))

    # what the platforms must say first

    async def _ask_platforms(
        self, actor: Actor, request: Request, community_id: int | None
    ) -> tuple[Members, NewLead | None]:
        """Who is in the community's chats (open, remind) and whether a lead being added on
        a platform is in one of them: asked outside any transaction (platforms are slow)."""
        wants_members = isinstance(request, OpenRound | Remind)
        wants_lead = isinstance(request, AddLead) and not isinstance(request.who, EmailAddress)
        if not (wants_members or wants_lead):
            return {}, None
        async with self._storage.transaction() as repo:
            community = await self._community_of(repo, actor, community_id)
            caller = await self._caller(repo, actor)
            if community is None or (
                wants_lead and not await self._may_add(repo, actor, community, caller)
            ):
                return {}, None
            written, named = "", None
            if isinstance(request, AddLead) and not isinstance(request.who, EmailAddress):
                mention = request.who
                written = mention.written or mention.name or ""
                named = await community_commands.identify(repo, community, mention)
                if named is not None and named[0] not in self._asks:
                    # Nobody here can ask that platform (the command line, a web-only bot):
                    # a member the community knows already is real enough.
                    return {}, await self._known_member(repo, community, written, named)
        if wants_members:
            return await self._members(community), None
        return {}, await self._new_lead(community, written, named)

    @staticmethod
    async def _known_member(
        repo: Repository, community: Community, written: str, named: tuple[str, str]
    ) -> NewLead:
        person = await repo.person(*named)
        if person is None or await repo.role(community.id, person.id) is None:
            return NewLead(written, None)
        ref = PersonRef(person.platform, person.platform_user_id, person.display_name)
        return NewLead(written, ref)

    async def _community_of(
        self, repo: Repository, actor: Actor, community_id: int | None
    ) -> Community | None:
        if isinstance(actor, ChatLead):
            return await repo.community_for_chat(actor.chat.chat)
        if isinstance(actor, WebLead):
            lead = await signed_in(repo, actor.session, self._clock.now())
            return lead.leads(community_id or 0) if lead is not None else None
        return await repo.community_by_id(community_id or 0)

    async def _caller(self, repo: Repository, actor: Actor) -> Person | None:
        if isinstance(actor, ChatLead):
            return await repo.person(actor.sender.platform, actor.sender.user_id)
        return None

    async def _may_add(
        self, repo: Repository, actor: Actor, community: Community, caller: Person | None
    ) -> bool:
        """Whether to ask the platforms about a new lead at all (a refusal asks nothing)."""
        if isinstance(actor, ChatLead):
            if self._chat_admin(actor) or actor.sender.key in self._admins:
                return True  # so even on their first line to the bot (no person stored yet)
            return caller is not None and await self._leads_chat(repo, community, caller, actor)
        return True  # a web lead of this community (checked), or the operator

    async def _members(self, community: Community) -> Members:
        """Ask the platforms who is in each of the community's chats."""
        members: dict[ChatRef, Roster | None] = {}
        for chat in community.chats:
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

    async def _new_lead(
        self, community: Community, written: str, named: tuple[str, str] | None
    ) -> NewLead:
        """Whether the platform knows the person named, in one of the community's chats."""
        if named is None:
            return NewLead(written, None)
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
                    f"I could not check with {words.title} whether {written} is in "
                    f"this {words.chat_word}, so nothing was changed. Try again in a moment."
                ) from None
            if found is not None:
                return NewLead(written, found)
        return NewLead(written, None)
