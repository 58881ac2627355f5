"""Who a platform says is in a chat, and the people whose records it could not take as given.

A platform's member list holds whatever people's profiles hold: a time zone this machine does
not know, no name at all, a profile the platform would not hand over. One odd record affects
that person only. Everyone else is invited, and the lead is told about the odd ones in plain
words (after /round open or /round remind, or in a note when a scheduled round opens).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from bot.model import PersonRef
from bot.platform_text import one_line
from bot.platforms import Platforms
from bot.timezones import LONGEST_NAME as TIMEZONE_CHARS


class Oddity(enum.StrEnum):
    """What was odd about one person's record."""

    UNKNOWN_TIMEZONE = "unknown_timezone"  # invited; reminders follow the community's time
    NO_NAME = "no_name"  # invited; called by their platform id
    UNREADABLE = "unreadable"  # the platform would not give their profile: not invited


@dataclass(frozen=True)
class OddRecord:
    """One person whose record was odd; detail is what was odd (the unknown zone's name)."""

    platform: str
    user_id: str
    oddity: Oddity
    name: str = ""
    detail: str = ""

    @property
    def invited(self) -> bool:
        return self.oddity is not Oddity.UNREADABLE


@dataclass(frozen=True)
class Roster:
    """The people in a chat as the platform lists them (their records cleaned), and the odd
    records among them."""

    people: tuple[PersonRef, ...]
    odd: tuple[OddRecord, ...] = ()


def odd_note(records: Iterable[OddRecord], platforms: Platforms) -> str | None:
    """The odd records in plain words for a lead, one line each; None when there are none."""
    lines = []
    for record in records:
        where = platforms[record.platform].title
        who = record.name or record.user_id
        if record.oddity is Oddity.UNKNOWN_TIMEZONE:
            zone = one_line(record.detail, TIMEZONE_CHARS)
            lines.append(
                f"• {who}: the time zone in their profile on {where} (“{zone}”) is not one I "
                "know, so their reminders come at the community's time."
            )
        elif record.oddity is Oddity.NO_NAME:
            lines.append(
                f"• {record.user_id}: their profile on {where} has no name; they are invited "
                "all the same."
            )
        else:
            lines.append(
                f"• {who}: I could not read their profile on {where}, so they were not "
                "invited. /round remind tries again."
            )
    if not lines:
        return None
    return "\n".join(["Some records in the member list were odd:", *lines])
