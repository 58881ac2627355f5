"""Cadence arithmetic: when scheduled rounds open, when reminders go out, what counts as quiet.

Pure functions on dates and zoneinfo timezones. Local wall-clock times stay fixed across daylight
saving changes (09:00 in London is 09:00 in winter and in summer); openings are counted from the
first one (the anchor), so month ends do not drift (31 Jan, 28 Feb, 31 Mar, ...).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.model import WORKING_WEEK, Cadence, Schedule, Unit

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REMINDER_DAYS_AFTER_OPENING = (3, 5)
REMINDER_DAYS_BEFORE_CLOSE = 1
WORKING_HOUR = time(9, 0)
END_OF_DAY = time(23, 59)  # rounds close at the end of a day
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


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
    if cadence.unit is Unit.WEEK:
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


def reminder_days(
    opened_at: datetime,
    closes_at: datetime,
    timezone: str,
    working_days: Sequence[int] = WORKING_WEEK,
) -> list[date]:
    """Local days of the reminders: 3 and 5 days after opening and 1 day before closing, each
    on a working day (moved on to the next one, or back when that is too late)."""
    opened, closing = local_date(opened_at, timezone), local_date(closes_at, timezone)
    days = [opened + timedelta(days=n) for n in REMINDER_DAYS_AFTER_OPENING]
    days.append(closing - timedelta(days=REMINDER_DAYS_BEFORE_CLOSE))
    working = [_working_day(d, opened, closing, working_days) for d in days]
    return sorted({d for d in working if d is not None and opened < d < closing})


def _working_day(day: date, opened: date, closing: date, working: Sequence[int]) -> date | None:
    """The working day nearest `day` while the round is open: later first, else earlier."""
    if not working:
        return None
    for step in (1, -1):
        moved = day
        while opened < moved < closing:
            if moved.weekday() in working:
                return moved
            moved += timedelta(days=step)
    return None


def reminder_times(
    opened_at: datetime,
    closes_at: datetime,
    timezone: str,
    working_days: Sequence[int] = WORKING_WEEK,
) -> list[datetime]:
    """When a person in `timezone` is reminded: a working hour on each reminder day."""
    moments = [
        local_moment(d, WORKING_HOUR, timezone)
        for d in reminder_days(opened_at, closes_at, timezone, working_days)
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


def closing_time(cadence: Cadence, opened_at: datetime) -> datetime:
    """When a round opened at opened_at closes: at the end of the day duration_days later."""
    closing_day = local_date(opened_at, cadence.timezone) + timedelta(days=cadence.duration_days)
    return local_moment(closing_day, END_OF_DAY, cadence.timezone)


def advanced(schedule: Schedule, now: datetime) -> Schedule:
    """The schedule moved on to its first opening after now (past this one)."""
    plan, anchor = schedule.cadence, schedule.anchor
    following = next_occurrence(plan, anchor, now, schedule.occurrence + 1)
    return replace(schedule, occurrence=following, next_open_at=opening(plan, anchor, following))
