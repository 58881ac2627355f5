"""Time zone names from outside (settings, commands, platform profiles), looked up one way.

ZoneInfo raises ZoneInfoNotFoundError for an unknown name, ValueError for a malformed one and
OSError for one too long to be a file name; every caller wants the same answer: no such zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LONGEST_NAME = 64  # IANA names are far shorter ("America/Argentina/ComodRivadavia" is 32)


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone so named, or None when there is none."""
    if not name or len(name) > LONGEST_NAME:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
