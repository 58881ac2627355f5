"""Scheduled rounds on an injected clock: opening, reminders, closing, crashes, replicas, DST.

A "time machine" jumps the clock to the next moment something is due and wakes each replica's
scheduler and outbox sender, as APScheduler and a commit would; nothing waits for real time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from support import CHANNEL, ROOT, World, make_world, person

from adapters.scheduler import Scheduler
from bot.messages import Address, Outgoing
from bot.model import ChatRef, PersonRef
from bot.outbox.item import OutboxItem, OutboxKind
from bot.outbox.sender import TRANSACTIONS, OutboxSender
from bot.ports import Repository, Storage
from bot.roster import Roster
from bot.rubric.loader import load_rubric
from bot.schedule.duties import Duties, DutySettings

FAR = datetime(2100, 1, 1, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
RUBRIC = load_rubric(ROOT / "rubric.toml")


class Crash(BaseException):
    """The process dies here (not an Exception: nothing in the bot may catch it)."""


class Outbound:
    """The platforms, as the scheduler sees them: records what was sent, and when."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.sent: list[tuple[datetime, Outgoing]] = []
        self.crash_after: int | None = None  # die right after handing over this many

    async def send(self, message: Outgoing) -> None:
        self.sent.append((self.world.clock.now(), message))
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            self.crash_after = None
            raise Crash  # sent, but the outbox never hears of it

    def to(self, name: str) -> list[tuple[datetime, Outgoing]]:
        dm = Address.dm(person(name))
        return [(when, m) for when, m in self.sent if m.to == dm]

    def kinds(self, name: str) -> list[str]:
        return [_kind(m) for _, m in self.to(name)]

    def posts(self) -> list[str]:
        return [m.text for _, m in self.sent if not m.to.direct]


def _kind(message: Outgoing) -> str:
    if message.text.startswith("Hello!"):
        return "invitation"
    if message.text.startswith("A reminder"):
        return "reminder"
    return "other"


class Worker:
    """One replica: its scheduler's due work and its outbox sender, named `holder` (the same
    name after a restart)."""

    def __init__(self, world: World, outbound: Outbound, holder: str) -> None:
        settings = DutySettings(holder, "Europe/London", 7)
        directory = world.assembly.directory
        self.duties = Duties(world.storage, world.clock, directory, RUBRIC, settings)
        self.sender = OutboxSender(world.storage, world.clock, outbound, holder, "Europe/London")
        self._started = False

    async def run_due(self) -> bool:
        """A wake: (at the first, what this process left claimed when it last stopped), the due
        work if this replica holds the lease, then whatever the outbox owes."""
        if not self._started:
            await self.sender.recover()
            self._started = True
        leading = await self.duties.run_due()
        await self.sender.send_due(in_parallel=False)
        return leading


def duties(world: World, outbound: Outbound, holder: str = "A") -> Worker:
    return Worker(world, outbound, holder)


async def next_due(world: World) -> datetime | None:
    """The earliest moment anything is due: an opening, an owed message, a close, a snooze."""
    async with world.storage.transaction() as repo:
        moments = [s.next_open_at for s in await repo.due_schedules(FAR)]
        if (owed := await repo.next_due_at()) is not None:
            moments.append(owed)
        for round_id in await repo.overdue_rounds(FAR):
            round_ = await repo.round_by_id(round_id)
            assert round_ is not None
            moments.append(round_.closes_at)
        moments += [p.remind_after for p in await repo.due_snoozes(FAR) if p.remind_after]
    return min(moments) if moments else None


async def jump(world: World, *workers: Duties, until: datetime = FAR) -> datetime:
    """Move the clock to the next due moment (never back, never past `until`) and wake."""
    due = await next_due(world)
    target = min(due or until, until)
    if target > world.clock.now():
        world.clock.advance(target - world.clock.now())
    await asyncio.gather(*(w.run_due() for w in workers))
    return world.clock.now()


async def answer(world: World, name: str, levels: list[str], submit: bool = True) -> None:
    await world.say(name, "start")
    for level in levels:
        await world.say(name, level)
    if submit and len(levels) == 9:
        await world.say(name, "submit")


@pytest.fixture
async def world(storage: object) -> World:
    world = await make_world(storage)  # type: ignore[arg-type]
    world.clock.advance(datetime(2027, 3, 10, 12, tzinfo=UTC) - world.clock.now())
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    reply = await world.command(
        "lead", "/round schedule every 6 weeks on monday at 09:00 Europe/London for 14 days"
    )
    assert "Next opening: Monday 15 March 2027 at 9am" in reply[0].text
    return world


async def test_two_scheduled_rounds_across_dst_with_a_crash_post_nothing_twice(
    world: World,
) -> None:
    outbound = Outbound(world)
    outbound.crash_after = 1  # dies right after posting the announcement, before noting it
    with pytest.raises(Crash):
        await jump(world, duties(world, outbound))
    restarted = duties(world, outbound)  # the same process started again, straight away
    await restarted.run_due()
    assert world.clock.now() == datetime(2027, 3, 15, 9, tzinfo=UTC)
    for name in ("alice", "bob", "carol"):
        assert outbound.kinds(name) == ["invitation"], name
    assert outbound.kinds("lead") == ["invitation", "other"]  # and what may not have gone out
    assert sum("is open until" in post for post in outbound.posts()) == 1  # never twice
    (told,) = [m.text for _, m in outbound.to("lead") if _kind(m) == "other"]
    assert "I may not have posted a message to Riverside's chat" in told
    await answer(world, "alice", ["3"] * 9)
    await answer(world, "bob", ["2"] * 9)
    await answer(world, "carol", ["4", "4", "3"], submit=False)

    await jump(world, restarted)  # day 3
    assert world.clock.now() == datetime(2027, 3, 18, 9, tzinfo=UTC)
    await jump(world, restarted)  # day 5 was a Saturday: Monday, a working day
    assert world.clock.now() == datetime(2027, 3, 22, 9, tzinfo=UTC)
    await answer(world, "carol", ["4"] * 6)
    await world.say("carol", "submit")
    await jump(world, restarted)  # the day before closing is a Sunday: the Friday before
    assert world.clock.now() == datetime(2027, 3, 26, 9, tzinfo=UTC)  # 09:00 GMT
    reminders_to_lead = [when for when, m in outbound.to("lead") if _kind(m) == "reminder"]
    assert [w.astimezone(LONDON).hour for w in reminders_to_lead] == [9, 9, 9]
    assert outbound.kinds("carol") == ["invitation", "reminder", "reminder"]
    assert outbound.kinds("lead") == ["invitation", "other", "reminder", "reminder", "reminder"]
    assert outbound.kinds("alice") == ["invitation"]  # finished: never reminded

    await jump(world, restarted)  # closing time: the end of the day in London
    assert world.clock.now() == datetime(2027, 3, 29, 22, 59, tzinfo=UTC)
    summaries = [m for _, m in outbound.sent if m.attachment is not None and not m.to.direct]
    assert len(summaries) == 1 and "3 of 4 completed" in summaries[0].text

    await jump(world, restarted)  # six weeks after the first opening
    assert world.clock.now() == datetime(2027, 4, 26, 8, tzinfo=UTC)  # 09:00 BST
    for name in ("lead", "alice", "bob", "carol"):
        assert outbound.kinds(name).count("invitation") == 2, name
    await restarted.run_due()  # a second wake at the same moment sends nothing again
    assert once_a_day(outbound)


async def test_a_crash_between_sending_and_noting_a_direct_message_sends_it_again(
    world: World,
) -> None:
    outbound = Outbound(world)
    outbound.crash_after = 3  # the announcement and two invitations: then dies
    with pytest.raises(Crash):
        await jump(world, duties(world, outbound))
    in_hand = outbound.sent[-1][1].to  # sent, but never noted as sent
    assert in_hand.direct
    await duties(world, outbound).run_due()  # restarted straight away
    # Nobody is left without an invitation; the one in hand at the crash went twice.
    for name in ("lead", "alice", "bob", "carol"):
        twice = Address.dm(person(name)) == in_hand
        assert outbound.kinds(name) == ["invitation"] * (2 if twice else 1), name
    assert sum("is open until" in post for post in outbound.posts()) == 1


def once_a_day(outbound: Outbound) -> bool:
    """Nobody got the same message twice on one day (reminders repeat on other days)."""
    counts = Counter((m.to, m.text, when.date()) for when, m in outbound.sent)
    return bool(counts) and max(counts.values()) == 1


async def test_missed_work_runs_once_after_downtime(world: World) -> None:
    outbound = Outbound(world)
    await jump(world, duties(world, outbound))  # opens on 15 March
    world.clock.advance(timedelta(days=6))  # down from day 0 to day 6: two reminders missed
    await duties(world, outbound).run_due()
    assert outbound.kinds("carol") == ["invitation", "reminder"]
    await duties(world, outbound).run_due()
    assert outbound.kinds("carol") == ["invitation", "reminder"]


async def test_reminders_missed_at_night_wait_for_the_morning(world: World) -> None:
    outbound = Outbound(world)
    await jump(world, duties(world, outbound))
    night = datetime(2027, 3, 18, 22, 30, tzinfo=UTC)  # 22:30 in London, day 3
    world.clock.advance(night - world.clock.now())
    await duties(world, outbound).run_due()
    assert outbound.kinds("carol") == ["invitation"]
    await jump(world, duties(world, outbound))
    assert world.clock.now() == datetime(2027, 3, 19, 9, tzinfo=UTC)
    assert outbound.kinds("carol") == ["invitation", "reminder"]


async def test_too_few_responses_put_closing_off_once(world: World) -> None:
    outbound = Outbound(world)
    worker = duties(world, outbound)
    await jump(world, worker)
    await answer(world, "alice", ["3"] * 9)
    while not any("stays open 7 more days" in post for post in outbound.posts()):
        await jump(world, worker)
    assert world.clock.now() == datetime(2027, 3, 29, 22, 59, tzinfo=UTC)
    assert "1 completed of the 3 a summary needs" in outbound.posts()[-1]
    while not any("is closed" in post for post in outbound.posts()):
        await jump(world, worker)
    assert world.clock.now() == datetime(2027, 4, 5, 22, 59, tzinfo=UTC)
    assert "A summary needs at least 3 completed" in outbound.posts()[-1]


async def test_snooze_and_stop_reminders(world: World) -> None:
    outbound = Outbound(world)
    worker = duties(world, outbound)
    await jump(world, worker)
    await jump(world, worker)  # day 3 reminders
    await world.say("carol", "remind me tomorrow")
    await world.say("lead", "stop reminders")
    await jump(world, worker)
    assert world.clock.now() == datetime(2027, 3, 19, 9, tzinfo=UTC)  # carol's "tomorrow"
    assert outbound.kinds("carol") == ["invitation", "reminder", "reminder"]
    while world.clock.now() < datetime(2027, 3, 29, tzinfo=UTC):
        await jump(world, worker, until=datetime(2027, 3, 29, tzinfo=UTC))
    assert outbound.kinds("lead") == ["invitation", "reminder"]


async def test_only_one_replica_works_and_another_takes_over(world: World) -> None:
    outbound = Outbound(world)
    first, second = duties(world, outbound, "A"), duties(world, outbound, "B")
    await jump(world, first, second)
    for name in ("lead", "alice", "bob", "carol"):
        assert outbound.kinds(name) == ["invitation"]
    # Whichever took the lease in that race keeps it; the other stands by.
    leader, follower = (first, second) if await first.run_due() else (second, first)
    assert await leader.run_due() is True
    assert await follower.run_due() is False
    world.clock.advance(timedelta(seconds=61))  # the leader died a minute ago
    assert await follower.run_due() is True
    assert await leader.run_due() is False


async def test_concurrent_replicas_send_each_message_once(world: World) -> None:
    outbound = Outbound(world)
    workers = [duties(world, outbound, f"R{i}") for i in range(3)]
    while world.clock.now() < datetime(2027, 5, 1, tzinfo=UTC):
        await jump(world, *workers, until=datetime(2027, 5, 1, tzinfo=UTC))
    assert once_a_day(outbound)
    assert sum(1 for _, m in outbound.sent if m.attachment is not None) == 0  # no quorum: no chart
    assert outbound.kinds("alice").count("invitation") == 2


async def test_schedule_show_and_off_and_the_once_a_day_manual_reminder(world: World) -> None:
    shown = await world.command("lead", "/round schedule")
    assert "Every 6 weeks on Monday at 09:00 (Europe/London)" in shown[0].text
    assert "Reminders to those not finished: Thu 18 Mar, Mon 22 Mar, Fri 26 Mar" in shown[0].text
    assert "Closes: Monday 29 March 2027 at 11:59pm" in shown[0].text
    bad = await world.command("lead", "/round schedule every fortnight")
    assert "For example: /round schedule every 3 months" in bad[0].text
    await world.command("lead", "/round open")
    first = await world.command("lead", "/round remind")
    assert first[0].text.startswith("Sent 4 reminders.")
    again = await world.command("lead", "/round remind")
    assert "the next can go after" in again[0].text and len(again) == 1
    world.clock.advance(timedelta(days=1))
    assert (await world.command("lead", "/round remind"))[0].text.startswith("Sent")
    off = await world.command("lead", "/round schedule off")
    assert "scheduled rounds are off" in off[0].text
    assert "has no schedule" in (await world.command("lead", "/round schedule"))[0].text


async def test_apscheduler_wakes_the_due_work(world: World) -> None:
    outbound = Outbound(world)
    scheduler = Scheduler(duties(world, outbound).run_due, wake_seconds=3600)
    scheduler.start()
    try:
        assert scheduler.running and scheduler.jobs() == ["due-work"]
    finally:
        await scheduler.stop()
    assert not scheduler.running


async def test_reminders_follow_each_persons_own_timezone(world: World) -> None:
    world.directory.chats[CHANNEL.chat].append(
        PersonRef("test", "DAN", "Dan", "America/Los_Angeles")
    )
    outbound = Outbound(world)
    worker = duties(world, outbound)
    await jump(world, worker)  # opens 15 March
    while len(outbound.kinds("dan")) < 2:
        await jump(world, worker)
    when, _message = outbound.to("dan")[1]
    assert when.astimezone(ZoneInfo("America/Los_Angeles")).hour == 9
    assert when.astimezone(LONDON).hour == 16  # 09:00 in California


async def test_downtime_over_a_close_and_the_next_opening_posts_the_summary_first(
    world: World,
) -> None:
    outbound = Outbound(world)
    worker = duties(world, outbound)
    await jump(world, worker)  # round 1 opens on 15 March
    for name in ("alice", "bob", "carol"):
        await answer(world, name, ["3"] * 9)
    world.clock.advance(datetime(2027, 4, 27, 12, tzinfo=UTC) - world.clock.now())
    await duties(world, outbound).run_due()  # down from before 29 March to after 26 April
    summaries = [m for _, m in outbound.sent if m.attachment is not None and not m.to.direct]
    assert len(summaries) == 1 and "Round 1" in summaries[0].text
    assert outbound.kinds("alice").count("invitation") == 2  # round 2 opened after it


async def test_one_community_that_cannot_be_read_does_not_stop_the_others(
    world: World,
) -> None:
    class Broken:
        def __init__(self, working: object) -> None:
            self.working = working

        async def members(self, chat: object) -> list[PersonRef]:
            raise RuntimeError("not_in_channel")

    outbound = Outbound(world)
    worker = duties(world, outbound)
    worker.duties._directory = Broken(world.directory)  # type: ignore[assignment]
    await world.command("lead", "/round open")
    world.clock.advance(timedelta(days=15))
    await worker.run_due()  # the opening fails, but the hand-opened round is still seen to
    assert any("stays open 7 more days" in post for post in outbound.posts())


async def test_changing_the_time_of_a_schedule_keeps_it_in_step(world: World) -> None:
    outbound = Outbound(world)
    await jump(world, duties(world, outbound))  # opened 15 March; next is 26 April
    reply = await world.command(
        "lead", "/round schedule every 6 weeks on monday at 10:00 Europe/London for 14 days"
    )
    assert "Next opening: Monday 26 April 2027 at 10am" in reply[0].text


async def test_a_hand_opened_round_gets_reminders_in_the_communitys_time(world: World) -> None:
    outbound = Outbound(world)
    invited = await world.command("lead", "/round open for 10 days")
    assert "at 11:59pm" in invited[0].text  # the end of a day in the community's timezone
    await duties(world, outbound).run_due()
    while len(outbound.kinds("carol")) < 1:
        await jump(world, duties(world, outbound))
    assert outbound.kinds("carol") == ["reminder"]  # invited by hand, reminded by the scheduler


async def test_people_who_left_or_asked_to_be_forgotten_are_not_invited(world: World) -> None:
    world.directory.chats[CHANNEL.chat] = [
        person(n) for n in ("lead", "alice", "bob")
    ]  # carol left
    await world.say("bob", "yes, forget me")  # bob is not known yet: nothing to forget
    invited = await world.command("lead", "/round open")
    assert sorted(m.to.chat_id for m in invited if m.to.direct) == ["ALICE", "BOB", "LEAD"]
    await world.say("alice", "yes, forget me")
    world.clock.advance(timedelta(days=2))
    again = await world.command("lead", "/round remind")
    assert "ALICE" not in [m.to.chat_id for m in again if m.to.direct]
    async with world.storage.transaction() as repo:
        assert await repo.person("test", "ALICE") is None  # not re-created either


async def test_stopping_waits_for_a_wake_under_way() -> None:
    class Slow:
        def __init__(self) -> None:
            self.started, self.release, self.finished = (
                asyncio.Event(),
                asyncio.Event(),
                asyncio.Event(),
            )

        async def run_due(self) -> bool:
            self.started.set()
            await self.release.wait()
            self.finished.set()
            return True

    slow = Slow()
    scheduler = Scheduler(slow.run_due, wake_seconds=3600)
    scheduler.start()
    await asyncio.wait_for(slow.started.wait(), timeout=10)  # the start-up wake is running
    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0)  # stop() has begun: it waits for the wake in hand
    assert not stopping.done()
    slow.release.set()
    await asyncio.wait_for(stopping, timeout=10)
    assert slow.finished.is_set() and not scheduler.running


async def test_an_unreadable_channel_is_told_once_and_the_schedule_moves_on(world: World) -> None:
    class Refusing:
        async def members(self, chat: object) -> list[PersonRef]:
            raise RuntimeError("not_in_channel")

    outbound = Outbound(world)
    worker = duties(world, outbound)
    worker.duties._directory = Refusing()  # type: ignore[assignment]
    await jump(world, worker)  # 15 March: cannot open
    await worker.run_due()
    notes = [p for p in outbound.posts() if "could not see who is in this chat" in p]
    assert len(notes) == 1 and "Monday 26 April 2027 at 9am" in notes[0]
    async with world.storage.transaction() as repo:
        assert await repo.latest_round(1) is None


async def test_until_a_date_means_the_end_of_that_day_where_the_community_is(
    world: World,
) -> None:
    reply = await world.command("lead", "/round open until 2027-03-20")
    assert "open until Saturday 20 March 2027 at 11:59pm" in reply[0].text


class CountingStorage:
    """The storage, counting the transactions open at once."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self.open = self.most = self.opened = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repository]:
        self.opened += 1
        self.open += 1
        self.most = max(self.most, self.open)
        try:
            async with self._storage.transaction() as repo:
                await asyncio.sleep(0)  # others may start theirs meanwhile
                yield repo
        finally:
            self.open -= 1


async def test_an_opening_goes_out_from_the_replica_that_leads_then_from_another(
    world: World,
) -> None:
    """Each replica paces its sending to a platform's whole limit, so two sending one opening
    would together go over it. The invitations go from the replica leading the scheduler (the
    other still sends what is not a fan-out); if the leader dies, another sends them once its
    lease has run out."""

    def replica(holder: str) -> tuple[Duties, OutboxSender, Outbound]:
        outbound = Outbound(world)
        settings = DutySettings(holder, "Europe/London", 7)
        duties = Duties(world.storage, world.clock, world.assembly.directory, RUBRIC, settings)
        sender = OutboxSender(
            world.storage, world.clock, outbound, holder, "Europe/London", shares_fan_outs=True
        )
        return duties, sender, outbound

    (leading, a_sends, a_sent), (_, b_sends, b_sent) = replica("A"), replica("B")
    async with world.storage.transaction() as repo:
        riverside = await repo.community_for_chat(ChatRef(CHANNEL.platform, CHANNEL.chat_id))
        assert riverside is not None
        schedule = await repo.schedule(riverside.id)
        assert schedule is not None
    world.clock.advance(schedule.next_open_at - world.clock.now())
    assert await leading.run_due()  # A opens the round: invitations are owed
    await b_sends.send_due(in_parallel=True)
    assert b_sent.posts()  # the announcement in the channel is no fan-out: B posted it
    assert not any(m.to.direct for _, m in b_sent.sent)  # B left the invitations to A
    world.clock.advance(timedelta(seconds=59))  # A has died without sending; its lease holds
    await b_sends.send_due(in_parallel=True)
    assert not any(m.to.direct for _, m in b_sent.sent)
    world.clock.advance(timedelta(seconds=2))
    await b_sends.send_due(in_parallel=True)
    invited = sorted(m.to.chat_id for _, m in b_sent.sent if m.to.direct)
    assert invited and invited == sorted(p.user_id for p in world.directory.chats[CHANNEL.chat])
    assert a_sent.sent == [] and await a_sends.send_due(in_parallel=True) == 0


async def test_a_fan_out_leaves_database_connections_for_everyone_else(world: World) -> None:
    """Sending to 100 people at once uses at most a few of the pool's connections, so an
    answer or the scheduler's wake arriving meanwhile is not queued behind the fan-out."""
    outbound = Outbound(world)
    counting = CountingStorage(world.storage)
    sender = OutboxSender(counting, world.clock, outbound, "A")  # type: ignore[arg-type]
    now = world.clock.now()
    async with world.storage.transaction() as repo:
        await repo.queue(
            [
                OutboxItem(
                    f"fan-out:{n}",
                    OutboxKind.MESSAGE,
                    None,
                    now,
                    message=Outgoing(Address.dm(PersonRef("slack", f"U{n}")), "Hello!"),
                )
                for n in range(100)
            ]
        )
    assert await sender.send_due(in_parallel=True) == 100
    assert len(outbound.sent) == 100
    assert counting.most <= TRANSACTIONS < 15  # the pool's size


async def test_a_wake_with_nothing_due_costs_one_short_transaction(world: World) -> None:
    """Every replica wakes every 20 seconds. One with nothing to open or close takes the
    lease, reads what is due and owes the snoozed reminders in one transaction (pruning runs
    once an hour); a replica that does not lead stops after one as well."""
    counting = CountingStorage(world.storage)
    directory = world.assembly.directory

    def replica(holder: str) -> Duties:
        settings = DutySettings(holder, "Europe/London", 7)
        return Duties(counting, world.clock, directory, RUBRIC, settings)  # type: ignore[arg-type]

    leader, follower = replica("A"), replica("B")
    assert await leader.run_due()  # the first wake prunes as well
    for _ in range(3):
        world.clock.advance(timedelta(seconds=20))
        counting.opened = 0
        assert await leader.run_due()
        assert counting.opened == 1
        counting.opened = 0
        assert not await follower.run_due()
        assert counting.opened == 1


async def test_the_scheduler_forgets_delivery_ids_after_a_week(world: World) -> None:
    """Processed delivery ids (what stops a platform's retry being handled twice) are kept a
    week, then pruned at a wake: the table does not grow with every answer ever given."""

    async def kept() -> int:
        async with world.storage.engine.connect() as connection:
            found = await connection.execute(text("SELECT count(*) FROM processed_deliveries"))
            return int(found.scalar_one())

    worker = duties(world, Outbound(world))
    await world.say("ana", "help", delivery="update-1")
    await worker.run_due()
    world.clock.advance(timedelta(days=6, hours=23))
    await worker.run_due()
    assert await kept() == 1
    assert await world.say("ana", "help", delivery="update-1") == []  # a retry: handled once
    world.clock.advance(timedelta(hours=2))
    await worker.run_due()
    assert await kept() == 0


async def test_a_big_opening_does_not_keep_a_small_one_at_the_same_minute_waiting(
    world: World,
) -> None:
    """Two communities open at 09:00: listing the big one's members takes a while (here, until
    the test lets it finish); the small one's round opens and its invitations are queued
    meanwhile."""
    big_chat, small_chat = ChatRef(CHANNEL.platform, CHANNEL.chat_id), ChatRef("test", "C-SMALL")
    world.directory.chats[small_chat] = [person("dana"), person("eve")]
    async with world.storage.transaction() as repo:
        riverside = await repo.community_for_chat(big_chat)
        assert riverside is not None
        big = await repo.schedule(riverside.id)
        assert big is not None
        small = await repo.create_community("Small", small_chat, True, world.clock.now())
        await repo.save_schedule(replace(big, community_id=small.id))
    listed = asyncio.Event()

    class SlowForTheBig:
        async def members(self, chat: ChatRef) -> Roster | None:
            if chat == big_chat:
                await listed.wait()  # a channel of thousands: pages and profiles
            return await world.directory.members(chat)

    worker = duties(world, Outbound(world))
    worker.duties._directory = SlowForTheBig()  # type: ignore[assignment]
    world.clock.advance(big.next_open_at - world.clock.now())
    wake = asyncio.create_task(worker.duties.run_due())
    for _ in range(1_000):  # the small round opens while the big one is still being listed
        async with world.storage.transaction() as repo:
            opened = await repo.unclosed_round(small.id)
        if opened is not None or wake.done():
            break
        await asyncio.sleep(0)
    listed.set()
    await wake
    assert opened is not None
    async with world.storage.transaction() as repo:
        assert await repo.unclosed_round(riverside.id) is not None
        owed = await repo.outbox(opened.id)
    assert sum(item.kind is OutboxKind.INVITE for item in owed) == 2
