"""Lead commands in a channel or group: `/round setup|open|status|remind|close|summary|...`.

Every command runs in one transaction; bad input raises UsageError inside it, so nothing is
changed and the lead gets the command's help instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot import cards, linking, publish, rounds, settings
from bot.choices import MAX_ID_DIGITS
from bot.commands import Command, UsageError, help_text, parse_mention, parse_open
from bot.conversation import delivery_of, in_transaction
from bot.messages import Address, IncomingText, Outgoing
from bot.model import Community, Person, PersonRef, Role, Rubric
from bot.ports import Clock, MemberDirectory, Repository, Storage
from bot.rounds import Members

Handler = Callable[["Request"], Awaitable[list[Outgoing]]]


class Request:
    """One lead command being handled: the event, the caller and their community."""

    def __init__(
        self,
        repo: Repository,
        event: IncomingText,
        command: Command,
        sender: Person,
        community: Community,
        members: Members,
    ) -> None:
        self.repo, self.event, self.command = repo, event, command
        self.sender, self.community, self.members = sender, community, members

    def private(self, text: str) -> Outgoing:
        return Outgoing(self.event.chat, text, private_to=self.event.sender.user_id)

    def public(self, text: str) -> Outgoing:
        return Outgoing(self.event.chat, text)


class LeadCommands:
    """Parses and runs `/round ...` for leads; everyone else gets a polite refusal."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        rubric: Rubric,
        directory: MemberDirectory,
        admins: frozenset[str],
    ) -> None:
        self._storage, self._clock, self._rubric = storage, clock, rubric
        self._directory, self._admins = directory, admins
        self._handlers: dict[str, Handler] = {
            "open": self._open,
            "status": self._status,
            "remind": self._remind,
            "close": self._close,
            "summary": self._summary,
            "leads": self._leads,
            "settings": self._settings,
            "link": self._link,
        }

    async def handle(self, event: IncomingText, command: Command) -> list[Outgoing]:
        # Asking the platforms who is in the channel is slow: do it outside the transaction.
        members = await self._members(event) if command.sub in ("open", "remind") else {}

        async def work(repo: Repository) -> list[Outgoing]:
            return await self._dispatch(repo, event, command, members)

        try:
            return await in_transaction(self._storage, self._clock, work, delivery_of(event))
        except (UsageError, rounds.RoundProblem) as problem:
            return [Outgoing(event.chat, str(problem), private_to=event.sender.user_id)]

    async def _members(self, event: IncomingText) -> Members:
        """Ask the platforms who is in each of the community's chats (outside a transaction)."""
        async with self._storage.transaction() as repo:
            community = await repo.community_for_chat(event.chat.chat)
        chats = community.chats if community else (event.chat.chat,)
        return {chat: await self._directory.members(chat) for chat in chats}

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
        handler = self._handlers.get(command.sub)
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
        return await handler(Request(repo, event, command, sender, community, members))

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
        community = await linking.join(repo, event.chat.chat, command.args, self._clock.now())
        if community is None:
            raise UsageError("That code is unknown, used or expired; ask for a new one.", "link")
        await repo.set_role(community.id, sender.id, Role.LEAD)
        text = (
            f"This group is now part of {community.name}. Its rounds, status and summaries "
            "cover this group too."
        )
        return [Outgoing(event.chat, text, join_code=community.join_code)]

    async def _link(self, req: Request) -> list[Outgoing]:
        if req.command.args.strip():
            text = f"This chat is already part of {req.community.name}."
            return [req.private(text)]
        code = await linking.create_code(req.repo, req.community, self._clock.now())
        return [req.private(linking.instructions(req.community, code))]

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
        return [
            Outgoing(
                event.chat,
                f"{name} is set up, with {sender.name} as its lead. "
                "Answers are anonymous. Next: /round open to start a round.",
                join_code=community.join_code,
            )
        ]

    async def _open(self, req: Request) -> list[Outgoing]:
        now = self._clock.now()
        args = parse_open(req.command.args, now)
        title = args.title or f"{now:%B %Y} self-assessment"
        opened = await rounds.open_round(
            req.repo, req.community, title, args.closes_at, self._rubric, req.members, now
        )
        count = len(opened.invitations)
        text = (
            f"Round {opened.round.number} “{title}” is open until "
            f"{cards.format_moment(args.closes_at)}. I have sent {count} "
            f"{'person' if count == 1 else 'people'} a direct message with "
            f"{len(self._rubric.categories)} questions (about 10 minutes). "
            "Not invited? Ask a lead."
        )
        announcements = [
            Outgoing(Address.channel(chat), text, join_code=req.community.join_code)
            for chat in req.community.chats  # every linked chat, on every platform
        ]
        return [*announcements, *opened.invitations]

    async def _status(self, req: Request) -> list[Outgoing]:
        round_ = await req.repo.latest_round(req.community.id)
        if round_ is None:
            return [req.private("No rounds yet. Open one with /round open.")]
        return [req.private(await rounds.status_text(req.repo, round_, self._clock.now()))]

    async def _remind(self, req: Request) -> list[Outgoing]:
        round_ = await rounds.finish_overdue(req.repo, req.community, self._clock.now())
        if round_ is None:
            return [req.private("There is no open round to remind people about.")]
        newcomers = await rounds.invite_newcomers(req.repo, req.community, round_, req.members)
        nudges = await rounds.reminders(req.repo, round_, skip={m.to for m in newcomers})
        text = f"Sent {len(nudges)} reminder(s)."
        if newcomers:
            text += f" Invited {len(newcomers)} newcomer(s) who joined since the round opened."
        return [req.private(text), *nudges, *newcomers]

    async def _close(self, req: Request) -> list[Outgoing]:
        round_ = await req.repo.unclosed_round(req.community.id)
        if round_ is None:
            return [req.private("There is no open round to close.")]
        closed, heading = await rounds.close_round(req.repo, round_, self._clock.now())
        published = await publish.publish(req.repo, closed, heading)
        return [
            message
            for chat in req.community.chats  # the summary goes to every linked chat
            for message in publish.messages(published, Address.channel(chat))
        ]

    async def _summary(self, req: Request) -> list[Outgoing]:
        wanted = req.command.args.strip().lstrip("#")
        if wanted and not (wanted.isdigit() and len(wanted) <= MAX_ID_DIGITS):
            raise UsageError(f"“{wanted}” is not a round number.", "summary")
        repo, community_id = req.repo, req.community.id
        round_ = await (
            repo.round_by_number(community_id, int(wanted))
            if wanted
            else repo.latest_round(community_id)
        )
        if round_ is None:
            return [req.private(f"There is no round {wanted}." if wanted else "No rounds yet.")]
        if round_.anonymous and round_.is_open(self._clock.now()):
            # Summaries taken as answers trickle in would show, by difference, what each
            # newcomer answered: an anonymous round is summarised once it has closed.
            status = await rounds.status_text(repo, round_, self._clock.now())
            return [req.private(f"{status}\nThe summary comes when the round closes.")]
        return publish.messages(await publish.publish(repo, round_), req.event.chat)

    async def _leads(self, req: Request) -> list[Outgoing]:
        verb, _, who = req.command.args.partition(" ")
        mention = parse_mention(who)
        if verb not in ("add", "remove") or mention is None:
            raise UsageError("Say whom to add or remove.", "leads")
        person = await self._find(req, mention.platform, mention.user_id, mention.name)
        if person is None:
            raise UsageError(f"I can't find {who.strip()} in {req.community.name}.", "leads")
        role = await req.repo.role(req.community.id, person.id)
        if verb == "add":
            await req.repo.set_role(req.community.id, person.id, Role.LEAD)
            return [req.public(f"{person.name} is now a lead of {req.community.name}.")]
        leads = [p for p, r in await req.repo.members(req.community.id) if r is Role.LEAD]
        if role is not Role.LEAD:
            return [req.private(f"{person.name} is not a lead.")]
        if len(leads) == 1:
            return [req.private("A community needs at least one lead; add another first.")]
        await req.repo.set_role(req.community.id, person.id, Role.PARTICIPANT)
        return [req.public(f"{person.name} is no longer a lead of {req.community.name}.")]

    async def _find(
        self, req: Request, platform: str | None, user_id: str | None, name: str | None
    ) -> Person | None:
        if platform and user_id:
            known = await req.repo.person(platform, user_id)
            return known or await req.repo.upsert_person(PersonRef(platform, user_id))
        matches = [
            p
            for p, _ in await req.repo.members(req.community.id)
            if name and name.lower() in (p.display_name.lower(), p.platform_user_id.lower())
        ]
        return matches[0] if len(matches) == 1 else None

    async def _settings(self, req: Request) -> list[Outgoing]:
        if not req.command.args.strip():
            return [req.private(settings.describe(req.community))]
        changed, sentence = settings.change(req.community, req.command.args)
        await req.repo.update_community(changed)
        return [req.public(sentence)]
