"""The actions a partnership agreed, read against its rounds: those agreed between one round's
opening and the next's are what the next round can show an effect of ("since round 1: 3
agreed, 2 done"), beside each category's change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot import dates
from bot.conversation.cards import format_day
from bot.model import ActionStatus, AgreedAction, Round, Rubric
from bot.ports import Repository


async def _previous_opening(repo: Repository, round_: Round) -> datetime | None:
    """When the round before this one opened (None for a community's first round)."""
    if round_.number <= 1:
        return None
    previous = await repo.round_by_number(round_.community_id, round_.number - 1)
    return previous.opened_at if previous is not None else None


async def actions_leading_to(repo: Repository, round_: Round) -> list[AgreedAction]:
    """Actions agreed after the round before this one opened and before this one opened (all
    before it, for a community's first round)."""
    start = await _previous_opening(repo, round_)
    return [
        action
        for action in await repo.actions(round_.community_id)
        if (start is None or action.created_at >= start) and action.created_at < round_.opened_at
    ]


async def actions_around(repo: Repository, round_: Round) -> list[AgreedAction]:
    """What a workshop about this round needs: the actions agreed since the round before it
    opened (whatever became of them) and any older ones still open, up to the next round's
    opening."""
    following = await repo.round_by_number(round_.community_id, round_.number + 1)
    start = await _previous_opening(repo, round_)
    return [
        action
        for action in await repo.actions(round_.community_id)
        if (following is None or action.created_at < following.opened_at)
        and (start is None or action.created_at >= start or action.status is ActionStatus.OPEN)
    ]


RECENTLY_DONE = timedelta(days=90)


def current(actions: Sequence[AgreedAction], now: datetime) -> list[AgreedAction]:
    """The open actions and those done in the last RECENTLY_DONE (dropped ones are not)."""
    return [
        action
        for action in actions
        if action.status is ActionStatus.OPEN
        or (
            action.status is ActionStatus.DONE
            and action.status_at is not None
            and now - action.status_at <= RECENTLY_DONE
        )
    ]


def by_category(actions: Sequence[AgreedAction]) -> dict[str, list[AgreedAction]]:
    grouped: dict[str, list[AgreedAction]] = {}
    for action in actions:
        grouped.setdefault(action.category_id, []).append(action)
    return grouped


def counts(actions: Sequence[AgreedAction]) -> str:
    """'3 agreed, 2 done' (and how many were dropped, when any were)."""
    done = sum(1 for a in actions if a.status is ActionStatus.DONE)
    dropped = sum(1 for a in actions if a.status is ActionStatus.DROPPED)
    text = f"{len(actions)} agreed, {done} done"
    return f"{text}, {dropped} dropped" if dropped else text


def recall(actions: Sequence[AgreedAction], round_: Round) -> str:
    """The opening announcement's reminder of what was agreed since the last round."""
    if not actions:
        return ""
    since = f"Since round {round_.number - 1}" if round_.number > 1 else "Before this round"
    return f"{since}, the partnership's actions: {counts(actions)}."


def status_word(action: AgreedAction, timezone: str = "UTC") -> str:
    if action.status is ActionStatus.OPEN:
        return "open"
    when = f" {format_day(action.status_at, timezone)}" if action.status_at else ""
    return f"{action.status}{when}"


def brief(action: AgreedAction) -> str:
    """'action 3 “Set up a joint budget meeting” (done)': for a line beside a category."""
    return f"action {action.number} “{action.what}” ({action.status})"


def describe(action: AgreedAction, rubric: Rubric, timezone: str, today: date) -> str:
    """One line of /round actions: number, category, what, owner, due and state."""
    category = rubric.category(action.category_id)
    title = category.title if category else action.category_id
    parts = [f"{action.number}. {title}: {action.what}"]
    if action.has_owner:
        parts.append(f"owner {action.owner_name}")
    if action.due is not None:
        late = " (overdue)" if action.status is ActionStatus.OPEN and action.due < today else ""
        parts.append(f"due {format_date(action.due)}{late}")
    if action.status is not ActionStatus.OPEN:
        parts.append(status_word(action, timezone))
    return " · ".join(parts)


def format_date(day: date) -> str:
    """'Monday 1 February 2027'."""
    return dates.day_words(day)
