"""Cadence arithmetic: when scheduled rounds open, when reminders go out, what counts as quiet.

Pure functions on dates and zoneinfo timezones. Local wall-clock times stay fixed across daylight
saving changes (09:00 in London is 09:00 in winter and in summer); openings are counted from the
first one (the anchor), so month ends do not drift (31 Jan, 28 Feb, 31 Mar, ...).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.parser import UsageError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REMINDER_DAYS_AFTER_OPENING = (3, 5)
REMINDER_DAYS_BEFORE_CLOSE = 1
WORKING_HOUR = time(9, 0)
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
EXAMPLE = "/round schedule every 3 months on monday at 09:00 Europe/London for 14 days"


@dataclass(frozen=True)
class Cadence:
    every: int
    unit: str  # "month" or "week"
    weekday: int | None
    at: time
    timezone: str
    duration_days: int


def _bad(problem: str) -> UsageError:
    return UsageError(f"{problem}\nFor example: {EXAMPLE}", "schedule")


def parse_cadence(args: str, default_timezone: str) -> Cadence:
    """`every 3 months | every 6 weeks | monthly | quarterly [on monday] [at 09:00] [Zone]
    [for 14 days]`."""
    text = " ".join(args.lower().split())
    rest = text
    every, unit = 0, ""
    if match := re.match(r"every (\d{1,3}) (month|months|week|weeks)\b", rest):
        every, unit = int(match.group(1)), match.group(2).rstrip("s")
    elif match := re.match(r"(monthly|quarterly|weekly)\b", rest):
        every, unit = {"monthly": (1, "month"), "quarterly": (3, "month"), "weekly": (1, "week")}[
            match.group(1)
        ]
    else:
        raise _bad("Say how often: every 3 months, every 6 weeks, monthly or quarterly.")
    rest = rest[match.end() :].strip()
    limit = 24 if unit == "month" else 104
    if not 1 <= every <= limit:
        raise _bad(f"Every 1 to {limit} {unit}s, please.")
    weekday = None
    if match := re.search(r"\bon (\w+)", rest):
        if match.group(1) not in WEEKDAYS:
            raise _bad(f"“{match.group(1)}” is not a day of the week.")
        weekday = WEEKDAYS.index(match.group(1))
        rest = (rest[: match.start()] + rest[match.end() :]).strip()
    at = WORKING_HOUR
    if match := re.search(r"\bat (\d{1,2}):(\d{2})\b", rest):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise _bad(f"“{match.group(1)}:{match.group(2)}” is not a time of day.")
        at = time(hour, minute)
        rest = (rest[: match.start()] + rest[match.end() :]).strip()
    period_days = every * (28 if unit == "month" else 7)
    duration = min(14, period_days - 1)  # weekly rounds default to six days
    if match := re.search(r"\bfor (\d{1,3}) (day|days|week|weeks)\b", rest):
        duration = int(match.group(1)) * (7 if match.group(2).startswith("week") else 1)
        rest = (rest[: match.start()] + rest[match.end() :]).strip()
    timezone = default_timezone
    for word in args.split():  # timezones keep their case: Europe/London
        if "/" in word or word.upper() == "UTC":
            timezone = "UTC" if word.upper() == "UTC" else word
            rest = rest.replace(word.lower(), "").strip()
    if rest:
        raise _bad(f"I did not understand “{rest}”.")
    check_timezone(timezone)
    if not 1 <= duration < period_days:
        raise _bad(f"A round must close before the next opens: 1 to {period_days - 1} days.")
    return Cadence(every, unit, weekday, at, timezone, duration)


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(f"“{name}” is not a timezone I know (like Europe/London).") from None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_moment(day: date, at: time, timezone: str) -> datetime:
    """Wall-clock `at` on `day` in the timezone, as UTC (fold 0 in the autumn's repeated hour)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def first_day(cadence: Cadence, now: datetime) -> date:
    """The anchor: the first day on or after today (local) whose opening is still ahead."""
    day = local_date(now, cadence.timezone)
    while True:
        matches = cadence.weekday is None or day.weekday() == cadence.weekday
        if matches and local_moment(day, cadence.at, cadence.timezone) > now:
            return day
        day += timedelta(days=1)


def opening_day(cadence: Cadence, anchor: date, occurrence: int) -> date:
    if cadence.unit == "week":
        return anchor + timedelta(weeks=cadence.every * occurrence)
    day = add_months(anchor, cadence.every * occurrence)
    if cadence.weekday is not None:
        day += timedelta(days=(cadence.weekday - day.weekday()) % 7)
    return day


def opening(cadence: Cadence, anchor: date, occurrence: int) -> datetime:
    return local_moment(opening_day(cadence, anchor, occurrence), cadence.at, cadence.timezone)


def next_occurrence(cadence: Cadence, anchor: date, after: datetime, start: int = 0) -> int:
    """The first occurrence from `start` on that opens after `after`."""
    occurrence = start
    while opening(cadence, anchor, occurrence) <= after:
        occurrence += 1
    return occurrence


def reminder_days(opened_at: datetime, closes_at: datetime, timezone: str) -> list[date]:
    """Local days of the reminders: 3 and 5 days after opening and 1 day before closing."""
    opened, closing = local_date(opened_at, timezone), local_date(closes_at, timezone)
    days = [opened + timedelta(days=n) for n in REMINDER_DAYS_AFTER_OPENING]
    days.append(closing - timedelta(days=REMINDER_DAYS_BEFORE_CLOSE))
    return sorted({d for d in days if opened < d < closing})


def reminder_times(opened_at: datetime, closes_at: datetime, timezone: str) -> list[datetime]:
    """When a person in `timezone` is reminded: a working hour on each reminder day."""
    moments = [
        local_moment(d, WORKING_HOUR, timezone)
        for d in reminder_days(opened_at, closes_at, timezone)
    ]
    return [m for m in moments if opened_at < m < closes_at]


def is_quiet(moment: datetime, timezone: str) -> bool:
    local = moment.astimezone(ZoneInfo(timezone)).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def next_working_time(moment: datetime, timezone: str) -> datetime:
    """`moment` itself unless it falls in quiet hours; then the next local working hour."""
    if not is_quiet(moment, timezone):
        return moment
    day = local_date(moment, timezone)
    if moment.astimezone(ZoneInfo(timezone)).time() >= QUIET_FROM:
        day += timedelta(days=1)
    return local_moment(day, WORKING_HOUR, timezone)
