"""One odd record in a member list affects that person only, and a lead hears about it in
plain words: after /round open and /round remind, and in a note when a scheduled round opens."""

from __future__ import annotations

from datetime import UTC, datetime

from support import CHANNEL, World, make_world, texts
from test_scheduler import Outbound, duties, jump

from bot.ports import Storage
from bot.roster import Oddity, OddRecord

ZONE = OddRecord("test", "ZED", Oddity.UNKNOWN_TIMEZONE, "Zed", "Mars/Olympus_Mons")
NAMELESS = OddRecord("test", "U0NONAME", Oddity.NO_NAME)
UNREADABLE = OddRecord("test", "U0BROKEN", Oddity.UNREADABLE)


async def odd_world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "zed")
    world.directory.odd[CHANNEL.chat] = [ZONE, NAMELESS, UNREADABLE]
    await world.command("lead", "/round setup Riverside")
    return world


async def test_open_and_remind_tell_the_lead_about_odd_records(storage: Storage) -> None:
    world = await odd_world(storage)
    replies = await world.command("lead", "/round open")
    (note,) = [m for m in replies if "were odd" in m.text]
    assert note.private_to == "LEAD" and not note.to.direct
    assert note.text.splitlines() == [
        "Some records in the member list were odd:",
        "• Zed: the time zone in their profile on this platform (“Mars/Olympus_Mons”) is not "
        "one I know, so their reminders come at the community's time.",
        "• U0NONAME: their profile on this platform has no name; they are invited all the same.",
        "• U0BROKEN: I could not read their profile on this platform, so they were not "
        "invited. /round remind tries again.",
    ]
    invited = sorted(m.to.chat_id for m in replies if m.to.direct)
    assert invited == ["ALICE", "LEAD", "ZED"]  # everyone else, and Zed
    assert "were odd" in texts(await world.command("lead", "/round remind"))
    world.directory.odd.clear()
    world.clock.advance(datetime(2026, 11, 4, tzinfo=UTC) - world.clock.now())
    assert "were odd" not in texts(await world.command("lead", "/round remind"))


async def test_a_scheduled_round_posts_a_note_about_odd_records(storage: Storage) -> None:
    world = await odd_world(storage)
    await world.command("lead", "/round schedule every 6 weeks on monday at 09:00 UTC")
    outbound = Outbound(world)
    await jump(world, duties(world, outbound))
    notes = [p for p in outbound.posts() if "were odd" in p]
    assert len(notes) == 1 and "U0BROKEN: I could not read their profile" in notes[0]
    invited = {m.to.chat_id for _, m in outbound.sent if m.text.startswith("Hello!")}
    assert invited == {"ALICE", "LEAD", "ZED"}
