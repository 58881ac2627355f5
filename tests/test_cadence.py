"""Cadence arithmetic: month ends, leap years, daylight saving, quiet hours, parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands.parser import UsageError, parse_cadence
from bot.model import Cadence, Unit
from bot.schedule.cadence import (
    add_months,
    first_day,
    is_quiet,
    next_occurrence,
    next_working_time,
    opening,
    opening_day,
    reminder_times,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2027, 3, 31), 12, date(2028, 3, 31)),
    ],
)
def test_add_months_keeps_the_day_or_the_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_monthly_openings_count_from_the_anchor_so_month_ends_do_not_drift() -> None:
    monthly = Cadence(1, Unit.MONTH, None, time(9), "UTC", 14)
    days = [opening_day(monthly, date(2027, 1, 31), n) for n in range(5)]
    assert days == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_quarterly_on_monday_moves_to_the_next_monday() -> None:
    plan = parse_cadence("quarterly on monday at 10:30 Europe/London", "UTC")
    anchor = first_day(plan, utc(2027, 1, 6, 12))  # a Wednesday
    assert anchor == date(2027, 1, 11)
    days = [opening_day(plan, anchor, n) for n in range(3)]
    assert days == [date(2027, 1, 11), date(2027, 4, 12), date(2027, 7, 12)]
    assert all(d.weekday() == 0 for d in days)
    # 10:30 local: GMT in January, BST (UTC+1) in April and July
    assert [opening(plan, anchor, n).hour for n in range(3)] == [10, 9, 9]


def test_weekly_cadence_keeps_local_time_across_both_transitions() -> None:
    plan = parse_cadence("every 1 weeks on sunday at 09:00 America/Los_Angeles for 3 days", "UTC")
    anchor = date(2027, 3, 7)
    hours = [opening(plan, anchor, n).hour for n in range(2)]
    assert hours == [17, 16]  # PST (UTC-8), then PDT (UTC-7) after 14 March
    autumn = date(2027, 10, 31)
    assert [opening(plan, autumn, n).hour for n in range(2)] == [16, 17]  # back to PST


def test_next_occurrence_skips_what_lies_in_the_past() -> None:
    plan = Cadence(6, Unit.WEEK, None, time(9), "UTC", 14)
    anchor = date(2027, 1, 4)
    assert next_occurrence(plan, anchor, utc(2027, 1, 4, 9)) == 1
    assert next_occurrence(plan, anchor, utc(2027, 5, 1), 1) == 3  # 15 Mar, 26 Apr passed


@pytest.mark.parametrize("zone", ["Europe/London", "America/Los_Angeles"])
def test_reminders_are_at_nine_local_on_daylight_saving_weekends(zone: str) -> None:
    spring = {"Europe/London": utc(2027, 3, 24, 12), "America/Los_Angeles": utc(2027, 3, 10, 20)}
    autumn = {"Europe/London": utc(2027, 10, 26, 12), "America/Los_Angeles": utc(2027, 11, 3, 20)}
    for opened in (spring[zone], autumn[zone]):
        # every day a working day, so only the clocks changing is under test
        times = reminder_times(opened, opened + timedelta(days=14), zone, range(7))
        assert len(times) == len(set(times)) == 3  # day 3, day 5, the day before closing
        assert {t.astimezone(ZoneInfo(zone)).hour for t in times} == {9}
        utc_hours = {t.hour for t in times}
        assert len(utc_hours) == 2  # the offset changed in between


def test_quiet_hours_and_the_next_working_time() -> None:
    assert is_quiet(utc(2027, 1, 5, 21, 30), "Europe/London")
    assert is_quiet(utc(2027, 1, 5, 7, 59), "Europe/London")
    assert not is_quiet(utc(2027, 1, 5, 8, 0), "Europe/London")
    assert next_working_time(utc(2027, 1, 5, 22), "Europe/London") == utc(2027, 1, 6, 9)
    assert next_working_time(utc(2027, 1, 5, 3), "Europe/London") == utc(2027, 1, 5, 9)
    assert next_working_time(utc(2027, 1, 5, 12), "Europe/London") == utc(2027, 1, 5, 12)
    assert next_working_time(utc(2027, 7, 5, 23), "Europe/London") == utc(2027, 7, 6, 8)  # BST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 3 months", Cadence(3, Unit.MONTH, None, time(9), "UTC", 14)),
        (
            "every 6 weeks on monday at 08:30 Europe/London for 10 days",
            Cadence(6, Unit.WEEK, 0, time(8, 30), "Europe/London", 10),
        ),
        ("monthly for 2 weeks", Cadence(1, Unit.MONTH, None, time(9), "UTC", 14)),
        ("quarterly on friday", Cadence(3, Unit.MONTH, 4, time(9), "UTC", 14)),
    ],
)
def test_parse_good_schedules(text: str, expected: Cadence) -> None:
    assert parse_cadence(text, "UTC") == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("now and then", "Say how often"),
        ("every 0 months", "Every 1 to 24 months"),
        ("every 3 months on funday", "not a day of the week"),
        ("every 3 months at 25:00", "not a time of day"),
        ("every 3 months Mars/Olympus", "not a timezone"),
        ("every 2 weeks for 20 days", "must close before the next opens"),
        ("every 3 months please", "did not understand"),
    ],
)
def test_bad_schedules_get_an_example_of_good_input(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_cadence(text, "UTC")
    assert problem in str(caught.value)
    assert "/round schedule every 3 months on monday at 09:00 Europe/London" in str(caught.value)
