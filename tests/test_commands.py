"""Lead commands as a lead (and a non-lead) would type them in the channel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support import ROOT, World, answer_all, make_world, texts

from bot.ports import Storage


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage, admins=frozenset({"test:ADMIN"}))
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    return world


async def round_count(world: World) -> int:
    async with world.storage.transaction() as repo:
        latest = await repo.latest_round(1)
    return latest.number if latest else 0


async def test_setup_makes_the_caller_lead_and_only_once(world: World) -> None:
    assert "already set up as Riverside" in texts(await world.command("alice", "/round setup X"))
    reply = await world.command("alice", "/round open")
    assert "only the leads of Riverside" in texts(reply) and reply[0].private_to == "ALICE"
    assert await round_count(world) == 0


async def test_commands_before_setup_say_how_to_start(storage: Storage) -> None:
    world = await make_world(storage)
    assert "/round setup" in texts(await world.command("lead", "/round status"))


@pytest.mark.parametrize(
    "bad",
    [
        "/round open for 0 days",
        "/round open until 2026-13-40",
        "/round open until 2020-01-01",
        "/round open for 9999 days",
        "/round opne",
        "/round summary banana",
        "/round leads add",
        "/round leads promote alice",
        "/round settings colour blue",
        "/round settings priorities maybe",
    ],
)
async def test_bad_input_gets_help_and_changes_nothing(world: World, bad: str) -> None:
    replies = await world.command("lead", bad)
    assert len(replies) == 1 and replies[0].private_to == "LEAD"
    assert "/round" in replies[0].text  # the usage line or the command list
    assert await round_count(world) == 0


async def test_help_lists_every_command(world: World) -> None:
    text = texts(await world.command("alice", "/round help"))
    subs = ("setup", "open", "status", "remind", "close", "summary", "leads", "settings")
    for sub in (*subs, "debrief", "action", "actions"):
        assert f"/round {sub}" in text


async def test_open_invites_every_member_and_announces_in_the_channel(world: World) -> None:
    replies = await world.command("lead", "/round open Spring 2027 until 2026-12-01")
    announcement, *invitations = replies
    assert announcement.private_to is None and not announcement.to.direct
    assert (
        "Round 1 “Spring 2027” is open until Tuesday 1 December 2026 at 11:59pm"
        in announcement.text
    )
    assert sorted(m.to.chat_id for m in invitations) == ["ALICE", "BOB", "CAROL", "LEAD"]
    again = await world.command("lead", "/round open Another")
    assert "still open" in texts(again) and await round_count(world) == 1


async def test_status_counts_and_names_only_when_not_anonymous(world: World) -> None:
    await world.command("lead", "/round settings anonymous off")
    await world.command("lead", "/round open")
    await answer_all(world, "alice", ["3"] * 9)
    await world.press("bob", "Start")
    status = texts(await world.command("lead", "/round status"))
    assert "Invited 4 · completed 1 · in progress 1 · not started 2" in status
    assert "Not finished yet: Bob, Carol, Lead" in status
    await world.command("lead", "/round close anyway")
    await world.command("lead", "/round settings anonymous on")
    await world.command("lead", "/round open")
    assert "names are not shown" in texts(await world.command("lead", "/round status"))


async def test_remind_nudges_only_those_not_finished(world: World) -> None:
    await world.command("lead", "/round open")
    await answer_all(world, "alice", ["2"] * 9)
    await world.press("bob", "Start")
    await world.press("bob", "4")
    replies = await world.command("lead", "/round remind")
    assert "Sent 3 reminders" in replies[0].text
    nudged = {m.to.chat_id: m.text for m in replies[1:]}
    assert set(nudged) == {"BOB", "CAROL", "LEAD"}
    assert "answered 1 of 9" in nudged["BOB"] and "A reminder" in nudged["CAROL"]
    await world.press("bob", "Continue")
    assert world.last_to("bob").text.startswith("2/9 · Collaboration")


async def test_close_posts_the_summary_with_its_chart(world: World) -> None:
    await world.command("lead", "/round open")
    await answer_all(world, "alice", ["1", "2", "3", "4", "5", "1", "2", "3", "Not sure"])
    await answer_all(world, "bob", ["3", "2", "3", "4", "5", "1", "2", "3", "Not sure"])
    await answer_all(world, "carol", ["4", "Not sure", "3", "4", "5", "1", "2", "3", "4"])
    world.clock.advance(timedelta(days=2))
    replies = await world.command("lead", "/round close")
    posts = [m for m in replies if not m.to.direct]
    assert len(posts) == 1  # one closed round: no trend yet
    closing = posts[0]
    (debrief,) = [m for m in replies if m.to.direct]  # the lead's pack, privately
    assert debrief.to.chat_id == "LEAD" and debrief.attachment is not None
    assert closing.private_to is None and not closing.to.direct
    assert "is closed: 3 of 4 completed" in closing.text
    assert "3 of 4 invited completed (75%)" in closing.text
    # Three answers: the median and agreed/split, never counts a lead could subtract from.
    assert "1. Vision: median 3 · split\n" in closing.text
    assert "levels 1:" not in closing.text and "scored, " not in closing.text
    assert "2. Collaboration: median 2 · agreed" not in closing.text
    assert "2. Collaboration: not enough answers" in closing.text  # 2 scored < 3
    assert "9. Learning, evaluation and continuous improvement: not enough answers" in (
        closing.text
    )
    assert "Where to focus next:" in closing.text
    assert "Chart: one row per category" in closing.text  # medians only: too few for counts
    assert closing.attachment is not None and closing.attachment.content.startswith(b"\x89PNG")
    summary = await world.command("lead", "/round summary 1")
    assert "1. Vision: median 3" in summary[0].text and summary[0].attachment is not None
    assert "There is no round 7" in texts(await world.command("lead", "/round summary 7"))
    assert "no open round to close" in texts(await world.command("lead", "/round close"))


async def test_a_second_closed_round_adds_the_trend(world: World) -> None:
    for levels in (["2"] * 9, ["3"] * 9):
        await world.command("lead", "/round open")
        for name in ("alice", "bob", "carol"):
            await answer_all(world, name, levels)
        replies = [m for m in await world.command("lead", "/round close") if not m.to.direct]
    assert len(replies) == 2
    trend = replies[1]
    assert trend.attachment is not None and trend.attachment.name == "trend-to-round-2.png"
    assert "Medians over time (round 1, round 2):" in trend.text
    assert "Vision: 2 → 3" in trend.text
    assert "1. Vision: median 3 (+1 since round 1)" in replies[0].text


async def test_an_anonymous_round_is_summarised_only_once_closed(world: World) -> None:
    await world.command("lead", "/round open")
    for name in ("alice", "bob", "carol"):
        await answer_all(world, name, ["3"] * 9)
    replies = await world.command("lead", "/round summary")
    assert len(replies) == 1 and replies[0].attachment is None and replies[0].private_to == "LEAD"
    assert "summary comes when the round closes" in replies[0].text
    assert "median" not in replies[0].text


async def test_too_few_completed_is_not_summarised_and_says_how_many_more(world: World) -> None:
    await world.command("lead", "/round settings anonymous off")
    await world.command("lead", "/round open")
    await answer_all(world, "alice", ["3"] * 9)
    replies = await world.command("lead", "/round summary")
    assert len(replies) == 1 and replies[0].attachment is None
    assert "1 of 4 invited have completed" in replies[0].text and "so 2 more" in replies[0].text
    await world.command("lead", "/round close anyway")
    closing = await world.command("lead", "/round summary")
    assert "so 2 more" in closing[0].text and "median" not in closing[0].text


async def test_min_responses_setting_applies_from_the_next_round(world: World) -> None:
    await world.command("lead", "/round open")
    reply = texts(await world.command("lead", "/round settings min_responses 4 confirm"))
    assert "min_responses is now 4" in reply
    for bad in ("min_responses 2", "min_responses 11", "min_responses four"):
        assert "whole number from 3 to 10" in texts(
            await world.command("lead", f"/round settings {bad}")
        )
    for name in ("alice", "bob", "carol"):
        await answer_all(world, name, ["3"] * 9)
    closing = (await world.command("lead", "/round close"))[0]
    assert "1. Vision: median 3" in closing.text  # this round still needs 3
    await world.command("lead", "/round open")
    for name in ("alice", "bob", "carol"):
        await answer_all(world, name, ["3"] * 9)
    warning = texts(await world.command("lead", "/round close"))
    assert "Closing now gives no summary: 3 of the 4 needed have finished" in warning
    assert "so 1 more" in (await world.command("lead", "/round close anyway"))[0].text
    assert "min_responses: 4" in texts(await world.command("lead", "/round settings"))


async def test_leads_add_and_remove(world: World) -> None:
    assert "only the leads" in texts(await world.command("alice", "/round status"))
    await world.command("lead", "/round open")  # alice becomes a member
    assert "Alice is now a lead" in texts(await world.command("lead", "/round leads add @alice"))
    assert "No rounds" not in texts(await world.command("alice", "/round status"))
    assert "at least one lead" not in texts(
        await world.command("alice", "/round leads remove test:LEAD")
    )
    assert "at least one lead" in texts(await world.command("alice", "/round leads remove alice"))
    assert "can't find" in texts(await world.command("alice", "/round leads add nobody"))


async def test_bot_admins_are_leads_everywhere(world: World) -> None:
    assert "No rounds yet" in texts(await world.command("admin", "/round status"))
    assert "open until" in texts(await world.command("admin", "/round open"))


async def test_a_round_keeps_the_rubric_it_was_opened_with(world: World, tmp_path: Path) -> None:
    await world.command("lead", "/round open")
    edited = tmp_path / "rubric.toml"
    edited.write_text(
        (ROOT / "rubric.toml")
        .read_text()
        .replace("There is no clear shared vision", "EDITED: no vision")
    )
    world.settings = type(world.settings)(**{**world.settings.__dict__, "rubric_path": edited})
    await world.restart()
    card = (await world.press("alice", "Start"))[-1]
    assert "There is no clear shared vision" in card.text and "EDITED" not in card.text
    await world.command("lead", "/round close anyway")
    await world.command("lead", "/round open")
    await world.say("alice", "continue")
    card = (await world.press("alice", "Start"))[-1]
    assert "EDITED: no vision" in card.text


async def test_channel_chatter_gets_no_reply(world: World) -> None:
    assert await world.command("alice", "good morning all") == []


async def test_a_repeated_command_delivery_runs_once(world: World) -> None:
    first = await world.command("lead", "/round open", delivery="cmd-1")
    assert first
    assert await world.command("lead", "/round open", delivery="cmd-1") == []
    assert await round_count(world) == 1


async def test_commands_are_case_insensitive(world: World) -> None:
    assert "open until" in texts(await world.command("lead", "/Round OPEN"))


async def test_remind_invites_people_who_joined_after_the_round_opened(world: World) -> None:
    await world.command("lead", "/round open")
    world.join("dave")
    replies = await world.command("lead", "/round remind")
    (to_lead,) = [m for m in replies if m.private_to == "LEAD"]
    assert "Invited 1 newcomer who" in to_lead.text
    to_dave = [m for m in replies if m.to.chat_id == "DAVE"]
    assert len(to_dave) == 1 and to_dave[0].text.startswith("Hello!")
    await world.press("dave", "Start")
    assert world.last_to("dave").text.startswith("1/9 · Vision")
    world.clock.advance(timedelta(days=1))  # a lead may remind once a day
    again = await world.command("lead", "/round remind")
    assert not any("newcomer" in m.text for m in again)
    assert [m.text.startswith("A reminder") for m in again if m.to.chat_id == "DAVE"] == [True]
