"""The Slack adapter's parts one by one: Block Kit rendering, payload translation, pacing,
the member directory, the sender's edge cases, the choice of mode and the app manifests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support import ROOT

from adapters.delivery import Unreachable
from adapters.http import WebServer
from adapters.slack import directory as slack_directory
from adapters.slack import sender as slack_sender
from adapters.slack.adapter import (
    SlackAdapter,
    action_event,
    choose_mode,
    command_event,
    message_event,
)
from adapters.slack.blocks import escape, fallback_text, render_blocks
from adapters.slack.directory import SlackDirectory, SlackUsers
from adapters.slack.fake import BOT_USER, TOKEN, FakeSlack, fixture
from adapters.slack.sender import Pacer, SlackSender
from adapters.slack.settings import SlackSettings, read_settings
from bot.config import ConfigError
from bot.conversation import cards
from bot.conversation.choices import Action, ChoiceId
from bot.messages import PNG, Address, Attachment, Choice, IncomingChoice, IncomingText, Outgoing
from bot.model import ChatRef, PersonRef, Round
from bot.roster import Oddity, OddRecord
from bot.rubric.loader import load_rubric

DM = Address("slack", "U1", direct=True)

# -- rendering -------------------------------------------------------------------------------


def a_card(index: int = 2) -> Outgoing:
    opened = datetime(2026, 11, 2, tzinfo=UTC)
    rubric = load_rubric(ROOT / "rubric.toml")
    round_ = Round(7, 1, 1, "Spring", opened, opened + timedelta(days=14), None, True, rubric)
    return cards.card(DM, round_, index, None)


def test_a_card_shows_each_descriptor_beside_its_button() -> None:
    card = a_card()
    blocks = render_blocks(card)
    assert blocks[0]["text"]["text"].startswith("*3/9 · Accountability*\n")
    assert "Pick a level" not in blocks[0]["text"]["text"]
    levels = [b for b in blocks if "accessory" in b]
    assert [b["accessory"]["text"]["text"] for b in levels] == ["1", "2", "3", "4", "5"]
    assert [b["accessory"]["value"] for b in levels] == [c.id for c in card.choices[:5]]
    for block, choice in zip(levels, card.choices, strict=False):
        assert block["text"]["text"] == f"*{choice.label}* — {choice.detail}"
    assert blocks[-3]["text"]["text"].startswith("Pick a level")  # the hint keeps its place
    # The comment box, then the other buttons: Enter in the box sends the card's comment.
    assert blocks[-2]["type"] == "input" and blocks[-2]["dispatch_action"] is True
    assert blocks[-2]["block_id"] == "text:" + next(c.id for c in card.choices if c.takes_text)
    assert [e["text"]["text"] for e in blocks[-1]["elements"]] == ["Not sure", "Back"]
    ids = [b["accessory"]["action_id"] for b in levels]
    ids += [e["action_id"] for e in blocks[-1]["elements"]]
    assert len(set(ids)) == len(ids) == 7
    assert "3/9 · Accountability" in fallback_text(card)


def test_text_is_escaped_bold_is_kept_and_long_text_is_split() -> None:
    text = "*Spring & Summer* <b>\n" + "\n".join(f"line {n} " + "x" * 90 for n in range(100))
    blocks = render_blocks(Outgoing(DM, text))
    sections = [b["text"]["text"] for b in blocks]
    assert sections[0].startswith("*Spring &amp; Summer* &lt;b&gt;\n")
    assert len(sections) > 3 and all(len(s) <= 3000 for s in sections)
    assert "\n".join(sections) == escape(text)  # split at line ends, nothing lost
    one_long_line = render_blocks(Outgoing(DM, "&" * 7000))
    assert all(len(b["text"]["text"]) <= 3000 for b in one_long_line)
    assert "".join(b["text"]["text"] for b in one_long_line) == "&amp;" * 7000


def test_many_choices_are_split_into_actions_blocks_and_labels_are_cut() -> None:
    choices = tuple(Choice(f"1:redo:c{n}", f"{n} " + "word " * 30) for n in range(30))
    blocks = render_blocks(Outgoing(DM, "Which answer would you like to change?", choices))
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    labels = [e["text"]["text"] for a in actions for e in a["elements"]]
    assert all(len(label) <= 75 for label in labels) and labels[0].endswith("…")
    ids = [e["action_id"] for a in actions for e in a["elements"]]
    assert len(set(ids)) == 30


def test_at_most_fifty_blocks_and_the_buttons_survive() -> None:
    text = "\n".join("y" * 2999 for _ in range(80))
    blocks = render_blocks(Outgoing(DM, text, (Choice("1:resume", "Continue"),)))
    assert len(blocks) == 50 and blocks[-1]["type"] == "actions"
    assert blocks[-2]["text"]["text"].endswith("…")


def test_an_edit_without_choices_has_no_buttons() -> None:
    blocks = render_blocks(Outgoing(DM, "✓ Vision: 3", replaces="D1:1.2"))
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "✓ Vision: 3"}}]


# -- translation -----------------------------------------------------------------------------


def test_slash_command_becomes_the_leads_text_in_the_channel() -> None:
    payload = fixture("slash_command") | {"text": "open Spring &amp; Summer <@U9|ann>"}
    event = command_event(payload, "Steve")
    assert event == IncomingText(
        PersonRef("slack", "U2147483697", "Steve"),
        Address("slack", "C2147483705"),
        "/round open Spring & Summer slack:U9",
        delivery_id="13345224609.738474920.8088930838d88f008e0",
    )
    in_a_dm = command_event(payload | {"channel_id": "D0123"}, "Steve")
    assert in_a_dm.chat == Address("slack", "U2147483697", direct=True)


def test_a_click_becomes_a_choice_naming_the_message() -> None:
    body = fixture("block_actions")
    event = action_event(body, body["actions"][0], "jane.doe")
    sender = PersonRef("slack", "U123456789", "jane.doe")
    assert event == IncomingChoice(
        sender,
        Address.dm(sender),
        choice_id="1:lvl:vision:3",
        message_id="D0123456789:1548261231.000200",
        # The interaction's id and the moment: nothing names who clicked (it is kept).
        delivery_id="12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3:1548426417.840180",
    )
    assert "U123456789" not in (event.delivery_id or "")


def test_only_what_a_person_types_in_their_dm_reaches_the_core() -> None:
    body = fixture("message_im")
    event = message_event(body, "Jane")
    assert event is not None and event.chat == Address("slack", "U123456789", direct=True)
    assert (event.text, event.delivery_id) == ("continue", "Ev08MFMKH6")
    for change in (
        {"channel_type": "channel"},
        {"bot_id": "BBOT"},
        {"subtype": "message_changed"},
        {"user": None},
    ):
        other = fixture("message_im")
        other["event"] |= change
        assert message_event(other, "Jane") is None, change


# -- mode ------------------------------------------------------------------------------------


def test_socket_mode_is_chosen_when_an_app_token_is_set() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    http = read_settings(env, [])
    socket = read_settings(env | {"SLACK_APP_TOKEN": "xapp-1"}, [])
    assert http is not None and socket is not None
    assert choose_mode(http) == "http" and choose_mode(socket) == "socket"


async def test_only_http_mode_adds_the_events_route() -> None:
    async def dispatch(_event: object) -> None: ...

    def routes(app_token: str) -> set[str]:
        web = WebServer("127.0.0.1", 0)
        settings = read_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_APP_TOKEN": app_token,
            },
            [],
        )
        assert settings is not None
        SlackAdapter(settings, dispatch, web)
        return {r.resource.canonical for r in web.app.router.routes() if r.resource}

    assert "/slack/events" in routes("")
    assert "/slack/events" not in routes("xapp-1")


# -- pacing ----------------------------------------------------------------------------------


class Clock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def client_for(fake: FakeSlack) -> Any:
    from slack_sdk.web.async_client import AsyncWebClient

    return AsyncWebClient(token=TOKEN, base_url=fake.url)


async def test_messages_to_one_channel_are_spaced_and_other_channels_do_not_wait(
    fake: FakeSlack,
) -> None:
    clock = Clock()
    sender = SlackSender(client_for(fake), Pacer(1.0, 0, clock=clock, sleep=clock.sleep))
    for chat in ("C1", "C1", "C2", "C1"):
        await sender.send(Outgoing(Address("slack", chat), "hello"))
    assert clock.sleeps == [1.0, 1.0]
    assert [p["channel"] for p in fake.calls_to("chat.postMessage")] == ["C1", "C1", "C2", "C1"]


async def test_the_pacer_forgets_quiet_channels_but_still_spaces_busy_ones(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year's invitations post to thousands of DM channels: the pacer remembers only the
    channels posted to within the last spacing, and those still wait their turn."""
    monkeypatch.setattr(slack_sender, "CHANNELS_KEPT", 3)
    clock = Clock()
    pacer = Pacer(1.0, 0, clock=clock, sleep=clock.sleep)
    sender = SlackSender(client_for(fake), pacer)
    for n in range(6):
        await sender.send(Outgoing(Address("slack", f"D{n}"), "hello"))
        clock.now += 0.25
    assert sorted(pacer._last) == ["D1", "D2", "D3", "D4", "D5"]  # D0 is quiet: forgotten
    await sender.send(Outgoing(Address("slack", "D5"), "again"))
    assert clock.sleeps == [0.75]  # D5 was posted to a quarter of a second ago


async def test_cached_slack_profiles_are_bounded(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_directory, "USERS_KEPT", 3)
    clock = Clock()
    for n in range(6):
        fake.add_user(f"U{n}", f"person{n}")
    users = SlackUsers(client_for(fake), clock)
    for n in range(6):
        assert (await users.info(f"U{n}") or {}).get("name") == f"person{n}"
        clock.now += 1800  # each profile is trusted for an hour
    assert len(users) <= 3
    assert (await users.info("U5") or {}).get("name") == "person5"  # fresh: from the cache
    assert len(fake.calls_to("users.info")) == 6


async def test_the_workspace_allows_a_burst_then_keeps_to_its_rate(fake: FakeSlack) -> None:
    clock = Clock()
    pacer = Pacer(0, per_minute=60, burst=3, clock=clock, sleep=clock.sleep)
    sender = SlackSender(client_for(fake), pacer)
    for n in range(5):
        await sender.send(Outgoing(Address("slack", f"C{n}"), "hello"))
    assert clock.sleeps == [1.0, 1.0]


async def test_dm_channels_are_opened_once_and_refusals_mean_unreachable(fake: FakeSlack) -> None:
    sender = SlackSender(client_for(fake), Pacer.off())
    await sender.send(Outgoing(DM, "one"))
    await sender.send(Outgoing(DM, "two"))
    assert len(fake.calls_to("conversations.open")) == 1
    assert [p["channel"] for p in fake.calls_to("chat.postMessage")] == ["DU1", "DU1"]
    for error in ("user_not_found", "account_inactive", "cannot_dm_bot"):
        fake.fail("conversations.open", error, times=1)
        with pytest.raises(Unreachable):
            await sender.send(Outgoing(Address("slack", "U2", direct=True), "hi"))


async def test_an_edit_of_a_vanished_message_is_posted_anew(fake: FakeSlack) -> None:
    sender = SlackSender(client_for(fake), Pacer.off())
    await sender.send(Outgoing(DM, "✓ Vision: 3", replaces="DU1:1.000001"))
    assert [p["text"] for p in fake.calls_to("chat.postMessage")] == ["✓ Vision: 3"]


async def test_a_summary_too_long_for_a_file_comment_goes_first_as_a_message(
    fake: FakeSlack,
) -> None:
    sender = SlackSender(client_for(fake), Pacer.off())
    channel = Address("slack", "C1")
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    chart = Attachment(png, "r.png", PNG)
    await sender.send(Outgoing(channel, "Round 1 summary\nshort", attachment=chart))
    long_text = "Round 2 summary\n" + "detail line\n" * 500
    await sender.send(Outgoing(channel, long_text, attachment=Attachment(png, "r2.png", PNG)))
    assert [f.comment for f in fake.files] == ["Round 1 summary\nshort", "Round 2 summary"]
    assert [f.content for f in fake.files] == [png, png]
    (post,) = fake.calls_to("chat.postMessage")
    assert "\n".join(b["text"]["text"] for b in post["blocks"]) == long_text.strip()


# -- directory -------------------------------------------------------------------------------


async def test_the_directory_lists_a_channels_humans_across_pages(fake: FakeSlack) -> None:
    fake.add_user("U1", "ann", "Ann Ash")
    fake.add_user("U2", "ben")
    fake.add_user("U3", "old", "Old Timer", deleted=True)
    fake.add_user("B1", "helper", "Helper", is_bot=True)
    fake.join("C1", "U1", BOT_USER, "U2", "USLACKBOT", "U3", "B1", "U404")
    client = client_for(fake)
    users = SlackUsers(client)
    directory = SlackDirectory(client, users)
    directory.bot_user_id = BOT_USER
    members = await directory.members(ChatRef("slack", "C1"))
    assert members.people == (PersonRef("slack", "U1", "Ann Ash"), PersonRef("slack", "U2", "ben"))
    # A member Slack says it does not know is reported, not silently left out.
    assert members.odd == (OddRecord("slack", "U404", Oddity.UNREADABLE),)
    assert len(fake.calls_to("conversations.members")) == 4  # seven members, two a page
    await directory.members(ChatRef("slack", "C1"))
    asked = [c.args["user"] for c in fake.calls if c.method == "users.info"]
    assert sorted(asked) == ["B1", "U1", "U2", "U3", "U404"]  # once each: then cached
    assert await users.name("U1", "ann") == "Ann Ash"  # the cached real name wins
    assert await users.name("U9", "newbie") == "newbie"  # else the payload's, without a call
    assert len([c for c in fake.calls if c.method == "users.info"]) == 5


# -- manifests -------------------------------------------------------------------------------


def parse_yaml(text: str) -> Any:
    """The YAML the manifests use: nested maps, lists of scalars or maps, quoted or plain
    scalars, comments. Enough to check their structure without PyYAML."""
    lines = []
    for raw in text.splitlines():
        assert "\t" not in raw, "tabs are not YAML indentation"
        stripped = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if stripped:
            lines.append((len(stripped) - len(stripped.lstrip()), stripped.strip()))

    def scalar(value: str) -> Any:
        if value[:1] == '"':
            assert value[-1] == '"'
            return value[1:-1]
        return {"true": True, "false": False}.get(value, int(value) if value.isdigit() else value)

    def block(i: int, indent: int) -> tuple[Any, int]:
        if lines[i][1].startswith("- "):
            items: list[Any] = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
                item = lines[i][1][2:]
                if re.match(r"^[\w.]+:( |$)", item):
                    lines[i] = (indent + 2, item)
                    value, i = block(i, indent + 2)
                else:
                    value, i = scalar(item), i + 1
                items.append(value)
            return items, i
        mapping: dict[str, Any] = {}
        while i < len(lines) and lines[i][0] == indent:
            key, _, value = lines[i][1].partition(":")
            assert re.fullmatch(r"[\w.]+", key), lines[i]
            if value.strip():
                mapping[key], i = scalar(value.strip()), i + 1
            else:
                mapping[key], i = block(i + 1, lines[i + 1][0])
        assert i == len(lines) or lines[i][0] < indent, f"bad indentation at {lines[i]}"
        return mapping, i

    parsed, end = block(0, 0)
    assert end == len(lines)
    return parsed


SCOPES = [
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "channels:read",
    "groups:read",
    "users:read",
    "files:write",
]


@pytest.mark.parametrize("name", ["slack-manifest.yml", "slack-manifest-socket-mode.yml"])
def test_the_manifests_create_the_app_in_one_paste(name: str) -> None:
    manifest = parse_yaml((ROOT / "deploy" / name).read_text())
    assert manifest["oauth_config"]["scopes"]["bot"] == SCOPES
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/round" and command["usage_hint"] and command["should_escape"]
    home = manifest["features"]["app_home"]
    assert home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["message.im", "channel_id_changed"]
    assert settings["interactivity"]["is_enabled"] is True
    assert len(manifest["display_information"]["description"]) <= 140
    urls = [
        command.get("url"),
        settings["event_subscriptions"].get("request_url"),
        settings["interactivity"].get("request_url"),
    ]
    if name == "slack-manifest.yml":
        assert settings["socket_mode_enabled"] is False
        assert urls == ["https://YOUR-HOST/slack/events"] * 3
    else:
        assert settings["socket_mode_enabled"] is True and urls == [None] * 3


def test_choice_ids_fit_in_a_button_value() -> None:
    longest = ChoiceId(999_999_999, Action.REDO, "x" * 32).encode()
    assert len(longest) <= 2000
    assert (
        render_blocks(Outgoing(DM, "t", (Choice(longest, "Redo"),)))[-1]["elements"][0]["value"]
        == longest
    )


async def test_a_refused_token_stops_the_start_with_a_clear_message(fake: FakeSlack) -> None:
    async def dispatch(_event: object) -> None: ...

    settings = SlackSettings("xoxb-wrong", "secret", api_url=fake.url)
    adapter = SlackAdapter(settings, dispatch, WebServer("127.0.0.1", 0))
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN: Slack refused it \(invalid_auth\)"):
        await adapter.start()
    assert not await adapter.ready()
    await adapter.stop()
