"""The bot in Microsoft Teams, end to end: the real Teams SDK over loopback HTTP.

Teams' side is adapters/teams/fake.py: a fake Bot Connector with its own token issuer, so the
SDK validates every inbound JWT against the fake's keys, and the fake checks every token the
bot presents. Waits are on what the fake receives, each bounded by a timeout.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from support import FakeClock, stored_rows

from adapters.assembly import Assembly, Parts, assembled
from adapters.platform import AdapterContext, PlatformAdapter
from adapters.teams.adapter import TeamsAdapter
from adapters.teams.fake import FakeTeams, TeamsSends
from adapters.teams.limits import Pacer
from bot.config import Settings
from bot.model import Role
from bot.ports import Clock

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


@asynccontextmanager
async def running(
    fake: FakeTeams, database_url: str, clock: Clock | None = None, **teams: Any
) -> AsyncIterator[Teams]:
    """The bot as serve() assembles it, on the fake (teams: more TeamsSettings), without
    pacing or a scheduler (tests wake it themselves)."""
    settings = settings_for(database_url, fake)

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        configured = fake.settings(**teams)
        return [TeamsAdapter(configured, context.dispatch, context.http, pacer=Pacer.off())]

    parts = Parts(scheduler=False)
    async with (
        assembled(settings, parts=parts, adapters=adapters, clock=clock) as bot,
        aiohttp.ClientSession() as session,
    ):
        yield Teams(fake, bot, TeamsSends(fake, f"http://127.0.0.1:{bot.http.port}", session))


@pytest.fixture
async def teams(fake: FakeTeams, database_url: str) -> AsyncIterator[Teams]:
    async with running(fake, database_url) as world:
        yield world


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


SCRIPTS = {
    "29:ann": ["3", "Not sure", "Back", "2", "4", "1", "5", "3", "2", "Not sure", "Not sure"],
    "29:ben": ["2", "2", "3", "3", "2", "Not sure", "3", "3", "2"],
    "29:cat": ["4", "3", "3", "Back", "Not sure", "3", "3", "2", "2", "3", "4"],
}


async def answer_round(teams: Teams, user: str, labels: Sequence[str]) -> None:
    """Start, press each label (levels, "Not sure", "Back") on the current card, submit."""
    await teams.step(user, "Start", "1/9 · Vision")
    position = 0
    for label in labels:
        position += -1 if label == "Back" else 1
        await teams.step(user, label, f"{position + 1}/9 ·" if position < 9 else "Nearly done")
    await teams.step(user, "Submit", "Thank you!")


async def test_a_whole_round_in_teams(teams: Teams) -> None:
    fake, sends = teams.fake, teams.sends
    # Installing the app in the team sets it up, with the installer as its lead.
    after = fake.seq
    assert await sends.install(LEAD) == 200
    await fake.wait_for_text(TEAM_CHANNEL, "Riverside is set up, with Lee Lead as its lead", after)

    # The roster from the team's paged member list: a 1:1 chat opened with each (not the bot).
    after = fake.seq
    await teams.command(LEAD, "round open Spring 2027 for 14 days", "is open until")
    assert fake.count("members") > 1  # more than one page
    for user in [LEAD, OWNER, *PEOPLE]:
        await fake.wait_for_text(teams.dm(user), "Hello!", after)
    assert fake.count("create") == 5

    # Answers with Back, Not sure and a comment typed on the card; a typed level answers too.
    await teams.step("29:ann", "Start", "1/9 · Vision")
    await teams.step("29:ann", "3", "2/9 · Collaboration", comment="We rarely meet & talk")
    after = fake.seq
    assert await sends.say("29:ann", "4") == 200
    await fake.wait_for_text(teams.dm("29:ann"), "3/9 · Accountability", after)
    await teams.step("29:ann", "Back", "2/9 · Collaboration")
    await teams.step("29:ann", "Not sure", "3/9 · Accountability")
    for label in ["2", "4", "1", "5", "3", "2", "Not sure"]:
        await teams.step("29:ann", label, "/9 ·" if label != "Not sure" else "Nearly done")
    await teams.step("29:ann", "Submit", "Thank you!")
    for user in ["29:ben", "29:cat"]:
        await answer_round(teams, user, SCRIPTS[user])

    # The card as Teams shows it: each descriptor beside its level's button, a comment box,
    # then Not sure and Back; a pressed card is updated in place and keeps no buttons.
    card = next(
        a for a in fake.in_conversation(teams.dm("29:ben")) if "3/9 · Accountability" in a.text
    )
    assert [b["title"] for b in card.buttons()] == ["1", "2", "3", "4", "5", "Not sure", "Back"]
    assert any(n.get("type") == "Input.Text" for n in (card.card or {}).get("body", []))
    updated = [a for a in fake.in_conversation(teams.dm("29:ben")) if a.updated]
    assert updated and all(a.buttons() == [] for a in updated)

    # A reminder reaches those who have not finished, and only them.
    after = fake.seq
    assert await sends.command(LEAD, "round remind") == 200
    await fake.wait_for_text(teams.dm(LEAD), "Sent 2 reminders.", after)
    await fake.wait_for_text(teams.dm(OWNER), "closes", after)
    assert not [a for a in fake.in_conversation(teams.dm("29:ben")) if a.seq > after]

    # Closing posts the summary with its chart in the channel; the lead gets the debrief.
    after = fake.seq
    assert await sends.command(LEAD, "round close") == 200
    summary = await fake.wait_for_text(TEAM_CHANNEL, "completed", after)
    (chart,) = summary.images()
    assert len(json.dumps(summary.body)) < 28 * 1024  # what Teams takes from a bot
    assert base64.b64decode(chart.split(",", 1)[1]).startswith(b"\x89PNG")
    debrief = await fake.wait_for_text(teams.dm(LEAD), "debrief", after)
    assert "round web" in debrief.text

    async with teams.bot.storage.transaction() as repo:
        ann = await repo.person("teams", "29:ann")
        assert ann is not None and ann.display_name == "Ann Ash"
        answers = {a.category_id: (a.level, a.comment) for a in await repo.answers(1, ann.id)}
    assert answers["vision"] == (3, "We rarely meet & talk")
    assert answers["collaboration"] == (None, None)
    assert answers["accountability"][0] == 2


async def test_a_plain_member_cannot_set_up_or_take_over_a_team(teams: Teams) -> None:
    fake, sends = teams.fake, teams.sends
    before = await stored_rows(teams.bot.storage)
    after = fake.seq
    assert await sends.command("29:ann", "round setup Ann's team") == 200
    await fake.wait_for_text(teams.dm("29:ann"), "Only an admin of this team can set it up", after)
    rows = await stored_rows(teams.bot.storage)
    for table in ("outbox", "processed_deliveries"):  # the refusal, and the request's id
        rows[table] = before[table]
    assert rows == before
    assert not fake.in_conversation(TEAM_CHANNEL)

    # Set up by the one who installed the app; a plain member cannot make themselves a lead,
    # nor run the round.
    assert await sends.install(LEAD) == 200
    await fake.wait_for_text(TEAM_CHANNEL, "is set up")
    for line in ["round leads add @Ann", "round open Mine", "round close"]:
        after = fake.seq
        assert await sends.post(with_mention(sends.channel_body("29:ann", line))) == 200
        await fake.wait_for_text(teams.dm("29:ann"), "lead", after)
    async with teams.bot.storage.transaction() as repo:
        ann = await repo.person("teams", "29:ann")
        assert ann is not None and await repo.role(1, ann.id) is None
        assert await repo.latest_round(1) is None

    # The team's owner may run the round, as Teams lists them as an owner; so may its lead.
    after = fake.seq
    assert await sends.post(with_mention(sends.channel_body(OWNER, "round leads add @Ann"))) == 200
    await fake.wait_for_text(TEAM_CHANNEL, "Ann Ash", after)
    async with teams.bot.storage.transaction() as repo:
        assert await repo.role(1, ann.id) is Role.LEAD


async def test_a_429_storm_during_the_opening_loses_and_doubles_nothing(
    fake: FakeTeams, database_url: str
) -> None:
    clock = FakeClock()
    fake.add_member("29:dan", NAMES["29:dan"], reachable=False)  # never installed the app
    async with running(fake, database_url, clock, timeout=2.0) as teams:
        assert await teams.sends.install(LEAD) == 200
        await fake.wait_for_text(TEAM_CHANNEL, "is set up")
        fake.fail("create", 429, times=3, retry_after=30)
        fake.fail("post", 429, times=4, retry_after=30)
        fake.fail("post", 503, times=2)
        fake.hang_seconds = 3.0  # longer than the bot waits
        fake.fail("post", 0)  # no answer in time: Teams took it all the same
        fake.fail("create", 0)  # no answer in time: nothing posted yet, so asked again
        assert await teams.sends.command(LEAD, "round open Spring for 14 days") == 200
        everyone = [LEAD, OWNER, *PEOPLE]
        for _ in range(12):
            await teams.bot.drain()
            invited = [u for u in everyone if _invitations(fake, u)]
            if len(invited) == len(everyone):
                break
            clock.advance(timedelta(seconds=31))
        for user in everyone:
            assert len(_invitations(fake, user)) == 1, user
        assert fake.pending_faults() == 0

        after = fake.seq
        assert await teams.sends.command(LEAD, "round status") == 200
        status = await fake.wait_for_text(teams.dm(LEAD), "Invited", after)
        assert "Invited 6" in status.text and "1 could not be reached" in status.text


def with_mention(body: dict[str, Any]) -> dict[str, Any]:
    """@Ann in the text as Teams writes a mention: <at>name</at> and a mention entity."""
    body["text"] = body["text"].replace("@Ann", "<at>Ann Ash</at>")
    mention = {"type": "mention", "text": "<at>Ann Ash</at>", "mentioned": {"id": "29:ann"}}
    body["entities"].append(mention)
    return body


def _invitations(fake: FakeTeams, user: str) -> list[str]:
    return [a.text for a in fake.in_conversation(fake.personal(user)) if "Hello!" in a.text]
