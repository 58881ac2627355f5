"""The lead commands a round run from the web pages needed in the chat too: closing with too
few answers warns first, a round closed by mistake can be reopened, actions can be changed,
leads can be listed and added by email, and `/round web` needs the web. Each builds the same
typed request as its page (bot/commands/requests.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from support import ROOT, World, answer_all, make_world, texts

from bot.commands.parser import Command, UsageError, parse_entries, parse_request
from bot.commands.requests import (
    AddPeople,
    CloseRound,
    EditAction,
    EmailAddress,
    EmailEntry,
    ListLeads,
    RemovePeople,
    ReopenRound,
    UserMention,
)
from bot.platforms import NEUTRAL
from bot.ports import Storage
from bot.rubric.loader import load_rubric

RUBRIC = load_rubric(ROOT / "rubric.toml")


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open Spring")
    return world


async def closed(world: World) -> bool:
    async with world.storage.transaction() as repo:
        latest = await repo.latest_round(1)
    assert latest is not None
    return latest.closed_at is not None


async def test_closing_below_the_minimum_warns_and_changes_nothing(world: World) -> None:
    await answer_all(world, "alice", ["3"] * 9)
    await answer_all(world, "bob", ["2"] * 9)
    replies = await world.command("lead", "/round close")
    assert len(replies) == 1 and replies[0].private_to == "LEAD"
    assert replies[0].text.startswith(
        "Closing now gives no summary: 2 of the 3 needed have finished."
    )
    assert "/round close anyway" in replies[0].text and not await closed(world)
    posts = [m for m in await world.command("lead", "/round close anyway") if not m.to.direct]
    assert posts[0].text.startswith(
        "Round 1 “Spring” is closed: 2 of 4 completed, fewer than the 3 a summary needs."
    )
    assert "Thank you, everyone!" not in posts[0].text and await closed(world)
    assert "Say /round close, or" in texts(await world.command("lead", "/round close soon"))


async def test_nobody_finished_says_so_and_thanks_nobody(world: World) -> None:
    posts = [m for m in await world.command("lead", "/round close anyway") if not m.to.direct]
    assert posts[0].text.startswith(
        "Round 1 “Spring” is closed: nobody completed it, so there is no summary."
    )


async def test_a_round_closed_too_early_is_reopened_and_carries_on(world: World) -> None:
    await world.press("alice", "Start")
    await world.press("alice", "3")  # one card answered before the round closed
    await world.command("lead", "/round close anyway")
    reopened = await world.command("lead", "/round reopen")
    assert reopened[0].private_to is None  # everyone in the chat hears it
    assert (
        "Round 1 “Spring” is open again until Monday 16 November 2026 at 11:59pm"
        in reopened[0].text
    )
    assert not await closed(world)
    assert "2/9 · Collaboration" in texts(await world.say("alice", "continue"))
    for name in ("alice", "bob", "carol"):
        if name != "alice":
            await world.press(name, "Start")
        for _ in range(9 if name != "alice" else 8):
            await world.press(name, "4")
        await world.press(name, "Submit")
    posts = [m for m in await world.command("lead", "/round close") if not m.to.direct]
    assert "is closed: 3 of 4 completed. Thank you, everyone!" in posts[0].text
    assert "1. Vision: median 4" in posts[0].text  # the summary, drawn afresh at this close
    refused = texts(await world.command("lead", "/round reopen"))
    assert "with its summary, which has gone out, so it stays closed" in refused


async def test_reopening_is_for_a_week_and_for_the_latest_round(world: World) -> None:
    assert "is open until" in texts(await world.command("lead", "/round reopen"))
    await world.command("lead", "/round close anyway")
    world.clock.advance(timedelta(days=8))
    refused = texts(await world.command("lead", "/round reopen"))
    assert "more than 7 days ago, so it stays closed" in refused and await closed(world)
    await world.command("lead", "/round open Summer")
    await world.command("lead", "/round close anyway")
    reply = texts(await world.command("lead", "/round reopen for 3 days"))
    assert "Round 2 “Summer” is open again until Friday 13 November 2026" in reply
    assert "Say how long it stays open" in texts(await world.command("lead", "/round reopen x"))


async def test_an_action_is_changed_and_its_owner_told(world: World) -> None:
    await world.command("lead", "/round action add finance Pool the budgets due 2026-12-01")
    changed = await world.command(
        "lead", "/round action edit 1 Pool two budgets owner alice due 2026-12-15"
    )
    assert changed[0].text.startswith("Action 1 changed. 1. Finance: Pool two budgets")
    assert "owner Alice · due Tuesday 15 December 2026" in changed[0].text
    told = [m for m in changed if m.to.direct]
    assert told and told[0].to.chat_id == "ALICE" and "noted you as its owner" in told[0].text
    cleared = texts(await world.command("lead", "/round action edit 1 owner none due none"))
    assert "1. Finance: Pool two budgets" in cleared and "owner" not in cleared.split(".", 1)[1]
    assert "Say what changes" in texts(await world.command("lead", "/round action edit 1"))
    await world.command("lead", "/round action done 1")
    assert "can no longer be changed" in texts(
        await world.command("lead", "/round action edit 1 x")
    )


async def test_leads_are_listed_and_a_lead_by_email_needs_the_web(world: World) -> None:
    assert "Leads of Riverside: Lead (this platform)." in texts(
        await world.command("lead", "/round leads")
    )
    refused = texts(await world.command("lead", "/round leads add ana@example.org"))
    assert "the web channel is off" in refused
    assert "web pages are off here" in texts(await world.command("lead", "/round web"))


def parsed(line: str) -> object:
    sub, _, args = line.partition(" ")
    return parse_request(Command(sub, args), RUBRIC, NEUTRAL)


def test_a_chat_line_and_a_web_form_make_the_same_requests() -> None:
    assert parsed("close anyway") == CloseRound(anyway=True)
    assert parsed("reopen until 2027-01-15") == ReopenRound(until=date(2027, 1, 15))
    assert parsed("leads") == ListLeads()
    assert parsed("action edit 2 owner none") == EditAction(2, no_owner=True)
    assert parsed("people remove ben@example.org #12 x@") == RemovePeople(
        ("ben@example.org",), (12,), ("x@",)
    )
    assert parsed("leads add Ana@Example.org").who == EmailAddress("ana@example.org")  # type: ignore[attr-defined]
    mention = parsed("leads add slack:U123").who  # type: ignore[attr-defined]
    assert isinstance(mention, UserMention) and mention.user_id == "U123"
    assert parsed('people add "Smith, Ana" <ana@example.org>; ben@example.org') == AddPeople(
        (EmailEntry("ana@example.org", "Smith, Ana"), EmailEntry("ben@example.org"))
    )


@given(st.text(alphabet=st.sampled_from('ab@.<>",; \n\tAxé'), max_size=60))
@example('Ana <ana@example.org>, "Ben, B" <ben@example.org>; cy@example.org\nno good')
@example("<>")
@example('"unclosed <ana@example.org>')
def test_a_pasted_list_is_good_addresses_and_named_bad_entries(text: str) -> None:
    try:
        good, bad = parse_entries(text)
    except UsageError:
        return
    assert len({e.address for e in good}) == len(good)
    for entry in good:
        assert "@" in entry.address and entry.address == entry.address.lower()
        assert "<" not in entry.name and "\n" not in entry.name
    assert all(entry.strip() for entry in bad)
