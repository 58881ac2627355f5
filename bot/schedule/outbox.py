"""The messages behind the scheduler's outbox: what is queued when a round opens, and what an
outbox item turns into when it is sent (worked out then, so a reminder says how far the person
has got by now)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.conversation import cards
from bot.messages import Address, Outgoing
from bot.model import Community, OutboxItem, OutboxKind, Person, Round, Stage
from bot.ports import Repository
from bot.rounds.lifecycle import dm_to, queue_posts
from bot.schedule import cadence
from bot.summary import publish

RECENT = timedelta(hours=12)


def person_timezone(person: Person, community_timezone: str) -> str:
    """Their own timezone when a platform told us one; otherwise the community's."""
    return person.timezone if person.timezone not in ("", "UTC") else community_timezone


async def queue_round_messages(
    repo: Repository, community: Community, round_: Round, now: datetime
) -> None:
    """A scheduled round's announcement, invitations and reminders, each queued once."""
    text = (
        f"Round {round_.number} “{round_.title}” is open until "
        f"{cards.format_moment(round_.closes_at, round_.timezone)}. "
        "Everyone taking part gets the questions in a direct message (about 10 minutes)."
    )
    await queue_posts(repo, community, f"opened:{round_.id}", OutboxKind.NOTE, text, now, round_.id)
    for participation in await repo.participations(round_.id):
        await repo.add_outbox(
            OutboxItem(
                f"invite:{round_.id}:{participation.person_id}",
                OutboxKind.INVITE,
                community.id,
                now,
                round_id=round_.id,
                person_id=participation.person_id,
            )
        )
    await queue_reminders(repo, community, round_)


async def queue_reminders(repo: Repository, community: Community, round_: Round) -> None:
    """Reminders 3 and 5 days after opening and 1 day before closing, at a working hour in
    each person's own timezone, for everyone taking part (sent only if still unfinished)."""
    for participation in await repo.participations(round_.id):
        person = await repo.person_by_id(participation.person_id)
        if person is None:
            continue
        zone = person_timezone(person, round_.timezone)
        times = cadence.reminder_times(round_.opened_at, round_.closes_at, zone)
        for index, when in enumerate(times):
            await repo.add_outbox(
                OutboxItem(
                    f"remind:{round_.id}:{person.id}:{index}",
                    OutboxKind.REMIND,
                    community.id,
                    when,
                    round_id=round_.id,
                    person_id=person.id,
                )
            )


async def outbox_messages(
    repo: Repository, item: OutboxItem, now: datetime, default_timezone: str
) -> tuple[list[Outgoing], datetime | None]:
    """(messages to send, or a later time to try) for one outbox item."""
    round_ = await repo.round_by_id(item.round_id) if item.round_id else None
    if item.kind is OutboxKind.NOTE and item.chat is not None:
        community = await repo.community_by_id(item.community_id)
        join = community.join_code if community and item.key.startswith("opened:") else None
        return [Outgoing(Address.channel(item.chat), item.note or "", join_code=join)], None
    if item.kind is OutboxKind.SUMMARY and item.chat is not None and round_ is not None:
        published = await publish.publish(repo, round_, item.note or "")
        return publish.messages(published, Address.channel(item.chat)), None
    if round_ is None or item.person_id is None or not round_.is_open(now):
        return [], None  # nothing to say any more
    participation = await repo.participation(round_.id, item.person_id)
    person = await repo.person_by_id(item.person_id)
    community = await repo.community_by_id(round_.community_id)
    if participation is None or person is None or community is None:
        return [], None
    dm = dm_to(person)
    if item.kind is OutboxKind.INVITE:
        if participation.stage is not Stage.INVITED:
            return [], None  # already under way
        return [cards.invitation(dm, round_, community.name)], None
    if participation.completed_at or participation.reminders_off or participation.unreachable:
        return [], None
    zone = person_timezone(person, round_.timezone or default_timezone)
    if cadence.is_quiet(now, zone):
        return [], cadence.next_working_time(now, zone)
    if await _reminded_just_now(repo, item, now):
        return [], None  # three missed reminders become one
    if participation.stage is Stage.INVITED:
        return [cards.invitation(dm, round_, community.name, reminder=True)], None
    answered = Counter(a.person_id for a in await repo.answers(round_.id, person.id))
    return [cards.reminder_note(dm, round_, answered[person.id])], None


async def _reminded_just_now(repo: Repository, item: OutboxItem, now: datetime) -> bool:
    """Whether another reminder to this person in this round speaks for this one: one sent in
    the last 12 hours, or a later one due now too (after downtime several fall due at once)."""
    assert item.round_id is not None
    for other in await repo.outbox(item.round_id):
        if other.id == item.id or other.kind is not OutboxKind.REMIND:
            continue
        if other.person_id != item.person_id:
            continue
        delivered = other.sent_at is not None and other.note != "skipped"
        if delivered and other.sent_at is not None and now - other.sent_at < RECENT:
            return True
        waiting = other.sent_at is None and other.claimed_at is None
        if waiting and item.due_at < other.due_at <= now:
            return True
    return False
