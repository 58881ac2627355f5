"""What an outbox item turns into when it is sent: worked out then, so a reminder says how
far the person has got by now, and a message nobody needs any more is skipped."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.conversation import cards
from bot.messages import Address, Outgoing
from bot.model import OutboxItem, OutboxKind, Stage
from bot.ports import Repository
from bot.rounds.lifecycle import dm_to
from bot.schedule import cadence
from bot.schedule.reminders import person_timezone
from bot.summary import publish

RECENT = timedelta(hours=12)
SKIPPED = "skipped"  # an item's note once it was finished without sending anything


async def outbox_messages(
    repo: Repository, item: OutboxItem, now: datetime, default_timezone: str
) -> tuple[list[Outgoing], datetime | None]:
    """(messages to send, or a later time to try) for one outbox item."""
    round_ = await repo.round_by_id(item.round_id) if item.round_id else None
    if item.kind is OutboxKind.NOTE and item.chat is not None:
        return [Outgoing(Address.channel(item.chat), item.note or "")], None
    if item.kind is OutboxKind.ANNOUNCEMENT and item.chat is not None:
        community = await repo.community_by_id(item.community_id)
        join = community.join_code if community else None  # it offers the Take part link
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
        delivered = other.sent_at is not None and other.note != SKIPPED
        if delivered and other.sent_at is not None and now - other.sent_at < RECENT:
            return True
        waiting = other.sent_at is None and other.claimed_at is None
        if waiting and item.due_at < other.due_at <= now:
            return True
    return False
