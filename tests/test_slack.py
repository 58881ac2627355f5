"""The bot in Slack, end to end: the real slack_bolt and slack_sdk over loopback HTTP.

Slack's side is adapters/slack/fake.py: a fake Web API, and slash commands, clicks and events
signed with the signing secret and posted to the running bot. Waits are on what the fake
receives (never on the clock), each bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace

import aiohttp
import pytest
from pypdf import PdfReader
from support import stored_rows

from adapters import assembly as runner
from adapters.http import WebServer
from adapters.slack.fake import (
    APP_TOKEN,
    BOT_USER,
    FIXTURES,
    FakeSlack,
    RunningBot,
    SlackSends,
    bot_settings,
    fixture,
    running_bot,
    sign,
)
from adapters.slack.sender import Pacer
from adapters.slack.settings import SlackSettings
from bot.config import Settings
from bot.model import ChatRef

LEAD = "ULEAD"
PEOPLE = ["U1", "U2", "U3", "U4", "U5"]
NAMES = {"U1": "Alice Ash", "U2": "Bob Birch", "U3": "Cara Cedar", "U4": "Dev Dogwood"}


@dataclass
class Slack:
    """The fake Slack, the running bot, and Slack's requests to it."""

    fake: FakeSlack
    bot: RunningBot
    sends: SlackSends

    async def step(self, user: str, label: str, expect: str) -> None:
        """`user` presses `label` and sees a message (new or edited) with `expect` in it."""
        after = self.fake.seq
        assert await self.sends.click(user, label) == 200
        await self.fake.wait_for_text(f"D{user}", expect, after)

    async def command(self, text: str, expect: str, channel: str = "C1") -> None:
        after = self.fake.seq
        assert await self.sends.command(LEAD, text, channel) == 200
        await self.fake.wait_for_text(channel, expect, after)

    async def comments(self, user: str) -> dict[str, str]:
        async with self.bot.storage.transaction() as repo:
            person = await repo.person("slack", user)
            assert person is not None
            return {a.category_id: a.comment for a in await repo.answers(1, person.id) if a.comment}

    async def open_round(self) -> None:
        await self.command("/round setup Riverside", "Riverside is set up")
        after = self.fake.seq
        await self.command("/round open Spring 2027 for 14 days", "is open until")
        for user in [LEAD, *PEOPLE]:
            await self.fake.wait_for_text(f"D{user}", "Hello!", after)

    async def answers(self, user: str) -> dict[str, int | None]:
        async with self.bot.storage.transaction() as repo:
            person = await repo.person("slack", user)
            round_ = await repo.latest_round(1)
            if person is None or round_ is None:
                return {}
            return {a.category_id: a.level for a in await repo.answers(round_.id, person.id)}


def slack_world(fake: FakeSlack) -> None:
    """A channel C1 with a lead, five people, the bot itself, another bot and a deactivated
    user (the last three are not invited)."""
    fake.add_user(LEAD, "lee", "Lee Lead")
    for user in PEOPLE:
        fake.add_user(user, user.lower(), NAMES.get(user, ""))  # U5 has no real name
    fake.add_user("UOTHERBOT", "otherbot", "Other Bot", is_bot=True)
    fake.add_user("UGONE", "gone", "Gone Away", deleted=True)
    fake.join("C1", LEAD, "UOTHERBOT", *PEOPLE[:2], BOT_USER, "USLACKBOT", *PEOPLE[2:], "UGONE")


def settings_for(database_url: str, fake: FakeSlack) -> Settings:
    return bot_settings(database_url, fake.url)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    slack_world(fake)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def slack(fake: FakeSlack, database_url: str) -> AsyncIterator[Slack]:
    async with (
        running_bot(settings_for(database_url, fake), Pacer.off()) as bot,
        aiohttp.ClientSession() as session,
    ):
        yield Slack(fake, bot, SlackSends(fake, bot.url, session))


async def answer_round(slack: Slack, user: str, labels: Sequence[str]) -> None:
    """Start, press each label (levels, "Not sure", "Back") on the current card, submit."""
    await slack.step(user, "Start", "1/9 · Vision")
    position = 0
    for label in labels:
        position += -1 if label == "Back" else 1
        await slack.step(user, label, f"{position + 1}/9 ·" if position < 9 else "Nearly done")
    await slack.step(user, "Submit", "Thank you!")


SCRIPTS = {
    "U1": ["3", "Not sure", "Back", "2", "4", "1", "5", "3", "2", "Not sure", "Not sure"],
    "U2": ["2", "2", "3", "3", "2", "Not sure", "3", "3", "2"],
    "U3": ["4", "3", "3", "Back", "Not sure", "3", "3", "2", "2", "3", "4"],
    "U4": ["3", "3", "2", "4", "1", "2", "4", "3", "3"],
    "U5": ["1", "2", "3", "4", "5", "1", "2", "3", "4"],
}


async def test_a_whole_round_in_slack(slack: Slack) -> None:
    fake = slack.fake
    await slack.open_round()
    # Humans only, across pages: not the bot itself, another bot, Slackbot or a deactivated user.
    assert len(fake.calls_to("conversations.members")) > 1
    assert sorted(a["users"] for a in fake.calls_to("conversations.open")) == sorted(
        [LEAD, *PEOPLE]
    )
    await asyncio.gather(*(answer_round(slack, user, SCRIPTS[user]) for user in PEOPLE))

    # The card as Slack shows it: title, a section per descriptor with its level's button
    # beside it, then "Not sure" and "Back"; once answered it lost its buttons.
    card = next(p for p in fake.posts("DU2") if "3/9 · Accountability" in p["text"])
    assert card["blocks"][0]["text"]["text"].startswith("*3/9 · Accountability*")
    beside = [b["accessory"]["text"]["text"] for b in card["blocks"] if "accessory" in b]
    assert beside == ["1", "2", "3", "4", "5"]
    assert [e["text"]["text"] for e in card["blocks"][-1]["elements"]] == ["Not sure", "Back"]
    invitation, first_card = fake.in_channel("DU2")[:2]
    assert invitation.text.startswith("Hello!") and invitation.buttons() == []
    assert first_card.text.startswith("✓ Vision: 2") and first_card.buttons() == []

    assert await slack.sends.command(LEAD, "/round close") == 200
    upload = await fake.wait_for(lambda: [f for f in fake.files if f.channel == "C1"])
    assert upload[0].content.startswith(b"\x89PNG")
    assert upload[0].filename == "round-1-summary.png"
    assert "5 of 6 invited completed" in upload[0].comment
    assert await slack.answers("U1") == {
        "vision": 3,
        "collaboration": 2,
        "accountability": 4,
        "involvement": 1,
        "planning": 5,
        "finance": 3,
        "service-delivery": 2,
        "workforce": None,
        "learning": None,
    }
    async with slack.bot.storage.transaction() as repo:
        alice = await repo.person("slack", "U1")
    assert alice is not None and alice.display_name == "Alice Ash"


async def test_typed_answers_and_comments_in_the_dm(slack: Slack) -> None:
    """A comment typed in the DM or in the card's box lands on the card shown, and the reply
    names it; a typed level is an answer; the box changes and Remove comment removes it."""
    await slack.open_round()
    await slack.step("U2", "Start", "1/9 · Vision")
    after = slack.fake.seq
    assert await slack.sends.say("U2", "4") == 200
    await slack.fake.wait_for_text("DU2", "2/9 · Collaboration", after)
    after = slack.fake.seq
    assert await slack.sends.say("U2", "We rarely meet & talk <across> teams.") == 200
    await slack.fake.wait_for_text("DU2", "Comment saved for Collaboration", after)
    after = slack.fake.seq
    assert await slack.sends.say("U2", "I'd say 2 really") == 200
    await slack.fake.wait_for_text("DU2", "3/9 · Accountability", after)
    card = slack.fake.in_channel("DU2")[-1]
    box = card.text_box()
    assert box is not None and box["label"]["text"] == "Comment on this question"
    assert box["block_id"] == "text:1:note:accountability"
    after = slack.fake.seq
    assert await slack.sends.type_in_box("U2", "Each board answers to itself & no one else.") == 200
    await slack.fake.wait_for_text("DU2", "Comment saved for Accountability", after)
    await slack.step("U2", "3", "4/9 · Involvement")
    await slack.step("U2", "Back", "3/9 · Accountability")
    card = slack.fake.in_channel("DU2")[-1]
    box = card.text_box()
    assert box is not None and "initial_value" not in box["element"]  # never in a message
    assert "You have a comment on this question" in card.text
    after = slack.fake.seq
    assert await slack.sends.type_in_box("U2", "Boards answer to themselves.") == 200
    await slack.fake.wait_for_text("DU2", "Comment saved for Accountability", after)
    assert await slack.comments("U2") == {
        "collaboration": "We rarely meet & talk <across> teams.",
        "accountability": "Boards answer to themselves.",
    }
    await slack.step("U2", "Remove comment", "Your comment on Accountability is removed")
    assert await slack.comments("U2") == {"collaboration": "We rarely meet & talk <across> teams."}
    assert await slack.answers("U2") == {"vision": 4, "collaboration": 2, "accountability": 3}


@pytest.mark.parametrize("how", ["wrong secret", "stale", "unsigned"])
async def test_a_wrong_or_stale_signature_is_refused_and_nothing_is_recorded(
    slack: Slack, how: str
) -> None:
    body = slack.sends.command_body(LEAD, "/round setup Riverside")
    kind = "application/x-www-form-urlencoded"
    if how == "wrong secret":
        status = await slack.sends.post(body, kind, secret="not-the-secret")
    elif how == "stale":  # correctly signed, six minutes ago: Bolt allows five
        status = await slack.sends.post(body, kind, timestamp=int(time.time()) - 360)
    else:
        async with slack.sends.session.post(
            f"{slack.bot.url}/slack/events", data=body, headers={"Content-Type": kind}
        ) as response:
            status = response.status
    assert status == 401
    await slack.bot.settle()
    assert [c.method for c in slack.fake.calls] == ["auth.test"]
    async with slack.bot.storage.transaction() as repo:
        assert await repo.community_for_chat(ChatRef("slack", "C1")) is None


async def test_a_retried_action_or_event_records_one_answer(slack: Slack) -> None:
    fake, sends = slack.fake, slack.sends
    await slack.open_round()
    await slack.step("U1", "Start", "1/9 · Vision")
    card = fake.last_with("DU1", "3")
    assert card is not None
    click = sends.click_body("U1", card, "3", action_ts="1700000999.000001")
    form = "application/x-www-form-urlencoded"
    assert await sends.post(click, form) == 200
    assert await sends.post(click, form, retry=1) == 200  # the same click delivered again
    assert await sends.say("U1", "2", event_id="Ev0RETRIED") == 200  # typed on card 2
    assert await sends.say("U1", "2", event_id="Ev0RETRIED", retry=1) == 200
    await slack.bot.settle()
    assert len([p for p in fake.posts("DU1") if "2/9 · Collaboration" in p["text"]]) == 1
    assert len([p for p in fake.posts("DU1") if "3/9 · Accountability" in p["text"]]) == 1
    assert await slack.answers("U1") == {"vision": 3, "collaboration": 2}


async def test_five_concurrent_clicks_on_one_button_record_one_answer(slack: Slack) -> None:
    await slack.open_round()
    await slack.step("U3", "Start", "1/9 · Vision")
    card = slack.fake.last_with("DU3", "4")
    assert card is not None
    clicks = [slack.sends.click_body("U3", card, "4") for _ in range(5)]
    form = "application/x-www-form-urlencoded"
    statuses = await asyncio.gather(*(slack.sends.post(c, form) for c in clicks))
    assert statuses == [200] * 5
    await slack.bot.settle()
    assert len([p for p in slack.fake.posts("DU3") if "2/9 ·" in p["text"]]) == 1
    assert await slack.answers("U3") == {"vision": 4}


async def test_a_click_on_a_card_of_a_closed_round_gets_a_clear_reply(slack: Slack) -> None:
    await slack.open_round()
    await slack.step("U4", "Start", "1/9 · Vision")
    await slack.command("/round close anyway", "Round 1")
    await slack.step("U4", "3", "This round closed on")
    card = slack.fake.in_channel("DU4")[1]
    assert "nothing was changed" in card.text and card.buttons() == []
    assert await slack.answers("U4") == {}


async def test_rate_limits_during_fan_out_deliver_each_invitation_once(slack: Slack) -> None:
    fake = slack.fake
    fake.rate_limit("chat.postMessage", times=3, retry_after=0)
    fake.rate_limit("conversations.open", times=2, retry_after=0)
    await slack.open_round()
    await slack.bot.settle()
    assert len(fake.calls_to("chat.postMessage", limited=True)) == 3
    assert len(fake.calls_to("conversations.open", limited=True)) == 2
    for user in [LEAD, *PEOPLE]:
        invitations = [p for p in fake.posts(f"D{user}") if "Hello!" in p["text"]]
        assert len(invitations) == 1, user


async def test_a_person_slack_will_not_let_us_dm_is_marked_unreachable(slack: Slack) -> None:
    slack.fake.fail("conversations.open", "cannot_dm_bot", when=lambda a: a["users"] == "U5")
    await slack.command("/round setup Riverside", "Riverside is set up")
    await slack.command("/round open", "is open until")
    await slack.bot.settle()
    async with slack.bot.storage.transaction() as repo:
        u5 = await repo.person("slack", "U5")
        assert u5 is not None
        participation = await repo.participation(1, u5.id)
    assert participation is not None and participation.unreachable


async def test_where_the_bot_is_not_a_member_it_answers_through_response_url(
    slack: Slack,
) -> None:
    fake = slack.fake
    for method in ("chat.postMessage", "chat.postEphemeral"):
        fake.fail(method, "not_in_channel", when=lambda a: a["channel"] == "C2")
    assert await slack.sends.command(LEAD, "/round help", "C2") == 200
    assert await slack.sends.command(LEAD, "/round setup Hillside", "C2") == 200
    replies = await fake.wait_for(lambda: len(fake.responses) == 2 and fake.responses)
    by_type = {r["response_type"]: r["text"] for r in replies}
    assert "Lead commands" in by_type["ephemeral"]
    assert "Hillside is set up" in by_type["in_channel"] and "/invite" in by_type["in_channel"]


async def test_events_the_core_does_not_need_are_acknowledged_and_ignored(slack: Slack) -> None:
    sends, fake = slack.sends, slack.fake
    challenge = (FIXTURES / "url_verification.json").read_text()
    async with sends.session.post(
        f"{slack.bot.url}/slack/events",
        data=challenge,
        headers={"Content-Type": "application/json", **sign(challenge, int(time.time()))},
    ) as response:
        assert response.status == 200  # Slack checking the Request URL
        assert fixture("url_verification")["challenge"] in await response.text()
    others = [
        json.dumps(fixture("app_home_opened")),
        sends.message_body(BOT_USER, "Hello! (the bot's own message)", bot_id="BBOT"),
        sends.message_body("U1", "hi all", channel_type="channel", channel="C1"),
        sends.message_body("U1", "edited", subtype="message_changed"),
    ]
    for body in others:
        assert await sends.post(body, "application/json") == 200
    await slack.bot.settle()
    assert {c.method for c in fake.calls} == {"auth.test"}  # Bolt's own check, and ours


async def test_the_real_runner_serves_slack_and_healthz(
    fake: FakeSlack, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers: list[WebServer] = []

    class SeenWebServer(WebServer):
        """The runner's own web server, remembered so the test learns its port."""

        def __init__(self, host: str, port: int) -> None:
            super().__init__(host, port)
            servers.append(self)

    monkeypatch.setattr(runner, "WebServer", SeenWebServer)
    stop = asyncio.Event()
    settings = settings_for(f"sqlite:///{tmp_path}/bot.db", fake)
    serving = asyncio.create_task(runner.serve(settings, stop=stop))
    try:
        await fake.wait_for(lambda: fake.calls_to("auth.test"))
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{servers[0].port}"
            async with asyncio.timeout(10):
                while True:  # ready once auth.test has been answered
                    async with session.get(f"{url}/healthz") as health:
                        if health.status == 200:
                            break
                    await asyncio.sleep(0.01)
            sends = SlackSends(fake, url, session)
            assert await sends.command(LEAD, "/round help") == 200
            await fake.wait_for_text("C1", "Lead commands")
    finally:
        stop.set()
        await asyncio.wait_for(serving, 10)


async def test_socket_mode_connects_and_takes_commands_over_the_socket(
    fake: FakeSlack, tmp_path: object
) -> None:
    settings = settings_for(f"sqlite:///{tmp_path}/bot.db", fake)
    (slack,) = settings.platforms
    assert isinstance(slack, SlackSettings)
    socket_settings = replace(settings, platforms=(replace(slack, app_token=APP_TOKEN),))
    async with running_bot(socket_settings, Pacer.off()) as bot:
        assert bot.adapter.mode == "socket" and await bot.adapter.ready()
        command = fixture("slash_command") | {"user_id": LEAD, "channel_id": "C1"}
        envelope = await fake.push("slash_commands", command)
        await fake.wait_for_text("C1", "Lead commands")
        assert envelope in [ack["envelope_id"] for ack in fake.socket_acks]
    assert not await bot.adapter.ready()


async def test_priorities_step_and_the_debrief_pdf_privately_to_the_lead(slack: Slack) -> None:
    fake = slack.fake
    await slack.open_round()
    picks = {  # five people pick: as many as votes (counts) need to be shown
        "U1": ["6 Finance"],
        "U2": ["6 Finance", "2 Collaboration"],
        "U3": ["6 Finance"],
        "U4": ["6 Finance"],
        "U5": ["2 Collaboration"],
    }
    for user, labels in picks.items():
        await answer_round(slack, user, SCRIPTS[user])
        card = fake.last_with(f"D{user}", "Done")
        assert card is not None and "Which areas should the partnership work on first?" in (
            card.text
        )
        assert [b["text"]["text"] for b in card.buttons()][-3:] == [
            "9 Learning, evaluation and continuous improvement",
            "Done",
            "Skip",
        ]
        for label in labels:
            await slack.step(user, label, "Your pick")  # the card is edited in place
        await slack.step(user, "Done", "Thank you! Your priorities:")
    edited = fake.in_channel("DU2")[-1]
    assert edited.text.startswith("Thank you! Your priorities: Finance and Collaboration.")
    assert (
        edited.buttons() == []
        and len([m for m in fake.in_channel("DU2") if "Which areas" in m.text]) == 0
    )

    assert await slack.sends.command(LEAD, "/round close") == 200
    (pack,) = await fake.wait_for(
        lambda: [f for f in fake.files if f.filename.endswith(".pdf")], seconds=30
    )
    assert pack.channel == f"D{LEAD}" and pack.filename == "round-1-debrief.pdf"  # a DM
    assert pack.content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(pack.content)).pages) == 10
    assert "The debrief pack for round 1" in pack.comment
    summary = await fake.wait_for(lambda: [f for f in fake.files if f.channel == "C1"])
    assert "The group's priorities (5 people picked up to two areas to work on first): " in (
        summary[0].comment
    )
    assert "Finance 4 · Collaboration 2" in summary[0].comment
    await slack.bot.settle()
    assert [f.channel for f in fake.files if f.filename.endswith(".pdf")] == [f"D{LEAD}"]


async def test_forgetting_someone_leaves_no_trace_of_their_id_or_name(slack: Slack) -> None:
    fake, sends = slack.fake, slack.sends
    fake.add_user("UFERNFORGOT", "fern", "Fern Forgotten")
    fake.join("C1", "UFERNFORGOT")
    await slack.open_round()
    await fake.wait_for_text("DUFERNFORGOT", "Hello!")
    await answer_round(slack, "UFERNFORGOT", SCRIPTS["U4"])  # a dozen clicks, each recorded
    after = fake.seq
    assert await sends.say("UFERNFORGOT", "forget me") == 200
    await fake.wait_for_text("DUFERNFORGOT", "reply: yes, forget me", after)
    assert await sends.say("UFERNFORGOT", "yes, forget me") == 200
    await fake.wait_for_text("DUFERNFORGOT", "I have forgotten you", after)
    await slack.bot.settle()
    rows = await stored_rows(slack.bot.storage)
    assert len(rows["processed_deliveries"]) > 12  # the clicks are still recognised if redone
    everything = repr(rows)
    assert "UFERNFORGOT" not in everything and "Fern" not in everything
    unkeyed = hashlib.sha256(b"maturity-bot:slack:UFERNFORGOT").hexdigest()
    assert unkeyed not in everything and len(rows["opt_outs"]) == 1
