"""Choice ids: short, opaque strings that say which round and card a button belongs to.

They come back from clients that may forge them, so parsing is strict and everything is checked
again against the database before it changes anything.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.digits import whole_number


class Action(enum.StrEnum):
    START = "start"
    LATER = "later"
    RESUME = "resume"
    LEVEL = "lvl"
    NOT_SURE = "ns"
    BACK = "back"
    SUBMIT = "submit"
    CHANGE = "change"
    REDO = "redo"
    SNOOZE = "snooze"  # remind me tomorrow
    MUTE = "mute"  # no more reminders in this round
    PICK = "pick"  # pick (or take back) a category as a priority
    DONE = "done"  # done picking priorities
    SKIP = "skip"  # no priorities from me
    PRIORITIES = "prio"  # change my priorities, after submitting
    GROUP = "grp"  # whom I speak for: the round's group number `option` (1 = its first)
    REGROUP = "regrp"  # change my group, before my first answer of the round
    COMMENT = "note"  # comment on this card (with text: save it; without: ask for it)
    UNCOMMENT = "unnote"  # remove my comment on this card


MAX_ID_DIGITS = 9  # database ids are 32-bit integers; a longer number is a forgery
_WITH_CATEGORY = {
    Action.LEVEL,
    Action.NOT_SURE,
    Action.BACK,
    Action.REDO,
    Action.PICK,
    Action.COMMENT,
    Action.UNCOMMENT,
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass(frozen=True)
class ChoiceId:
    round_id: int
    action: Action
    category_id: str | None = None
    level: int | None = None
    option: int | None = None  # GROUP's: which of the round's groups, from 1

    def encode(self) -> str:
        parts = [str(self.round_id), self.action.value]
        if self.category_id is not None:
            parts.append(self.category_id)
        if self.level is not None:
            parts.append(str(self.level))
        if self.option is not None:
            parts.append(str(self.option))
        return ":".join(parts)


def parse_choice(raw: str) -> ChoiceId | None:
    """Decode a choice id; None when it is malformed in any way."""
    if len(raw) > 64:
        return None
    parts = raw.split(":")
    round_id = whole_number(parts[0], MAX_ID_DIGITS)
    if len(parts) < 2 or round_id is None:
        return None
    try:
        action = Action(parts[1])
    except ValueError:
        return None
    rest = parts[2:]
    if action is Action.GROUP:
        option = whole_number(rest[0], 2) if len(rest) == 1 else None
        return ChoiceId(round_id, action, option=option) if option else None
    if action not in _WITH_CATEGORY:
        return ChoiceId(round_id, action) if not rest else None
    if not rest or not _SLUG.match(rest[0]):
        return None
    category_id = rest[0]
    if action is Action.LEVEL:
        if len(rest) != 2 or rest[1] not in {"1", "2", "3", "4", "5"}:
            return None
        return ChoiceId(round_id, action, category_id, int(rest[1]))
    return ChoiceId(round_id, action, category_id) if len(rest) == 1 else None
