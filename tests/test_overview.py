"""The community at a glance (what a board page shows): one core call gives the latest
summary, the trend, the priorities, the current actions and the next opening; never a
comment."""

from __future__ import annotations

from datetime import timedelta

from support import World, make_world

from bot.model import ActionStatus
from bot.ports import Storage
from bot.summary.overview import overview

PEOPLE = ("alice", "bob", "carol", "dave", "erin")
NOTE = "A private worry about the budget, said in confidence."


async def answer(world: World, name: str, level: str, comment: bool) -> None:
    await world.press(name, "Start")
    for index in range(9):
        await world.press(name, level)
        if comment and index == 0:
            await world.say(name, f"{NOTE} ({name})")
    await world.press(name, "Submit")
    await world.press(name, "6 Finance")
    await world.press(name, "Done")


async def test_one_call_gives_what_a_board_shows_and_no_comment(storage: Storage) -> None:
    world = await make_world(storage)
    world.join("lead", *PEOPLE)
    await world.command("lead", "/round setup Riverside")
    async with world.storage.transaction() as repo:
        community = await repo.community_by_id(1)
        assert community is not None
        before = await overview(repo, community, world.clock.now())
    assert before.latest is None and before.chart is None and before.trend is None
    for number, level in enumerate(("2", "3"), start=1):
        world.clock.advance(timedelta(days=7))
        await world.command("lead", f"/round open Round {number}")
        for name in PEOPLE:
            await answer(world, name, level, comment=True)  # five comments: shareable
        await world.command("lead", "/round close")
        if number == 1:
            await world.command("lead", "/round action add finance Pool the budgets owner bob")
            await world.command("lead", "/round action add vision Write the vision down")
            await world.command("lead", "/round action drop 2")
    await world.command("lead", "/round schedule every 3 months on monday at 09:00 UTC")
    world.clock.advance(timedelta(days=1))
    async with world.storage.transaction() as repo:
        seen = await overview(repo, community, world.clock.now())
        schedule = await repo.schedule(community.id)
    assert seen.latest is not None and seen.latest.round.number == 2
    assert seen.latest.priorities is not None and seen.latest.priorities.of("finance") == 5
    assert seen.chart is not None and seen.chart.title == "Round 2: Round 2" and seen.chart_alt
    assert seen.trend is not None and seen.trend.round_labels[0].startswith("R1")
    assert "Vision: 2 → 3" in seen.trend_text
    assert "↳ action 1 “Pool the budgets” (open) since round 1" in seen.summary_text
    assert [(a.number, a.status) for a in seen.actions] == [(1, ActionStatus.OPEN)]
    assert schedule is not None and seen.next_opening == schedule.next_open_at
    assert NOTE not in repr(seen)  # the leads' debrief quotes comments; a board never does


async def test_a_board_shows_no_count_the_summary_may_not(storage: Storage) -> None:
    # Three people: enough for a summary, too few for counts or priority votes.
    world = await make_world(storage)
    world.join("lead", *PEOPLE[:3])
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open Round 1")
    for name in PEOPLE[:3]:
        await answer(world, name, "3", comment=False)
    await world.command("lead", "/round close")
    async with world.storage.transaction() as repo:
        community = await repo.community_by_id(1)
        assert community is not None
        seen = await overview(repo, community, world.clock.now())
    assert seen.latest is not None and seen.chart is not None
    assert all(row.counts is None and row.scored is None for row in seen.chart.rows)
    assert "1. Vision: median 3 · agreed" in seen.summary_text
    assert "levels 1:" not in seen.summary_text and "scored," not in seen.summary_text
    assert seen.latest.priorities is not None and seen.latest.priorities.of("finance") is None
    assert "fewer than 5 people picked any, so they are not shown" in seen.summary_text
    assert "marking its median on a scale from 1" in seen.chart_alt
    assert "one bar per category" not in seen.chart_alt  # no bars are drawn
