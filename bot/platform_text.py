"""Text that comes from a platform, cleaned and bounded before the core keeps or shows it.

A platform passes on whatever people put in their profile or type after a command: line
breaks, tabs, right-to-left overrides that turn the text around, zero-width characters that
make two names look alike, "blank" letters that make a name look empty, and thousands of
characters. Such text lands in invitations, status lines and columns of fixed width. Names,
titles and time zones are cleaned here once: PersonRef cleans itself when it is made, lead
commands clean the names and titles they are given, and storage clips to its columns as the
last guard.
"""

from __future__ import annotations

import unicodedata

from bot.timezones import zone_named

PERSON_NAME_CHARS = 120  # a display name (Telegram's first and last names fit: 64 + 1 + 64)
COMMUNITY_NAME_CHARS = 80
ROUND_TITLE_CHARS = 120
ELLIPSIS = "…"

# Letters that show as nothing at all: people use them for a name that looks empty.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Invisible format characters (bidi overrides and isolates, zero-width spaces and joiners,
# soft hyphens, byte order marks), control characters and lone surrogates (which no
# database can store as UTF-8) are dropped.
_DROPPED = frozenset({"Cc", "Cf", "Cs"})


def one_line(text: str, limit: int | None = None) -> str:
    """The text on one line, without invisible or control characters, runs of white space
    made one space; at most limit characters when a limit is given (an ellipsis marks a cut)."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace() or char in _BLANK_LETTERS:
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED:
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if limit is None else clip(line, limit)


def clip(text: str, limit: int) -> str:
    """At most limit characters, the cut marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def known_timezone(name: str) -> str:
    """The zone when this machine's tz database knows it; "" otherwise (a platform passes
    whatever a profile holds, and one unknown zone must not stop anyone else's round)."""
    return name if zone_named(name) is not None else ""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 reminder', '3 reminders', '0 people' (plural given when it is not noun + s)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
