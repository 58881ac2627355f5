"""What an outbox item turns into when it is sent: worked out then, so a reminder says how far
the person has got by now, a summary is drawn then, and a message nobody needs any more is
skipped."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.access.messages import ACCESS_KINDS, access_message
from bot.actions import notices
from bot.conversation import cards
from bot.messages import Address, Outgoing, Purpose
from bot.model import Round, Stage
from bot.outbox.item import OutboxItem, OutboxKind, Outcome
from bot.ports import Repository
from bot.rounds.lifecycle import dm_to
from bot.schedule import cadence
from bot.schedule.reminders import person_timezone
from bot.summary.publish import debrief_message, summary_message, trend_message

RECENT = timedelta(hours=12)


async def outbox_message(
    repo: Repository, item: OutboxItem, now: datetime, default_timezone: str
) -> tuple[Outgoing | None, datetime | None]:
    """(the message to send, or None when nothing is owed any more; or a later time to try)
    for one outbox item."""
    if item.message is not None:
        return item.message, None
    if item.kind is OutboxKind.ACTION_DUE:
        return await notices.reminder(repo, item, now, default_timezone)
    if item.kind in ACCESS_KINDS:
        return await access_message(repo, item, now), None
    round_ = await repo.round_by_id(item.round_id) if item.round_id else None
    if round_ is None:
        return None, None
    if item.kind is OutboxKind.SUMMARY and item.chat is not None:
        to = Address.channel(item.chat)
        return await summary_message(repo, round_, to, item.note or ""), None
    if item.kind is OutboxKind.TREND and item.chat is not None:
        return await trend_message(repo, round_, Address.channel(item.chat)), None
    if item.kind is OutboxKind.DEBRIEF and item.person_id is not None:
        lead = await repo.person_by_id(item.person_id)
        return (await debrief_message(repo, round_, dm_to(lead)) if lead else None), None
    if item.kind is OutboxKind.SUMMARY and item.person_id is not None:
        return await _personal_summary(repo, round_, item.person_id, item.note or ""), None
    if item.person_id is None or not round_.is_open(now):
        return None, None  # nothing to say any more
    participation = await repo.participation(round_.id, item.person_id)
    person = await repo.person_by_id(item.person_id)
    community = await repo.community_by_id(round_.community_id)
    if participation is None or person is None or community is None:
        return None, None
    dm = dm_to(person)
    if item.kind is OutboxKind.INVITE:
        if participation.stage is not Stage.INVITED:
            return None, None  # already under way
        return cards.invitation(dm, round_, community.name, purpose=Purpose.INVITATION), None
    if participation.completed_at or participation.reminders_off or participation.unreachable:
        return None, None
    zone = person_timezone(person, round_.timezone or default_timezone)
    if cadence.is_quiet(now, zone):
        return None, cadence.next_working_time(now, zone)
    if await _reminded_just_now(repo, item, now):
        return None, None  # three missed reminders become one
    if participation.stage is Stage.INVITED:
        reminder = cards.invitation(dm, round_, community.name, True, Purpose.REMINDER)
        return reminder, None
    answered = Counter(a.person_id for a in await repo.answers(round_.id, person.id))
    return cards.reminder_note(dm, round_, answered[person.id]), None


async def _personal_summary(
    repo: Repository, round_: Round, person_id: int, heading: str
) -> Outgoing | None:
    person = await repo.person_by_id(person_id)
    if person is None:  # forgotten since
        return None
    return await summary_message(repo, round_, dm_to(person), heading)


async def _reminded_just_now(repo: Repository, item: OutboxItem, now: datetime) -> bool:
    """Whether another reminder to this person in this round speaks for this one: one sent in
    the last 12 hours, or a later one due now too (after downtime several fall due at once)."""
    assert item.round_id is not None
    for other in await repo.outbox(item.round_id):
        if other.id == item.id or other.kind is not OutboxKind.REMIND:
            continue
        if other.person_id != item.person_id:
            continue
        if other.outcome is Outcome.SENT and other.sent_at and now - other.sent_at < RECENT:
            return True
        waiting = other.sent_at is None and other.claimed_at is None
        if waiting and item.due_at < other.due_at <= now:
            return True
    return False
