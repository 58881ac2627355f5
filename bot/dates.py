"""Dates and times as people in the UK write and read them: "Monday 21 December at 5pm", "due
15/02/2027". Every date or time a person sees is written here, and every date a person types is
read here, so the words are the same on every platform.

Times are shown in the community's zone and without it ("at 5pm": where the partnership is).
Typed dates are read day first (15/02/2027, 15 February 2027) or as ISO (2027-02-15); a date
that could be read two ways (03/04/2027) or has a two-digit year is refused with a message that
says how to write it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_NUMERIC = re.compile(r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$")
_WORDS = re.compile(r"^(?:[a-z]+,? )?(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? (\d{4})$")
EXAMPLE = "15/02/2027 or 15 February 2027"


class DateProblem(ValueError):
    """A typed date that cannot be read for sure; its message says how to write it."""


def clock_words(at: time) -> str:
    """'5pm', '9:30am', 'midday', '11:59pm'."""
    if at.hour == 12 and at.minute == 0:
        return "midday"
    hour = at.hour % 12 or 12
    half = "am" if at.hour < 12 else "pm"
    return f"{hour}{half}" if at.minute == 0 else f"{hour}:{at.minute:02d}{half}"


def day_words(day: date) -> str:
    """'Monday 1 February 2027'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_day_words(moment: datetime, timezone: str) -> str:
    """'Monday 16 November', the day it is in that zone (a subject line: short)."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B}"


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def moment_words(moment: datetime, timezone: str) -> str:
    """'Monday 21 December 2026 at 5pm', in that zone (where the community is)."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{day_words(local.date())} at {clock_words(local.time())}"


def end_of_day(day: date, timezone: str) -> datetime:
    """The last minute of that day in the zone: when a round closing that day closes."""
    return datetime.combine(day, time(23, 59), ZoneInfo(timezone))


UK_ZONES = frozenset(
    {"Europe/London", "Europe/Belfast", "Europe/Jersey", "Europe/Guernsey", "Europe/Isle_of_Man"}
)


def day_first(timezone: str) -> bool:
    """Whether people where the community is write 03/04/2027 for 3 April (the UK)."""
    return timezone in UK_ZONES or timezone == "GB"


def read_date(typed: str, uk: bool = True) -> date:
    """A date typed by a person: day first (15/02/2027, 15-2-2027, 15 Feb 2027, Monday 15
    February 2027) or ISO (2027-02-15). DateProblem, with how to write it, for anything else:
    a two-digit year, a date that looks month first (02/15/2027), and, outside the UK (uk
    False), one that reads two ways (03/04/2027)."""
    text = " ".join(typed.lower().split())
    if numeric := _NUMERIC.match(text):
        first, second, third = numeric.groups()
        if len(first) == 4:  # ISO: year first
            return _real(int(first), int(second), int(third), typed)
        if len(third) != 4:
            raise DateProblem(f"“{typed}”: please write the year in full, like {EXAMPLE}.")
        day, month = int(first), int(second)
        if month > 12 and day <= 12:
            raise DateProblem(
                f"“{typed}” looks month first. Please write the day first, like {EXAMPLE}."
            )
        if not uk and day <= 12 and month <= 12 and day != month:
            other = day_words(_real(int(third), day, month, typed))
            this = day_words(_real(int(third), month, day, typed))
            raise DateProblem(
                f"“{typed}” could be {this} or {other}. Please write the month as a word, "
                f"like {EXAMPLE.split(' or ')[1]}, or as 2027-02-15."
            )
        return _real(int(third), month, day, typed)
    if words := _WORDS.match(text):
        day_text, month_text, year_text = words.groups()
        named = [n for n, name in enumerate(MONTHS, 1) if name.startswith(month_text)]
        named_month = named[0] if len(month_text) >= 3 and named else None
        if named_month is None:
            raise DateProblem(f"“{typed}”: “{month_text}” is not a month. Write it like {EXAMPLE}.")
        return _real(int(year_text), named_month, int(day_text), typed)
    raise DateProblem(f"“{typed}” is not a date I can read. Write it like {EXAMPLE}.")


def _real(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(f"“{typed}” is not a real date. Write it like {EXAMPLE}.") from None


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekdays_words(days: tuple[int, ...]) -> str:
    """'Monday to Friday', 'Monday, Wednesday and Friday' (0 is Monday)."""
    names = [WEEKDAY_NAMES[d].title() for d in sorted(days)]
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{names[0]} to {names[-1]}"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def read_weekdays(typed: str) -> tuple[int, ...]:
    """Working days as typed: 'mon-fri', 'mon,tue,thu', 'monday-saturday'. DateProblem, with
    how to write them, for anything else."""
    text = typed.lower().replace(" ", "")

    def day(word: str) -> int:
        found = [
            n for n, name in enumerate(WEEKDAY_NAMES) if len(word) >= 3 and name.startswith(word)
        ]
        if len(found) != 1:
            raise DateProblem(f"“{typed}”: write the working days like mon-fri or mon,tue,wed,thu.")
        return found[0]

    days: set[int] = set()
    for part in filter(None, text.split(",")):
        first, dash, last = part.partition("-")
        if dash:
            start, end = day(first), day(last)
            if end < start:
                raise DateProblem(f"“{typed}”: write a range from the earlier day, like mon-fri.")
            days.update(range(start, end + 1))
        else:
            days.add(day(part))
    if not days:
        raise DateProblem("Say at least one working day, like mon-fri.")
    return tuple(sorted(days))
