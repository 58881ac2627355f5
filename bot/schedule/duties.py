"""What the scheduler does when it wakes: open scheduled rounds, close rounds that are due (or
put off closing for want of responses), and send what the outbox owes.

Due times live in our own tables, so nothing is lost while the process is down: the first wake
after a restart does what was missed, once. Only the holder of the "scheduler" lease works, so
replicas never do the same job twice. Each owed message is an outbox row with a unique key,
claimed before it is sent and marked after: a crash between the two never sends it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.conversation import cards
from bot.conversation.participants import in_transaction
from bot.messages import Outgoing
from bot.model import OutboxItem, OutboxKind, Rubric, Schedule
from bot.ports import (
    Clock,
    ConcurrentUpdate,
    MemberDirectory,
    Messenger,
    Repository,
    Storage,
)
from bot.privacy.data_rights import purge_old_rounds
from bot.rounds import lifecycle as rounds
from bot.schedule import cadence
from bot.schedule.outbox import outbox_messages, queue_round_messages

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_TIME = timedelta(seconds=60)  # a dead leader is replaced within a minute
RETRY_DELAY = timedelta(minutes=5)
BATCH = 50
SKIPPED = "skipped"
GAVE_UP = "gave up"
MAX_ATTEMPTS = 3
MAX_BATCHES = 200  # bounded: a wake never loops for ever


@dataclass(frozen=True)
class DutySettings:
    holder: str  # who this process is, for the lease
    default_timezone: str = "UTC"
    quorum_extension_days: int = 7  # 0: never put off closing
    retention_days: int | None = None  # purge details of rounds closed longer ago


class Duties:
    """One wake of the scheduler: run_due() does whatever is due now."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        messenger: Messenger,
        directory: MemberDirectory,
        rubric: Rubric,
        settings: DutySettings,
    ) -> None:
        self._storage, self._clock, self._messenger = storage, clock, messenger
        self._directory, self._rubric, self._settings = directory, rubric, settings
        self._stopping = False

    def stop_soon(self) -> None:
        """Finish the message in hand, then send no more (shutdown)."""
        self._stopping = True

    async def run_due(self) -> bool:
        """Do what is due; False when another process holds the lease."""
        now = self._clock.now()
        if not await self._lead(now):
            return False
        # Closing first: after downtime a round's close and the next opening can both be
        # due, and the old round must close properly (tallies, quorum, summary) first.
        await self._close_due(now)
        await self._open_due(now)
        await self._queue_snoozes(now)
        await self._send_outbox(now)
        if self._settings.retention_days:
            async with self._storage.transaction() as repo:
                await purge_old_rounds(repo, now, self._settings.retention_days)
        return True

    async def _lead(self, now: datetime) -> bool:
        try:
            async with self._storage.transaction() as repo:
                return await repo.take_lease(
                    LEASE_NAME, self._settings.holder, now, now + LEASE_TIME
                )
        except ConcurrentUpdate:  # another process took the lease at the same moment
            return False

    async def _open_due(self, now: datetime) -> None:
        async with self._storage.transaction() as repo:
            due = await repo.due_schedules(now)
        for schedule in due:
            try:
                await self._open_scheduled(schedule.community_id, now)
            except Exception:  # one community's trouble must not stop everyone's rounds
                log.exception(
                    "opening community %s's scheduled round failed", schedule.community_id
                )

    async def _open_scheduled(self, community_id: int, now: datetime) -> None:
        async with self._storage.transaction() as repo:
            community = await repo.community_by_id(community_id)
        if community is None:
            return
        try:
            members = {chat: await self._directory.members(chat) for chat in community.chats}
        except Exception:
            log.warning("community %s: its members could not be listed", community_id)
            work = partial(self._skip_unreadable, community_id=community.id, now=now)
        else:
            work = partial(self._open_one, community_id=community.id, members=members, now=now)
        await in_transaction(self._storage, self._clock, work, None)

    async def _skip_unreadable(
        self, repo: Repository, *, community_id: int, now: datetime
    ) -> list[Outgoing]:
        """Tell the community once and move on to the next opening, instead of retrying (and
        failing) at every wake."""
        schedule = await repo.schedule(community_id)
        community = await repo.community_by_id(community_id)
        if schedule is None or community is None or schedule.next_open_at > now:
            return []
        plan, anchor = to_cadence(schedule), date.fromisoformat(schedule.anchor)
        following = cadence.next_occurrence(plan, anchor, now, schedule.occurrence + 1)
        next_open = cadence.opening(plan, anchor, following)
        await repo.save_schedule(replace(schedule, occurrence=following, next_open_at=next_open))
        note = (
            "The scheduled round was not opened: I could not see who is in this channel. Is the "
            "bot still a member? Invite it (/invite @maturity-bot), then /round open, or wait "
            f"for the next opening on {cards.format_moment(next_open, plan.timezone)}."
        )
        await rounds.queue_posts(
            repo,
            community,
            f"note:unreadable:{community_id}:{schedule.next_open_at}",
            OutboxKind.NOTE,
            note,
            now,
        )
        return []

    async def _open_one(
        self, repo: Repository, *, community_id: int, members: rounds.Members, now: datetime
    ) -> list[Outgoing]:
        schedule = await repo.schedule(community_id)
        community = await repo.community_by_id(community_id)
        if schedule is None or community is None or schedule.next_open_at > now:
            return []  # changed or done meanwhile
        plan = to_cadence(schedule)
        anchor = datetime.fromisoformat(schedule.anchor).date()
        following = cadence.next_occurrence(plan, anchor, now, schedule.occurrence + 1)
        await repo.save_schedule(
            replace(
                schedule,
                occurrence=following,
                next_open_at=cadence.opening(plan, anchor, following),
            )
        )
        key = f"{community_id}:{schedule.next_open_at.isoformat()}"
        current = await rounds.finish_overdue(repo, community, now)
        if current is not None:
            note = (
                f"The scheduled round was not opened because round {current.number} "
                f"“{current.title}” is still open. The next opening is "
                f"{cards.format_moment(cadence.opening(plan, anchor, following), plan.timezone)}."
            )
            await rounds.queue_posts(
                repo, community, f"note:skipped:{key}", OutboxKind.NOTE, note, now
            )
            return []
        start_day = cadence.local_date(max(now, schedule.next_open_at), plan.timezone)
        closes_at = cadence.local_moment(
            start_day + timedelta(days=plan.duration_days), plan.at, plan.timezone
        )
        title = f"{now.astimezone(ZoneInfo(plan.timezone)):%B %Y} self-assessment"
        opened = await rounds.open_round(
            repo, community, title, closes_at, self._rubric, members, now, plan.timezone
        )
        await queue_round_messages(repo, community, opened.round, now)
        return []

    async def _close_due(self, now: datetime) -> None:
        async with self._storage.transaction() as repo:
            overdue = await repo.overdue_rounds(now)
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
            await rounds.queue_posts(
                repo, community, f"note:extended:{round_id}", OutboxKind.NOTE, note, now
            )
            return []
        closed, heading = await rounds.close_round(repo, round_, now)
        await rounds.queue_summary(repo, community, closed, heading, now)
        return []

    async def _queue_snoozes(self, now: datetime) -> None:
        async def work(repo: Repository) -> list[Outgoing]:
            for p in await repo.due_snoozes(now):
                round_ = await repo.round_by_id(p.round_id)
                if round_ is not None and p.remind_after is not None:
                    await repo.add_outbox(
                        OutboxItem(
                            f"remind:{p.round_id}:{p.person_id}:snooze:{p.remind_after.isoformat()}",
                            OutboxKind.REMIND,
                            round_.community_id,
                            now,
                            round_id=p.round_id,
                            person_id=p.person_id,
                        )
                    )
                await repo.save_participation(replace(p, remind_after=None))
            return []

        await in_transaction(self._storage, self._clock, work, None)

    async def _send_outbox(self, now: datetime) -> None:
        for _ in range(MAX_BATCHES):
            async with self._storage.transaction() as repo:
                items = await repo.due_outbox(now, BATCH)
            if not items or not await self._lead(self._clock.now()):
                return  # done, or the lease went to another process during a long fan-out
            for item in items:
                if self._stopping:
                    return  # unclaimed items wait for the next start
                await self._send_one(item, now)

    async def _send_one(self, item: OutboxItem, now: datetime) -> None:
        async with self._storage.transaction() as repo:
            if not await repo.claim_outbox(item.id, now):
                return  # another process took it
        async with self._storage.transaction() as repo:
            messages, later = await outbox_messages(
                repo, item, now, self._settings.default_timezone
            )
            if later is not None:  # quiet hours where they live: send in the morning
                await repo.retry_outbox(item.id, later, failed=False)
                return
        failed = await self._messenger.deliver(messages) if messages else 0
        async with self._storage.transaction() as repo:
            if failed and item.attempts + 1 < MAX_ATTEMPTS:
                await repo.retry_outbox(item.id, now + RETRY_DELAY)
            elif failed:  # the platform keeps refusing: give up rather than repost for ever
                log.warning(
                    "outbox item %s (%s) given up after %s attempts",
                    item.id,
                    item.kind,
                    MAX_ATTEMPTS,
                )
                await repo.finish_outbox(item.id, now, GAVE_UP)
            else:  # "skipped": nothing was owed any more (finished, closed, coalesced)
                await repo.finish_outbox(item.id, now, None if messages else SKIPPED)


def to_cadence(schedule: Schedule) -> cadence.Cadence:
    hour, minute = (int(part) for part in schedule.at.split(":"))
    return cadence.Cadence(
        schedule.every,
        schedule.unit,
        schedule.weekday,
        time(hour, minute),
        schedule.timezone,
        schedule.duration_days,
    )
