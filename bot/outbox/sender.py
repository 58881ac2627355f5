"""Sends what the outbox owes, with the promise each kind of message makes.

- A direct message (a card, a reply, an invitation, a reminder, a reply only one person sees)
  is sent at least once: if the process dies between sending and recording it, it is sent
  again after the restart. A repeat is harmless: a stale card's buttons are refused politely.
- A post to a channel or group (an announcement, a summary, a chart) is never doubled: one
  claimed but not recorded when the process died is not sent again; the leads are told, in
  plain words, what may not have been posted and how to post it again.
- When the platform fails (5xx, 429, no connection, a timeout on a direct message) the item is
  tried again with a growing wait, and after a bounded time given up and counted as "could not
  be reached". Someone the platform will not deliver to is counted so at once.

Items are claimed in batches and sent in order within each chat, chats side by side; the
items of a chat that were sent are recorded together, in one statement. The sender wakes as
soon as a transaction that queued something commits, so the outbox is a record, not a delay;
it also looks every few seconds for items due later (retries, reminders), and for claims left
behind by a process that died.

While it runs, it is also the storage's courier (bot.ports.Courier): the direct replies an
event's transaction stores are stored already claimed by this process and handed to it in
memory after the commit, so no transaction of its own claims them. They are in its hands
until recorded; should the process die first, they are claims left behind, sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.conversation.cards import format_moment
from bot.messages import Address, Outgoing
from bot.model import PersonRef, Role
from bot.outbox.content import outbox_message
from bot.outbox.item import OutboxItem, OutboxKind, Outcome
from bot.outbox.queue import reply_item
from bot.ports import (
    Clock,
    MaybeSent,
    Messenger,
    Refused,
    Repository,
    Storage,
    TryAgain,
    Unreachable,
)
from bot.schedule.lease import HEARTBEAT_TIME, LEASE_NAME, heartbeat

log = logging.getLogger(__name__)

BATCH = 50  # items claimed at a time
MAX_BATCHES = 1_000  # a pass never loops for ever
PARALLEL_CHATS = 32
# Transactions at once: however many chats are being sent to, the database pool (15 a replica)
# keeps connections for incoming events and the scheduler (bench/region.py saw the scheduler's
# wake wait seconds for one during a fan-out when every sending chat held one).
TRANSACTIONS = 6
FIRST_RETRY = timedelta(seconds=2)
LONGEST_WAIT = timedelta(minutes=5)
MAX_ATTEMPTS = 10  # about 20 minutes of trying, then "could not be reached"
STALE_AFTER = timedelta(minutes=10)  # a claim this old, by another process, was abandoned
# ... and this old, by a process whose heartbeat has stopped: it died (a send takes seconds).
SILENT_AFTER = timedelta(minutes=1)
LOOK_AGAIN_SECONDS = 5.0  # when nothing wakes the sender: retries and reminders come due
EXCERPT = 80

Observer = Callable[[str, Outcome], None]  # (platform, how an item ended), for metrics


def backoff(attempts: int, asked: float | None = None) -> timedelta:
    """The wait before try number attempts+1: doubling from FIRST_RETRY up to LONGEST_WAIT, or
    what the platform asked for when that is longer."""
    wait: timedelta = min(LONGEST_WAIT, FIRST_RETRY * (2 ** min(attempts, 16)))
    return max(wait, timedelta(seconds=asked or 0))


class OutboxSender:
    """Sends due outbox items; one pass at a time in this process."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        messenger: Messenger,
        holder: str,
        default_timezone: str = "UTC",
        observe: Observer | None = None,
        shares_fan_outs: bool = False,
        platforms: frozenset[str] | None = None,
    ) -> None:
        self._storage, self._clock, self._messenger = storage, clock, messenger
        self._holder = holder  # this process's name, the same after a restart
        # When this process runs the scheduler (on whose lease it is `holder` too), it sends
        # invitations and reminders only while it leads, or while nobody does.
        self._shares_fan_outs = shares_fan_outs
        self._beaten_at: datetime | None = None
        # The platforms this process sends on (None: all): an item for another waits for a
        # process that serves it, and is never taken for one that cannot be reached.
        self._platforms = platforms
        self._timezone = default_timezone
        self._observe = observe or (lambda _item, _outcome: None)
        self._one_pass = asyncio.Lock()
        self._woken = asyncio.Event()
        self._stopping = False
        self._slots = asyncio.Semaphore(PARALLEL_CHATS)
        self._transactions = asyncio.Semaphore(TRANSACTIONS)
        self._running = False  # taking hand-overs: only while its loop runs
        self._in_hand: set[int] = set()  # handed over (or about to be), not yet recorded
        self._handing: set[asyncio.Task[None]] = set()
        # Per chat: one hand-over at a time, and how many are sending or waiting to.
        self._chats: dict[Address | None, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Repository]:
        """A transaction, at most TRANSACTIONS of this sender's at once (never nested)."""
        async with self._transactions, self._storage.transaction() as repo:
            yield repo

    @property
    def holder(self) -> str:
        return self._holder

    def serves(self, item: OutboxItem) -> bool:
        """A direct message decided in full, due now, on a platform this process sends on,
        while the loop runs (the console and the command line drain instead)."""
        message = item.message
        return (
            self._running
            and not self._stopping
            and item.kind is OutboxKind.MESSAGE
            and message is not None
            and message.to.direct
            and (self._platforms is None or message.to.platform in self._platforms)
            and item.due_at <= self._clock.now()
        )

    def hold(self, item_ids: Sequence[int]) -> None:
        self._in_hand.update(item_ids)

    def drop(self, item_ids: Sequence[int]) -> None:
        self._in_hand.difference_update(item_ids)

    def take(self, items: Sequence[OutboxItem]) -> None:
        task = asyncio.create_task(self._handed(items))
        self._handing.add(task)
        task.add_done_callback(self._handing.discard)

    async def _handed(self, items: Sequence[OutboxItem]) -> None:
        """Items handed over, sent in order after those handed before to the same chat."""
        try:
            for group in _by_chat(items):
                to = group[0].message.to if group[0].message else None
                lock, users = self._chats.get(to, (asyncio.Lock(), 0))
                self._chats[to] = (lock, users + 1)
                try:
                    async with lock:
                        await self._chat(group)
                finally:
                    lock, users = self._chats[to]
                    if users == 1:
                        del self._chats[to]
                    else:
                        self._chats[to] = (lock, users - 1)
        finally:
            self.drop([item.id for item in items])

    def wake(self) -> None:
        """Something was queued: send it now."""
        self._woken.set()

    def stop_soon(self) -> None:
        """Finish the messages in hand, hand back the rest, and stop."""
        self._stopping = True
        self._woken.set()

    async def run(self) -> None:
        """Send whatever comes due until stop_soon(); at start, first deal with the claims
        this process left behind when it last stopped."""
        await self.recover()
        self._running = True
        self._storage.hand_to(self)  # the replies of this process's events come straight here
        while not self._stopping:
            self._woken.clear()  # before the pass: a wake during it is not lost
            try:
                await self.send_due(in_parallel=True)
                await self.recover()
            except Exception:  # the database went away: look again shortly
                log.exception("sending the outbox failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), await self._idle_seconds())
        self._running = False
        self._storage.hand_to(None)
        await self._handed_over()  # the hand-overs in hand finish (or hand the rest back)

    async def _handed_over(self) -> None:
        """Wait until the items handed over so far are sent (or handed back)."""
        while self._handing:
            await asyncio.gather(*self._handing, return_exceptions=True)

    async def drain(self) -> int:
        """Send everything due now, one item at a time in the order queued (the console and
        tests: what was owed is printed in order). Returns how many items were handled; when
        the database cannot be reached, none (what is owed waits for the next pass)."""
        await self._handed_over()
        try:
            return await self.send_due(in_parallel=False)
        except Exception as error:
            log.warning("the outbox could not be read (%s)", type(error).__name__)
            return 0

    async def send_due(self, *, in_parallel: bool) -> int:
        handled = 0
        async with self._one_pass:
            for _ in range(MAX_BATCHES):
                if self._stopping:
                    break
                now = self._clock.now()
                async with self._transaction() as repo:
                    await self._beat(repo, now)
                    # Draining (the console, the command line) sends everything.
                    fan_out = not in_parallel or await self._sends_fan_outs(repo, now)
                    items = await repo.claim_due(
                        now, BATCH, self._holder, fan_out=fan_out, platforms=self._platforms
                    )
                if not items:
                    break
                if in_parallel:
                    await asyncio.gather(*(self._chat(chat) for chat in _by_chat(items)))
                else:
                    await self._chat(items)
                handled += len(items)
        return handled

    async def recover(self) -> None:
        """Claims never finished: by this process before it last stopped (it cannot be sending
        them now), by another whose heartbeat stopped a minute ago, or by any long ago. Direct
        messages go again; posts are not risked."""
        async with self._one_pass:  # not while this process is sending: its claims are live
            now = self._clock.now()
            # What is in hand now or comes to hand meanwhile is being sent, not left behind
            # (a claim made after this reads the outbox is not among what it reads).
            in_hand = set(self._in_hand)
            async with self._transaction() as repo:
                await self._beat(repo, now)
                stale = await repo.stale_claims(
                    self._holder, now - STALE_AFTER, now - SILENT_AFTER, now
                )
            in_hand |= self._in_hand
            stale = [item for item in stale if item.id not in in_hand]
            for item in stale:
                async with self._transaction() as repo:
                    if item.is_post:
                        await self._uncertain(repo, item, now)
                    else:
                        await repo.retry_outbox(item.id, now, failed=False)
        if stale:
            log.warning("%d outbox items were left claimed by a stopped process", len(stale))

    async def _beat(self, repo: Repository, now: datetime) -> None:
        """This sender is alive: another replica leaves its claims alone for now. Renewed a few
        times a heartbeat's life, not at every pass (each is a write)."""
        if self._beaten_at is not None and now - self._beaten_at < HEARTBEAT_TIME / 4:
            return
        await repo.take_lease(heartbeat(self._holder), self._holder, now, now + HEARTBEAT_TIME)
        self._beaten_at = now

    async def _sends_fan_outs(self, repo: Repository, now: datetime) -> bool:
        """Whether this process may send invitations and reminders now. Each replica paces
        its sending to a platform's whole limit, so fan-outs go from one replica: the one
        leading the scheduler (which queued them), or any while none does."""
        if not self._shares_fan_outs:
            return True
        leader = await repo.lease_holder(LEASE_NAME, now)
        return leader is None or leader == self._holder

    async def _idle_seconds(self) -> float:
        async with self._transaction() as repo:
            fan_out = await self._sends_fan_outs(repo, self._clock.now())
            due = await repo.next_due_at(fan_out=fan_out, platforms=self._platforms)
        if due is None:
            return LOOK_AGAIN_SECONDS
        wait = (due - self._clock.now()).total_seconds()
        return min(max(wait, 0.05), LOOK_AGAIN_SECONDS)

    async def _chat(self, items: Sequence[OutboxItem]) -> None:
        """One chat's items, in order; once stopping, the rest are handed back unsent. Those
        sent are recorded together at the end."""
        sent: list[tuple[OutboxItem, str]] = []
        async with self._slots:
            try:
                for number, item in enumerate(items):
                    if self._stopping:
                        await self._release(items[number:])
                        return
                    if item.message is None and sent:
                        # Worked out when sent (a reminder): from what is recorded so far.
                        await self._record_sent(sent)
                        sent.clear()
                    try:
                        await self._send(item, sent)
                    except Exception:  # the database failed mid-way: the claim goes stale
                        log.exception("outbox item %s could not be finished", item.id)
            finally:
                await self._record_sent(sent)

    async def _record_sent(self, sent: Sequence[tuple[OutboxItem, str]]) -> None:
        """Record these items as sent, in one statement. Should the database fail, the claims
        go stale: direct messages are sent again, posts are reported (never doubled)."""
        if not sent:
            return
        try:
            async with self._transaction() as repo:
                await repo.finish_sent([item.id for item, _platform in sent], self._clock.now())
        except Exception:
            log.exception("%d sent outbox items could not be recorded", len(sent))
            return
        for _item, platform in sent:
            self._observe(platform, Outcome.SENT)

    async def _release(self, items: Sequence[OutboxItem]) -> None:
        async with self._transaction() as repo:
            for item in items:
                await repo.retry_outbox(item.id, item.due_at, failed=False)

    async def _send(self, item: OutboxItem, sent: list[tuple[OutboxItem, str]]) -> None:
        """Send one item and record how it ended; a message decided when queued, once sent,
        is added to sent instead, to be recorded with the chat's others."""
        now = self._clock.now()
        try:
            message: Outgoing | None = item.message  # decided when queued: nothing to read
            later: datetime | None = None
            if message is None:
                async with self._transaction() as repo:
                    message, later = await outbox_message(repo, item, now, self._timezone)
        except Exception as error:  # e.g. a chart that would not draw: try again later
            log.exception("working out outbox item %s failed", item.id)
            await self._failed(item, now, TryAgain(type(error).__name__), "")
            return
        if later is not None:  # quiet hours where they live: send in the morning
            await self._finish_later(item, later)
            return
        if message is None:
            await self._end(item, now, Outcome.SKIPPED, "")
            return
        platform = message.to.platform
        try:
            await self._messenger.send(message)
        except Unreachable:
            await self._end(item, now, Outcome.UNREACHABLE, platform, unreachable=message.to)
        except Refused as error:
            log.warning("%s refused outbox item %s: %s", platform, item.id, error)
            await self._end(item, now, Outcome.GAVE_UP, platform)
        except MaybeSent:
            if item.is_post:
                async with self._transaction() as repo:
                    await self._uncertain(repo, item, now, message)
                self._observe(platform, Outcome.UNCERTAIN)
            else:
                await self._failed(item, now, TryAgain("timed out"), platform)
        except TryAgain as error:
            await self._failed(item, now, error, platform)
        except Exception as error:
            log.warning("sending outbox item %s failed: %s", item.id, type(error).__name__)
            await self._failed(item, now, TryAgain(type(error).__name__), platform)
        else:
            if item.message is None:  # worked out from the records: recorded before the next
                await self._end(item, now, Outcome.SENT, platform)
            else:
                sent.append((item, platform))

    async def _finish_later(self, item: OutboxItem, due: datetime) -> None:
        async with self._transaction() as repo:
            await repo.retry_outbox(item.id, due, failed=False)

    async def _failed(
        self, item: OutboxItem, now: datetime, error: TryAgain, platform: str
    ) -> None:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.warning("outbox item %s given up after %d attempts", item.id, MAX_ATTEMPTS)
            to = None if item.is_post else await self._address(item)
            await self._end(item, now, Outcome.GAVE_UP, platform, unreachable=to)
            return
        async with self._transaction() as repo:
            await repo.retry_outbox(item.id, now + backoff(item.attempts, error.after))

    async def _end(
        self,
        item: OutboxItem,
        now: datetime,
        outcome: Outcome,
        platform: str,
        unreachable: Address | None = None,
    ) -> None:
        async with self._transaction() as repo:
            await repo.finish_outbox(item.id, now, outcome)
            if unreachable is not None and unreachable.direct:
                await mark_unreachable(repo, unreachable)
        self._observe(platform, outcome)

    async def _address(self, item: OutboxItem) -> Address | None:
        if item.message is not None:
            return item.message.to
        if item.person_id is None:
            return None
        async with self._transaction() as repo:
            person = await repo.person_by_id(item.person_id)
        return None if person is None else Address(person.platform, person.platform_user_id, True)

    async def _uncertain(
        self, repo: Repository, item: OutboxItem, now: datetime, message: Outgoing | None = None
    ) -> None:
        """Record that a post may not have gone out, and tell the community's leads."""
        await repo.finish_outbox(item.id, now, Outcome.UNCERTAIN)
        community = await repo.community_by_id(item.community_id) if item.community_id else None
        if community is None:
            return
        text = await _uncertain_text(repo, item, message, community.name)
        leads = [p for p, role in await repo.members(community.id) if role is Role.LEAD]
        dms = [Address.dm(PersonRef(p.platform, p.platform_user_id)) for p in leads]
        await repo.queue([reply_item(Outgoing(dm, text), now) for dm in dms])


def _by_chat(items: Sequence[OutboxItem]) -> list[list[OutboxItem]]:
    """The items grouped by where they go, each group in the order queued."""
    groups: dict[object, list[OutboxItem]] = {}
    for item in items:
        where: object = (
            item.message.to
            if item.message is not None
            else item.chat
            if item.chat is not None
            else ("person", item.person_id)
        )
        groups.setdefault(where, []).append(item)
    return list(groups.values())


async def mark_unreachable(repo: Repository, dm: Address) -> None:
    """The platform will not deliver to this person: count them as "could not be reached" in
    every round they take part in that is not yet closed."""
    person = await repo.person(dm.platform, dm.chat_id)
    if person is None:
        return
    for participation in await repo.active_participations(person.id):
        if not participation.unreachable:
            await repo.save_participation(replace(participation, unreachable=True))


async def _uncertain_text(
    repo: Repository, item: OutboxItem, message: Outgoing | None, community: str
) -> str:
    round_ = await repo.round_by_id(item.round_id) if item.round_id else None
    when = format_moment(item.claimed_at or item.due_at, round_.timezone if round_ else "UTC")
    head = (
        f"I may not have posted a message to {community}'s chat around {when}: I stopped "
        "while posting it and cannot tell whether it went out, so I have not posted it again."
    )
    if item.kind in (OutboxKind.SUMMARY, OutboxKind.TREND) and round_ is not None:
        return (
            f"{head} It was the summary of round {round_.number}. If it is missing, "
            f"/round summary {round_.number} posts it again."
        )
    text = message.text if message is not None else (item.message.text if item.message else "")
    excerpt = " ".join(text.split())
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[: EXCERPT - 1] + "…"
    return f"{head} It began: “{excerpt}”. If it is missing, you may want to post it yourself."
