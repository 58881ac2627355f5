"""Actions carried from round to round: noted, owned, reminded, finished, recalled at the next
opening and shown beside each category's change, as a lead and an owner would see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import World, answer_all, make_world, texts

from bot.model import ActionStatus
from bot.ports import Storage

OWNED = "A reminder: the action you own"


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")  # the channel's people become members
    return world


async def test_an_owner_on_a_platform_is_told_and_reminded_three_days_before(world: World) -> None:
    # START is Monday 2 November 2026 09:00 UTC.
    replies = await world.command(
        "lead",
        "/round action add finance Set up a joint budget meeting owner @alice due 2026-11-20",
    )
    post, dm = replies
    assert post.to.chat_id == "C1" and post.private_to is None
    assert post.text == (
        "Action 1 agreed. 1. Finance: Set up a joint budget meeting · owner Alice · "
        "due Friday 20 November 2026"
    )
    assert dm.to.direct and dm.to.chat_id == "ALICE"
    assert "Riverside agreed an action and Lead noted you as its owner" in dm.text
    assert "“Set up a joint budget meeting” (Finance), due Friday 20 November 2026" in dm.text
    assert "remind you 3 days before" in dm.text and "/round action done 1" in dm.text
    world.clock.advance(timedelta(days=14, hours=12))  # Mon 16 Nov, 21:00: not yet due
    assert not [m for m in await world.due_work() if m.text.startswith(OWNED)]
    world.clock.advance(timedelta(days=1, hours=2))  # Tue 17 Nov 23:00: due, but quiet hours
    assert not [m for m in await world.due_work() if m.text.startswith(OWNED)]
    world.clock.advance(timedelta(hours=10))  # Wed 18 Nov 09:00 in the morning
    (reminder,) = [m for m in await world.due_work() if m.text.startswith(OWNED)]
    assert reminder.to.chat_id == "ALICE"
    assert reminder.text.startswith("A reminder: the action you own for Riverside, ")
    assert "is due on Friday 20 November 2026" in reminder.text
    world.clock.advance(timedelta(days=1))
    assert not [m for m in await world.due_work() if m.text.startswith(OWNED)]  # once only


async def test_a_plain_name_is_just_shown_and_a_finished_action_is_not_reminded(
    world: World,
) -> None:
    replies = await world.command(
        "lead", "/round action add 7 Ask the clinics about referrals due 2026-11-30 owner Dr Jo Ng"
    )
    assert len(replies) == 1 and "owner Dr Jo Ng · due Monday 30 November 2026" in replies[0].text
    await world.command(
        "lead", "/round action add vision Write the vision down owner bob due 2026-12-01"
    )
    assert [m.to.chat_id for m in world.sent[-2:]] == ["C1", "BOB"]
    done = await world.command("lead", "/round action done 2")
    assert done[0].private_to is None and done[0].text.startswith("Action 2 is done. Well done!")
    assert "done Monday 2 November 2026" in done[0].text
    again = await world.command("lead", "/round action drop 2")
    assert again[0].private_to == "LEAD" and "is done already; nothing was changed" in again[0].text
    world.clock.advance(timedelta(days=26))  # past Bob's reminder day: done, so none
    assert not [m for m in await world.due_work() if m.text.startswith(OWNED)]
    dropped = await world.command("lead", "/round action drop #1")
    assert "Action 1 is dropped." in texts(dropped)
    async with world.storage.transaction() as repo:
        assert [a.status for a in await repo.actions(1)] == [
            ActionStatus.DROPPED,
            ActionStatus.DONE,
        ]


async def test_the_list_shows_open_and_recently_done_actions_to_the_lead(world: World) -> None:
    empty = await world.command("lead", "/round actions")
    assert "has no open actions" in texts(empty)
    await world.command("lead", "/round action add involvement Invite carers to the next meeting")
    await world.command("lead", "/round action add finance Pool the two budgets owner carol")
    await world.command("lead", "/round action add service Map the referral routes due 2026-11-04")
    await world.command("lead", "/round action done 2")
    world.clock.advance(timedelta(days=3))
    (listing,) = [m for m in await world.command("lead", "/round actions") if not m.to.direct]
    assert listing.private_to == "LEAD"
    assert listing.text.splitlines() == [
        "Actions of Riverside:",
        "Open:",
        "1. Involvement: Invite carers to the next meeting",
        "3. Service delivery: Map the referral routes · due Wednesday 4 November 2026 (overdue)",
        "Done recently:",
        "2. Finance: Pool the two budgets · owner Carol · done Monday 2 November 2026",
        "Mark one with /round action done N (or drop N).",
    ]
    world.clock.advance(timedelta(days=91))
    assert "Done recently" not in texts(await world.command("lead", "/round actions"))
    assert "only the leads" in texts(await world.command("alice", "/round actions"))


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("/round action", "Say add, edit, done or drop"),
        ("/round action add", "Say which category"),
        ("/round action add nowhere Do something", "“nowhere” is not a category"),
        ("/round action add finance", "Say what was agreed for Finance"),
        ("/round action add finance Do it due 2026-11-01", "The due date has passed"),
        ("/round action add finance Do it due 2026-13-45", "“2026-13-45” is not a real date"),
        ("/round action add finance Do it owner Sam due friday", "Write the due date like"),
        ("/round action add finance Do it due 02/15/2027", "looks month first"),
        ("/round action add finance Do it due 15/02/27", "write the year in full"),
        ("/round action add finance " + "x" * 301, "under 300 characters"),
        ("/round action done", "Nothing is not an action number"),
        ("/round action done three", "“three” is not an action number"),
        ("/round action drop 9", "Riverside has no action 9"),
        ("/round actions please", "takes nothing after it"),
    ],
)
async def test_bad_action_commands_get_help_and_change_nothing(
    world: World, bad: str, says: str
) -> None:
    replies = await world.command("lead", bad)
    assert len(replies) == 1 and replies[0].private_to == "LEAD"
    assert says in replies[0].text and "/round action" in replies[0].text
    async with world.storage.transaction() as repo:
        assert await repo.actions(1) == []


async def test_actions_are_recalled_at_the_next_opening_and_shown_beside_the_change(
    storage: Storage,
) -> None:
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open Spring")
    for name in ("alice", "bob", "carol"):
        await answer_all(world, name, ["2"] * 9)
    await world.command("lead", "/round close")
    await world.command("lead", "/round action add finance Pool the two budgets owner alice")
    await world.command("lead", "/round action add finance Agree a shared funding bid")
    await world.command("lead", "/round action add vision Write the vision down")
    await world.command("lead", "/round action done 1")
    await world.command("lead", "/round action drop 3")
    world.clock.advance(timedelta(days=30))
    opened = await world.command("lead", "/round open Summer")
    announcement = next(m for m in opened if m.to.chat_id == "C1")
    assert announcement.text.endswith(
        "Since round 1, the partnership's actions: 3 agreed, 1 done, 1 dropped."
    )
    for name in ("alice", "bob", "carol"):
        await answer_all(world, name, ["3"] * 9)
    await world.command("lead", "/round action add learning Too late for round 2's summary")
    summary = (await world.command("lead", "/round close"))[0].text.splitlines()
    finance = summary.index("6. Finance: median 3 (+1 since round 1) · agreed")  # no counts: 3
    assert summary[finance + 1 : finance + 3] == [
        "   ↳ action 1 “Pool the two budgets” (done) since round 1",
        "   ↳ action 2 “Agree a shared funding bid” (open) since round 1",
    ]
    vision = next(i for i, line in enumerate(summary) if line.startswith("1. Vision"))
    assert summary[vision + 1] == "   ↳ action 3 “Write the vision down” (dropped) since round 1"
    assert not any("Too late" in line for line in summary)
