"""What the scheduler does when it wakes: open scheduled rounds, close rounds that are due (or
put off closing for want of responses), owe reminders asked for with "remind me tomorrow", and
forget what no longer needs keeping.

Due times live in our own tables, so nothing is lost while the process is down: the first wake
after a restart does what was missed, once. Only the holder of the "scheduler" lease works, so
replicas never do the same job twice. Everything this work owes people is an outbox row with a
unique key; bot/outbox/sender.py sends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.access.joining import JOIN_REQUEST_LIFETIME
from bot.access.limits import KEEP_HITS
from bot.access.links import prune_links
from bot.access.sign_in import SESSION_IDLE, SIGN_IN_LIFETIME
from bot.conversation import cards
from bot.messages import Outgoing
from bot.model import ChatRef, Community, Rubric
from bot.outbox.keys import Note, OutboxKey
from bot.outbox.queue import queue_posts
from bot.platforms import Platforms
from bot.ports import Clock, ConcurrentUpdate, MemberDirectory, Repository, Storage
from bot.privacy.data_rights import purge_old_rounds
from bot.roster import Roster, odd_note
from bot.rounds import lifecycle as rounds
from bot.schedule import cadence
from bot.schedule.lease import LEASE_NAME, LEASE_TIME
from bot.schedule.reminders import queue_snoozed
from bot.transaction import in_transaction

log = logging.getLogger(__name__)

KEEP_SENT = timedelta(days=2)  # finished outbox items are kept this long (closed rounds)
KEEP_DELIVERY_IDS = timedelta(days=7)  # platforms give up retrying within a day
PRUNE_EVERY = timedelta(hours=1)  # what is pruned is kept for days: no need at every wake
OPENINGS_AT_ONCE = 4  # rounds opened side by side (each lists its members, then one commit)


@dataclass(frozen=True)
class DutySettings:
    holder: str  # who this process is, for the lease
    default_timezone: str = "UTC"
    quorum_extension_days: int = 7  # 0: never put off closing
    retention_days: int | None = None  # purge details of rounds closed longer ago


class Unreadable(Exception):
    """A chat's platform would not say who is in it."""

    def __init__(self, chat: ChatRef) -> None:
        super().__init__(f"{chat.platform}:{chat.chat_id}")
        self.chat = chat


class Duties:
    """One wake of the scheduler: run_due() does whatever is due now."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        directory: MemberDirectory,
        rubric: Rubric,
        settings: DutySettings,
        platforms: Platforms | None = None,
    ) -> None:
        self._storage, self._clock = storage, clock
        self._directory, self._rubric, self._settings = directory, rubric, settings
        self._platforms = platforms or Platforms()
        self._one_at_a_time = asyncio.Lock()  # a wake asked for by hand waits for the timer's
        self._pruned_at: datetime | None = None

    async def run_due(self) -> bool:
        """Do what is due; False when another process holds the lease."""
        async with self._one_at_a_time:
            now = self._clock.now()
            found = await self._look(now)
            if found is None:
                return False
            overdue, due, tidied = found
            if tidied:
                return True
            # Closing first: after downtime a round's close and the next opening can both be
            # due, and the old round must close properly (tallies, quorum, summary) first.
            await self._close_due(overdue, now)
            await self._open_due(due, now)
            await in_transaction(self._storage, self._clock, partial(self._tidy, now=now), None)
            return True

    async def _look(self, now: datetime) -> tuple[Sequence[int], Sequence[int], bool] | None:
        """Take (or renew) the lease and read what is due; when nothing is, tidy up in the
        same transaction: most wakes are one short transaction. None when another process
        leads (or a concurrent update got in the way: the next wake tries again)."""
        try:
            async with self._storage.transaction() as repo:
                if not await repo.take_lease(
                    LEASE_NAME, self._settings.holder, now, now + LEASE_TIME
                ):
                    return None
                overdue = await repo.overdue_rounds(now)
                due = [schedule.community_id for schedule in await repo.due_schedules(now)]
                idle = not overdue and not due
                if idle:
                    await self._tidy(repo, now=now)
        except ConcurrentUpdate:
            return None
        return overdue, due, idle

    async def _tidy(self, repo: Repository, *, now: datetime) -> list[Outgoing]:
        """Owe the reminders asked for with "remind me tomorrow", and, once an hour, forget
        what no longer needs keeping."""
        await queue_snoozed(repo, now)
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await repo.prune_outbox(now - KEEP_SENT)
            await repo.prune_deliveries(now - KEEP_DELIVERY_IDS)
            await repo.prune_leases(now - KEEP_DELIVERY_IDS)  # heartbeats of replicas gone
            await repo.prune_access(now - SIGN_IN_LIFETIME, now - SESSION_IDLE)
            await repo.prune_hits(now - KEEP_HITS)
            await repo.prune_join_requests(now - JOIN_REQUEST_LIFETIME)
            await prune_links(repo, now, self._platforms)
            if self._settings.retention_days:
                await purge_old_rounds(repo, now, self._settings.retention_days)
            self._pruned_at = now  # if this transaction fails, pruning waits an hour: harmless
        return []

    async def _open_due(self, due: Sequence[int], now: datetime) -> None:
        """Open every due round, a few side by side: a community of thousands (whose members
        take a while to list) does not keep a small one opening at the same minute waiting."""
        side_by_side = asyncio.Semaphore(OPENINGS_AT_ONCE)

        async def open_one(community_id: int) -> None:
            async with side_by_side:
                try:
                    await self._open_scheduled(community_id, now)
                except Exception:  # one community's trouble must not stop everyone's rounds
                    log.exception("opening community %s's scheduled round failed", community_id)

        await asyncio.gather(*(open_one(community_id) for community_id in due))

    async def _open_scheduled(self, community_id: int, now: datetime) -> None:
        async with self._storage.transaction() as repo:
            community = await repo.community_by_id(community_id)
        if community is None:
            return
        try:
            members = await self._members(community.chats)
        except Unreadable as problem:
            log.warning(
                "community %s: the members of %s could not be listed", community_id, problem
            )
            work = partial(self._skip_unreadable, community_id=community.id, chat=problem.chat)
        else:
            work = partial(self._open_one, community_id=community.id, members=members)
        await in_transaction(self._storage, self._clock, partial(work, now=now), None)

    async def _members(self, chats: Sequence[ChatRef]) -> rounds.Members:
        members: dict[ChatRef, Roster | None] = {}
        for chat in chats:
            try:
                members[chat] = await self._directory.members(chat)
            except Exception:
                raise Unreadable(chat) from None
        return members

    async def _skip_unreadable(
        self, repo: Repository, *, community_id: int, chat: ChatRef, now: datetime
    ) -> list[Outgoing]:
        """Tell the community once and move on to the next opening, instead of retrying (and
        failing) at every wake."""
        schedule = await repo.schedule(community_id)
        community = await repo.community_by_id(community_id)
        if schedule is None or community is None or schedule.next_open_at > now:
            return []
        moved = cadence.advanced(schedule, now)
        await repo.save_schedule(moved)
        words = self._platforms[chat.platform]
        note = (
            "The scheduled round was not opened: I could not see who is in this chat. Is the "
            f"bot still in it? {words.invite_bot}, then /round open, or wait for the next "
            f"opening on {cards.format_moment(moved.next_open_at, moved.cadence.timezone)}."
        )
        missed = f"{community_id}@{schedule.next_open_at.isoformat()}"
        await _post_note(repo, community, Note.UNREADABLE, missed, note, now)
        return []

    async def _open_one(
        self, repo: Repository, *, community_id: int, members: rounds.Members, now: datetime
    ) -> list[Outgoing]:
        schedule = await repo.schedule(community_id)
        community = await repo.community_by_id(community_id)
        if schedule is None or community is None or schedule.next_open_at > now:
            return []  # changed or done meanwhile
        moved = cadence.advanced(schedule, now)
        await repo.save_schedule(moved)
        plan = schedule.cadence
        current = await rounds.finish_overdue(repo, community, now)
        if current is not None:
            note = (
                f"The scheduled round was not opened because round {current.number} "
                f"“{current.title}” is still open. The next opening is "
                f"{cards.format_moment(moved.next_open_at, plan.timezone)}."
            )
            missed = f"{community_id}@{schedule.next_open_at.isoformat()}"
            await _post_note(repo, community, Note.SKIPPED, missed, note, now)
            return []
        closes_at = cadence.closing_time(plan, max(now, schedule.next_open_at))
        title = f"{now.astimezone(ZoneInfo(plan.timezone)):%B %Y} self-assessment"
        opened = await rounds.open_round(
            repo, community, title, closes_at, self._rubric, members, now, plan.timezone
        )
        odd = odd_note(rounds.odd_records(members), self._platforms)
        if odd:
            await _post_note(repo, community, Note.ODD_RECORDS, str(opened.round.id), odd, now)
        return []

    async def _close_due(self, overdue: Sequence[int], now: datetime) -> None:
        for round_id in overdue:
            work = partial(self._close_one, round_id=round_id, now=now)
            try:
                await in_transaction(self._storage, self._clock, work, None)
            except Exception:
                log.exception("closing round %s failed", round_id)

    async def _close_one(self, repo: Repository, *, round_id: int, now: datetime) -> list[Outgoing]:
        round_ = await repo.round_by_id(round_id)
        community = await repo.community_by_id(round_.community_id) if round_ else None
        if round_ is None or community is None or round_.closed_at is not None:
            return []
        done = sum(1 for p in await repo.participations(round_id) if p.completed_at)
        extension = self._settings.quorum_extension_days
        if done < round_.min_responses and not round_.extended and extension > 0:
            # From now, not from the missed deadline: after downtime that date may be past.
            closes_at = max(now, round_.closes_at) + timedelta(days=extension)
            await repo.extend_round(round_id, closes_at)
            note = (
                f"Round {round_.number} “{round_.title}” has {done} completed of the "
                f"{round_.min_responses} a summary needs, so it stays open {extension} more "
                f"days, until {cards.format_moment(closes_at, round_.timezone)}. "
                "Leads: /round remind nudges "
                "everyone who has not finished."
            )
            await _post_note(repo, community, Note.EXTENDED, str(round_id), note, now)
            return []
        await rounds.close_round(repo, community, round_, now)
        return []


async def _post_note(
    repo: Repository, community: Community, why: Note, about: str, text: str, now: datetime
) -> None:
    """A note to every chat of the community, once for `about` (a round, a missed opening)."""
    await queue_posts(repo, community, partial(OutboxKey.note, why, about), text, now)
