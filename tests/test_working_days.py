"""Reminders go on working days only, in each person's zone; the working days are a community
setting, changed by the same typed request from chat and from the leads' pages (clocks
injected: START is Monday 2 November 2026, 09:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support import World, make_world

from bot.dates import DateProblem, read_weekdays, weekdays_words
from bot.ports import Storage
from bot.schedule.cadence import reminder_days, reminder_times
from storage.sql import SqlStorage
from storage.tables import OutboxRow

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 11, 9, 23, 59, tzinfo=UTC)  # "Monday, for 7 days"


def test_a_week_long_round_reminds_on_weekdays_only() -> None:
    every_day = reminder_days(MONDAY, CLOSES, "Europe/London", tuple(range(7)))
    assert [f"{d:%a}" for d in every_day] == ["Thu", "Sat", "Sun"]  # what it did before
    working = reminder_days(MONDAY, CLOSES, "Europe/London")
    assert [f"{d:%a %d}" for d in working] == ["Thu 05", "Fri 06"]  # Sat, Sun moved to Friday
    six_days = reminder_days(MONDAY, CLOSES, "Europe/London", (0, 1, 2, 3, 4, 5))
    assert [f"{d:%a}" for d in six_days] == ["Thu", "Sat"]


def test_the_working_day_is_the_persons_own() -> None:
    # In Auckland the round opens on Monday evening and Saturday 09:00 there is Friday in
    # London: each person is reminded on their own working days at their own 9am.
    times = reminder_times(MONDAY, CLOSES, "Pacific/Auckland")
    local = [t.astimezone(ZoneInfo("Pacific/Auckland")) for t in times]
    assert all(t.weekday() < 5 and t.hour == 9 for t in local)
    assert local


def test_working_days_are_read_and_written_in_words() -> None:
    assert read_weekdays("mon-fri") == (0, 1, 2, 3, 4)
    assert read_weekdays("Monday,Wednesday,fri") == (0, 2, 4)
    assert weekdays_words((0, 1, 2, 3, 4)) == "Monday to Friday"
    assert weekdays_words((0, 2, 4)) == "Monday, Wednesday and Friday"
    for bad in ("weekdays", "fri-mon", "", "t"):
        with pytest.raises(DateProblem):
            read_weekdays(bad)


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "bob")
    await world.command("lead", "/round setup Riverside")
    return world


async def reminders_queued(storage: Storage) -> list[datetime]:
    assert isinstance(storage, SqlStorage)
    async with storage.transaction() as repo:
        session = repo._session  # type: ignore[attr-defined]
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.kind == "remind"))
        return sorted(row.due_at.astimezone(UTC) for row in rows)


async def test_a_lead_sets_working_days_and_reminders_keep_to_them(world: World) -> None:
    (said,) = await world.command("lead", "/round settings working_days mon,tue,wed,sat")
    assert "reminders now go on working days only, Monday, Tuesday, Wednesday and Saturday" in (
        said.text
    )
    (refused,) = await world.command("lead", "/round settings working_days weekdays")
    assert "write the working days like mon-fri" in refused.text
    await world.command("lead", "/round open for 7 days")
    queued = await reminders_queued(world.storage)
    assert queued  # two people, their reminders
    assert {f"{t:%a}" for t in queued} <= {"Mon", "Tue", "Wed", "Sat"}
    assert "Thu" not in {f"{t:%a}" for t in queued}  # day 3 moved to the Saturday


async def test_by_default_nobody_is_reminded_at_the_weekend(world: World) -> None:
    await world.command("lead", "/round open for 7 days")
    queued = await reminders_queued(world.storage)
    assert queued and all(t.weekday() < 5 for t in queued)
    assert {f"{t:%a}" for t in queued} == {"Thu", "Fri"}
