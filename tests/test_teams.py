"""The bot in Microsoft Teams, end to end: the real Teams SDK over loopback HTTP.

Teams' side is adapters/teams/fake.py: a fake Bot Connector with its own token issuer, so the
SDK validates every inbound JWT against the fake's keys, and the fake checks every token the
bot presents. Waits are on what the fake receives, each bounded by a timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from support import stored_rows

from adapters.assembly import Assembly, Parts, assembled
from adapters.platform import AdapterContext, PlatformAdapter
from adapters.teams.adapter import TeamsAdapter
from adapters.teams.fake import FakeTeams, TeamsSends
from adapters.teams.limits import Pacer
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
LEAD = "29:lead"
OWNER = "29:owner"
PEOPLE = ["29:ann", "29:ben", "29:cat"]
NAMES = {
    LEAD: "Lee Lead",
    OWNER: "Olu Owner",
    "29:ann": "Ann Ash",
    "29:ben": "Ben Birch",
    "29:cat": "Cat Cedar",
    "29:dan": "Dan Dogwood",
}


@dataclass
class Teams:
    fake: FakeTeams
    bot: Assembly
    sends: TeamsSends

    def dm(self, user: str) -> str:
        return self.fake.personal(user)

    async def command(self, user: str, text: str, expect: str) -> None:
        after = self.fake.seq
        assert await self.sends.command(user, text) == 200
        await self.fake.wait_for_text(TEAM_CHANNEL, expect, after)

    async def step(self, user: str, title: str, expect: str, comment: str = "") -> None:
        after = self.fake.seq
        assert await self.sends.press(user, title, comment) == 200
        await self.fake.wait_for_text(self.dm(user), expect, after)


TEAM_CHANNEL = "19:riverside-general@thread.tacv2"


def teams_world(fake: FakeTeams) -> None:
    fake.add_member(LEAD, NAMES[LEAD])
    fake.add_member(OWNER, NAMES[OWNER], role="owner")
    for user in PEOPLE:
        fake.add_member(user, NAMES[user])


def settings_for(database_url: str, fake: FakeTeams) -> Settings:
    return Settings(
        database_url,
        ROOT / "rubric.toml",
        host="127.0.0.1",
        port=0,
        platforms=(fake.settings(),),
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    fake = FakeTeams()
    teams_world(fake)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def teams(fake: FakeTeams, database_url: str) -> AsyncIterator[Teams]:
    settings = settings_for(database_url, fake)

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        return [TeamsAdapter(fake.settings(), context.dispatch, context.http, pacer=Pacer.off())]

    async with (
        assembled(settings, parts=Parts(scheduler=False), adapters=adapters) as bot,
        aiohttp.ClientSession() as session,
    ):
        yield Teams(fake, bot, TeamsSends(fake, f"http://127.0.0.1:{bot.http.port}", session))


@pytest.mark.parametrize("how", ["no token", "forged", "wrong audience", "not a JWT"])
async def test_a_request_without_a_valid_token_gets_401_and_changes_nothing(
    teams: Teams, how: str
) -> None:
    before = await stored_rows(teams.bot.storage)
    body = teams.sends.channel_body(OWNER, "round setup Riverside")
    token = {
        "no token": None,
        "forged": teams.fake.inbound_token(forged=True),
        "wrong audience": teams.fake.inbound_token(audience="another-app"),
        "not a JWT": "hello",
    }[how]
    assert await teams.sends.post(body, token=token) == 401
    await teams.bot.drain()
    assert await stored_rows(teams.bot.storage) == before
    assert teams.fake.activities == []
    # The same request, signed as Teams signs it, is taken.
    assert await teams.sends.post(body) == 200
    await teams.fake.wait_for_text(TEAM_CHANNEL, "Riverside is set up")
