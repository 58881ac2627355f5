"""What a round owes its people over time: the announcement and invitations of a scheduled
round, reminders at a working hour in each person's own timezone, and "remind me tomorrow"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.model import Community, Person, Round
from bot.outbox.item import OutboxItem, OutboxKind
from bot.outbox.keys import OutboxKey
from bot.outbox.queue import queue_direct, queue_posts
from bot.ports import Repository
from bot.schedule import cadence


def person_timezone(person: Person, community_timezone: str) -> str:
    """Their own timezone when a platform told us one; otherwise the community's."""
    return person.timezone if person.timezone not in ("", "UTC") else community_timezone


async def community_timezone(repo: Repository, community_id: int, default: str) -> str:
    """Where the community is: its schedule's timezone, else the one set at setup (from its
    lead's profile), else the default (BOT_TIMEZONE)."""
    schedule = await repo.schedule(community_id)
    if schedule is not None:
        return schedule.cadence.timezone
    community = await repo.community_by_id(community_id)
    return community.timezone if community is not None and community.timezone else default


async def queue_round_messages(
    repo: Repository,
    community: Community,
    round_: Round,
    announcement: str,
    now: datetime,
    people: Sequence[Person],
) -> None:
    """A new round's announcement to every chat (offering the Take part link), an invitation
    to each of the people taking part and their reminders, each owed once."""
    await queue_posts(
        repo,
        community,
        lambda chat: OutboxKey.announcement(round_.id, chat),
        announcement,
        now,
        round_.id,
        join_code=community.join_code,
    )
    await queue_invitations(repo, community, round_, people, now)


async def queue_invitations(
    repo: Repository, community: Community, round_: Round, people: Sequence[Person], now: datetime
) -> None:
    """An invitation to each of these people (worked out when sent, skipped if they have
    started by then) and their reminders, in one statement; each owed once."""
    invitations = [_invitation(community, round_, person.id, now) for person in people]
    await repo.queue([*invitations, *_reminders(community, round_, people)])


def _invitation(community: Community, round_: Round, person_id: int, now: datetime) -> OutboxItem:
    key = str(OutboxKey.invitation(round_.id, person_id))
    return OutboxItem(key, OutboxKind.INVITE, community.id, now, round_.id, person_id=person_id)


def _reminders(community: Community, round_: Round, people: Sequence[Person]) -> list[OutboxItem]:
    """Reminders 3 and 5 days after opening and 1 day before closing, at a working hour in
    each person's own timezone (sent only if they are still unfinished by then)."""
    items = []
    for person in people:
        zone = person_timezone(person, round_.timezone)
        times = cadence.reminder_times(
            round_.opened_at, round_.closes_at, zone, community.working_days
        )
        items += [
            OutboxItem(
                str(OutboxKey.reminder(round_.id, person.id, number)),
                OutboxKind.REMIND,
                community.id,
                when,
                round_.id,
                person_id=person.id,
            )
            for number, when in enumerate(times)
        ]
    return items


async def queue_snoozed(repo: Repository, now: datetime) -> None:
    """ "Remind me tomorrow" that has come due: a reminder each, due now."""
    for p in await repo.due_snoozes(now):
        round_ = await repo.round_by_id(p.round_id)
        if round_ is not None and p.remind_after is not None:
            key = OutboxKey.snoozed(p.round_id, p.person_id, p.remind_after)
            await queue_direct(
                repo, key, OutboxKind.REMIND, round_.community_id, now, p.round_id, p.person_id
            )
        await repo.save_participation(replace(p, remind_after=None))
