"""Two processes on one database, as when the console (or a bot with no email settings) and
`maturity-bot run` with email share it: an email owed by the process that cannot send it waits
for the one that can, and is never counted as "could not be reached"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from support import CHANNEL, ChannelMembers, FakeClock, Recorder, person
from support import TestPlatform as ChatPlatform
from web_world import ROOT, community_with, web_world

from adapters.assembly import ONE_OFF, Assembly, assembled
from adapters.platform import AdapterContext, PlatformAdapter
from adapters.web.adapter import WebAdapter
from adapters.web.settings import WebSettings
from bot.config import Settings
from bot.messages import IncomingText
from bot.outbox.item import OutboxKind, Outcome
from storage import open_storage

ANA, BEN = "ana@example.org", "ben@example.org"


@asynccontextmanager
async def other_process(
    database_url: str, clock: FakeClock, chat: Recorder, web: WebSettings | None = None
) -> AsyncIterator[Assembly]:
    """Another bot on the same database: the test chat platform, and the web without email
    settings when `web` is given (or no web at all)."""
    directory = ChannelMembers()
    directory.chats[CHANNEL.chat] = [person("lee")]

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        found: list[PlatformAdapter] = [ChatPlatform("test", directory, chat)]
        if web is not None:
            found.append(WebAdapter(web, context))
        return found

    settings = Settings(database_url, ROOT / "rubric.toml", platforms=(web,) if web else ())
    storage = await open_storage(database_url)
    async with assembled(
        settings, parts=ONE_OFF, clock=clock, storage=storage, adapters=adapters, instance="a"
    ) as bot:
        yield bot


async def invitations(bot: Assembly) -> list[tuple[Outcome | None, bool, bool]]:
    """How the invitations to the people by email ended, whether each is claimed and whether
    its person is counted as "could not be reached"."""
    async with bot.storage.transaction() as repo:
        found = []
        for address in (ANA, BEN):
            who = await repo.person_by_address("web", address)
            assert who is not None
            (item,) = [
                i
                for i in await repo.outbox(1)
                if i.kind is OutboxKind.INVITE and i.person_id == who.id
            ]
            taking_part = await repo.participation(1, who.id)
            assert taking_part is not None
            found.append((item.outcome, item.claimed_at is not None, taking_part.unreachable))
    return found


async def test_an_email_waits_for_the_process_that_can_send_it(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA, BEN)
        chat = Recorder()
        pages_only = WebSettings(world.settings.public_url)  # PUBLIC_URL, no email settings
        for web in (None, pages_only):
            async with other_process(database_url, world.clock, chat, web) as console:
                if web is None:  # the lead opens the round there (as in the console)
                    event = IncomingText(person("lee"), CHANNEL, "/round open")
                    await console.dispatch(event)
                await console.drain()
                assert await invitations(console) == [(None, False, False)] * 2
        assert [m.text for m in chat.sent if "is open until" in m.text]  # the chat's post
        assert world.mailbox.messages == []
        await world.settle()  # the process with email settings sends them
        assert len(world.mailbox.to(ANA)) == len(world.mailbox.to(BEN)) == 1
        assert await invitations(world.assembly) == [(Outcome.SENT, True, False)] * 2
        status = await world.lead("/round status")
        assert "Invited 3" in status and "could not be reached" not in status
