"""Odd Slack data, from real payload shapes (adapters/slack/fixtures/): profiles with a time
zone this machine does not know, no name, a name of hundreds of characters, deleted and bot
accounts, profiles Slack will not give; channels that are named, private, converted, shared
(a new id) or archived; leads who do not exist. One odd record affects that person only.
The real slack_bolt and slack_sdk against the fake Slack, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import test_slack
from slack_sdk.web.async_client import AsyncWebClient
from test_slack import LEAD, PEOPLE, Slack

from adapters.delivery import Unreachable
from adapters.slack.fake import FakeSlack, fixture
from adapters.slack.sender import Pacer, SlackSender
from bot.messages import Address, Outgoing
from bot.model import ChatRef
from bot.platform_text import PERSON_NAME_CHARS

ODD_PROFILES = [
    "users_info_unknown_tz",
    "users_info_long_name",
    "users_info_no_name",
    "users_info_missing_fields",
    "users_info_deleted",
    "users_info_bot",
]
BROKEN = "U0BROKEN1"  # users.info answers an error for this member
fake, slack = test_slack.fake, test_slack.slack  # the fixtures of the whole-round tests


async def test_odd_profiles_affect_only_their_owners_and_the_lead_is_told(slack: Slack) -> None:
    fake = slack.fake
    odd = {name: fake.add_profile(name) for name in ODD_PROFILES}
    fake.add_user(BROKEN, "broken", "Broken Profile")
    error = fixture("users_info_error")["error"]
    fake.fail("users.info", error, when=lambda args: args["user"] == BROKEN)
    fake.join("C1", *odd.values(), BROKEN)
    await slack.command("/round setup Riverside", "Riverside is set up")
    after = fake.seq
    await slack.command("/round open", "is open until")

    invited = [LEAD, *PEOPLE, *(odd[n] for n in ODD_PROFILES[:4])]
    for user in invited:
        await fake.wait_for_text(f"D{user}", "Hello!", after)
    note = await fake.wait_for_text("C1", "Some records in the member list were odd", after)
    assert note.method == "chat.postEphemeral" and note.args["user"] == LEAD
    text = str(note.args["text"])
    assert (
        "Tomás Ortega: the time zone in their profile on Slack (“America/Ciudad_Nueva”) "
        "is not one I know, so their reminders come at the community's time." in text
    )
    assert "U0NONAME1: their profile on Slack has no name" in text
    assert "U0SPARSE1: their profile on Slack has no name" in text
    assert "Broken Profile" not in text and (
        f"{BROKEN}: I could not read their profile on Slack, so they were not invited" in text
    )
    for quiet in ("U0GONE001", "U0BOT0001", "Karolina"):  # expected, or only clipped
        assert quiet not in text
    opened = fake.calls_to("conversations.open")
    assert sorted(c["users"] for c in opened) == sorted(invited)

    async with slack.bot.storage.transaction() as repo:
        tomas = await repo.person("slack", odd["users_info_unknown_tz"])
        karolina = await repo.person("slack", odd["users_info_long_name"])
        nameless = await repo.person("slack", odd["users_info_no_name"])
    assert tomas is not None and tomas.timezone == "UTC"  # the community's, not the profile's
    assert karolina is not None and len(karolina.display_name) == PERSON_NAME_CHARS
    assert karolina.display_name.startswith("Karolina Wiśniewska-Wiśniewska-")
    assert nameless is not None and nameless.name == "U0NONAME1"
    await slack.command("/round status", "Invited 10")


async def test_when_no_profile_can_be_read_nothing_is_opened(slack: Slack) -> None:
    slack.fake.fail("users.info", "fatal_error")
    await slack.command("/round setup Riverside", "Riverside is set up")
    await slack.command("/round open", "I could not find out who is in this chat")
    async with slack.bot.storage.transaction() as repo:
        assert await repo.latest_round(1) is None


async def test_a_community_set_up_without_a_name_takes_the_channels(slack: Slack) -> None:
    fake = slack.fake
    fake.channel_names["C1"] = "riverside-partners"
    await slack.command("/round setup", "riverside-partners is set up")
    # A private channel's slash command says only "privategroup": its name is looked up.
    fake.join("C9", LEAD)
    fake.channel_names["C9"] = "leads-only"
    fake.private_channels.add("C9")
    await slack.command("/round setup", "leads-only is set up", channel="C9")
    assert [c["channel"] for c in fake.calls_to("conversations.info")] == ["C9"]


async def test_a_channel_made_private_keeps_working_and_a_shared_one_is_followed(
    slack: Slack,
) -> None:
    fake, sends = slack.fake, slack.sends
    old, new = "G012Y48650T", "C012Y48650T"
    fake.join(old, LEAD, *PEOPLE)
    fake.join(new, LEAD, *PEOPLE)
    await slack.command("/round setup Riverside", "Riverside is set up", channel=old)
    # Made private: the id stays, Slack says so in the channel, and the bot carries on.
    assert await sends.event("message_channel_convert_to_private", channel=old) == 200
    await slack.command("/round status", "No rounds yet", channel=old)
    assert await sends.event("channel_id_changed", old_channel_id=old, new_channel_id=new) == 200
    await slack.bot.adapter.drain()
    async with slack.bot.storage.transaction() as repo:
        assert await repo.community_for_chat(ChatRef("slack", old)) is None
        community = await repo.community_for_chat(ChatRef("slack", new))
    assert community is not None and community.chats == (ChatRef("slack", new),)
    await slack.command("/round open", "is open until", channel=new)


@pytest.mark.parametrize(
    ("named", "why"),
    [
        ("<@UNOBODY>", "Slack does not know them"),
        ("<@UGONE>", "a deactivated account"),
        ("<@UOTHERBOT>", "a bot"),
        ("<@UOUTSIDE>", "not in the channel"),
        ("telegram:-1", "no Telegram group in this community"),
    ],
)
async def test_a_new_lead_must_exist_and_be_in_the_channel(
    slack: Slack, named: str, why: str
) -> None:
    slack.fake.add_user("UOUTSIDE", "outsider", "Out Sider")
    await slack.command("/round setup Riverside", "Riverside is set up")
    await slack.command(f"/round leads add {named}", "nobody was added")
    async with slack.bot.storage.transaction() as repo:
        leads = [p.key for p, _ in await repo.members(1)]
    assert leads == [f"slack:{LEAD}"], why


async def test_a_member_of_the_channel_becomes_a_lead(slack: Slack) -> None:
    await slack.command("/round setup Riverside", "Riverside is set up")
    await slack.command("/round leads add <@U1|alice>", "Alice Ash is now a lead of Riverside")


async def test_a_post_to_an_archived_channel_is_not_tried_again(fake: FakeSlack) -> None:
    archived = fixture("chat_postMessage_is_archived")["error"]
    fake.fail("chat.postMessage", archived, when=lambda args: args["channel"] == "C1")
    sender = SlackSender(AsyncWebClient(token="xoxb-test", base_url=fake.url), Pacer.off())
    with pytest.raises(Unreachable, match="is_archived"):
        await sender.send(Outgoing(Address("slack", "C1"), "Round 2 is open"))
    await sender.send(Outgoing(Address("slack", "U1", direct=True), "Hello!"))
    assert [c["channel"] for c in fake.calls_to("chat.postMessage")] == ["DU1"]
