"""What an action's owner hears: a direct message when it is assigned to them, and a reminder
three days before it is due, at a working hour where they live (never in quiet hours). An
owner who is only a name is on no platform: nobody is told."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.actions.ledger import format_date
from bot.messages import Address, Outgoing, Purpose
from bot.model import ActionStatus, AgreedAction, Community, Person, Rubric
from bot.outbox.item import OutboxItem, OutboxKind
from bot.outbox.keys import OutboxKey
from bot.ports import Repository
from bot.schedule import cadence
from bot.schedule.reminders import community_timezone, person_timezone

DAYS_BEFORE_DUE = 3


def _about(action: AgreedAction, rubric: Rubric | None) -> str:
    category = rubric.category(action.category_id) if rubric else None
    title = category.title if category else action.category_id
    return f"“{action.what}” ({title})"


def assigned(
    owner: Person, action: AgreedAction, community: Community, rubric: Rubric, by: Person
) -> Outgoing:
    """The DM to a person who was just made an action's owner."""
    due = f", due {format_date(action.due)}" if action.due else ""
    text = (
        f"Hello! {community.name} agreed an action and {by.name} noted you as its owner: "
        f"{_about(action, rubric)}{due}.\n"
        + (f"I will remind you {DAYS_BEFORE_DUE} days before it is due. " if action.due else "")
        + f"When it is done, a lead can mark it with /round action done {action.number}."
    )
    return _to_owner(owner, text, action)


def _to_owner(owner: Person, text: str, action: AgreedAction) -> Outgoing:
    """A message an owner must get: on a platform without a conversation (email) too."""
    to = Address(owner.platform, owner.platform_user_id, direct=True)
    return Outgoing(to, text, purpose=Purpose.ACTION, community_id=action.community_id)


def reminder_due_at(
    action: AgreedAction, owner: Person, community_timezone: str, now: datetime
) -> datetime | None:
    """When to remind the owner: a working hour in their timezone three days before the due
    date; None when there is no due date, or that moment has passed already."""
    if action.due is None:
        return None
    zone = person_timezone(owner, community_timezone)
    day = action.due - timedelta(days=DAYS_BEFORE_DUE)
    moment = cadence.local_moment(day, cadence.WORKING_HOUR, zone)
    return moment if moment > now else None


async def queue_reminder(
    repo: Repository, action: AgreedAction, owner: Person, community_timezone: str, now: datetime
) -> None:
    """The owner's reminder, owed once at its moment; worked out when sent."""
    due_at = reminder_due_at(action, owner, community_timezone, now)
    if due_at is None:
        return
    assert action.due is not None  # reminder_due_at says None without one
    key = OutboxKey.action_due(action.id, owner.id, action.due)
    item = OutboxItem(
        str(key),
        OutboxKind.ACTION_DUE,
        action.community_id,
        due_at,
        person_id=owner.id,
        note=action.due.isoformat(),  # a reminder for a due date since changed is not sent
        action_id=action.id,
    )
    await repo.queue([item])


async def reminder(
    repo: Repository, item: OutboxItem, now: datetime, default_timezone: str
) -> tuple[Outgoing | None, datetime | None]:
    """The reminder as it is owed now: nothing once the action is done, dropped or someone
    else's; later when it is quiet hours where the owner lives."""
    action = await repo.action_by_id(item.action_id) if item.action_id else None
    owner = await repo.person_by_id(item.person_id) if item.person_id else None
    if action is None or owner is None or action.status is not ActionStatus.OPEN:
        return None, None
    if action.owner_person_id != owner.id or action.due is None:
        return None, None
    if item.note and item.note != action.due.isoformat():
        return None, None  # its due date changed: the reminder for the new one speaks
    here = await community_timezone(repo, action.community_id, default_timezone)
    zone = person_timezone(owner, here)
    if cadence.is_quiet(now, zone):
        return None, cadence.next_working_time(now, zone)
    community = await repo.community_by_id(action.community_id)
    name = community.name if community else "your partnership"
    latest = await repo.latest_round(action.community_id)
    rubric = latest.rubric if latest else None  # the categories as last asked about
    text = (
        f"A reminder: the action you own for {name}, {_about(action, rubric)}, is due on "
        f"{format_date(action.due)}. When it is done, a lead can mark it with "
        f"/round action done {action.number}."
    )
    return _to_owner(owner, text, action), None
