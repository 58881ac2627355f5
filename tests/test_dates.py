"""UK dates and times in both directions: written as people write them ("Monday 21 December
2026 at 5pm", in the community's zone), read day first ("due 15/02/2027"), anything that reads
two ways refused with a message that says how to write it; and rounds closing at the end of a
day where the community is (clocks injected)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from support import World, make_world

from bot.dates import DateProblem, day_words, moment_words, read_date
from bot.ports import Storage


@pytest.mark.parametrize(
    ("moment", "zone", "words"),
    [
        (
            datetime(2026, 12, 21, 17, 0, tzinfo=UTC),
            "Europe/London",
            "Monday 21 December 2026 at 5pm",
        ),
        (datetime(2027, 6, 21, 16, 0, tzinfo=UTC), "Europe/London", "Monday 21 June 2027 at 5pm"),
        (
            datetime(2027, 6, 21, 8, 30, tzinfo=UTC),
            "Europe/London",
            "Monday 21 June 2027 at 9:30am",
        ),
        (
            datetime(2026, 12, 21, 12, 0, tzinfo=UTC),
            "Europe/London",
            "Monday 21 December 2026 at midday",
        ),
        (datetime(2026, 12, 21, 23, 59, tzinfo=UTC), "UTC", "Monday 21 December 2026 at 11:59pm"),
        (
            datetime(2026, 12, 22, 4, 59, tzinfo=UTC),
            "America/New_York",
            "Monday 21 December 2026 at 11:59pm",
        ),
    ],
)
def test_times_are_written_as_people_write_them_in_the_communitys_zone(
    moment: datetime, zone: str, words: str
) -> None:
    assert moment_words(moment, zone) == words
    assert "UTC" not in words and ":00" not in words


@pytest.mark.parametrize(
    "typed",
    [
        "15/02/2027",
        "15-02-2027",
        "15.2.2027",
        "2027-02-15",
        "15 February 2027",
        "15 Feb 2027",
        "Monday 15 February 2027",
        "15th February 2027",
    ],
)
def test_dates_are_read_day_first_and_written_back_the_same(typed: str) -> None:
    day = read_date(typed)
    assert day == date(2027, 2, 15)
    assert day_words(day) == "Monday 15 February 2027"
    assert read_date(day_words(day)) == day  # both directions


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("02/15/2027", "looks month first. Please write the day first, like 15/02/2027"),
        ("15/02/27", "please write the year in full"),
        ("31/02/2027", "is not a real date"),
        ("next friday", "is not a date I can read. Write it like 15/02/2027 or 15 February 2027"),
        ("15 Febtember 2027", "is not a month"),
    ],
)
def test_dates_that_cannot_be_read_for_sure_are_refused_with_how_to_write_them(
    typed: str, says: str
) -> None:
    with pytest.raises(DateProblem, match=says):
        read_date(typed)


def test_a_date_that_reads_two_ways_is_refused_outside_the_uk_and_day_first_in_it() -> None:
    assert read_date("03/04/2027") == date(2027, 4, 3)  # the UK: 3 April
    with pytest.raises(DateProblem) as caught:
        read_date("03/04/2027", uk=False)
    assert "could be Saturday 3 April 2027 or Thursday 4 March 2027" in str(caught.value)


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)  # the default zone: Europe/London
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    return world


async def test_a_due_date_typed_day_first_is_taken_and_an_ambiguous_one_changes_nothing(
    world: World,
) -> None:
    await world.command("lead", "/round open")
    (post, *_) = await world.command("lead", "/round action add finance Do it due 15/02/2027")
    assert post.text.endswith("due Monday 15 February 2027")
    (refused,) = await world.command("lead", "/round action add finance Other due 02/15/2027")
    assert "looks month first" in refused.text
    listed = "\n".join(m.text for m in await world.command("lead", "/round actions"))
    assert "Other" not in listed and "Do it" in listed


async def latest_close(world: World) -> datetime:
    async with world.storage.transaction() as repo:
        community = await repo.community_by_name("Riverside")
        assert community is not None
        latest = await repo.latest_round(community.id)
    assert latest is not None
    return latest.closes_at


async def test_a_round_closes_at_the_end_of_a_day_where_the_community_is(world: World) -> None:
    # START is Monday 2 November 2026 09:00 UTC; the community's zone here is New York.
    await world.command(
        "lead", "/round schedule every 3 months on monday at 09:00 America/New_York"
    )
    (post, *_) = await world.command("lead", "/round open Spring for 14 days")
    assert "open until Monday 16 November 2026 at 11:59pm" in post.text
    closes = await latest_close(world)
    assert closes == datetime(2026, 11, 17, 4, 59, tzinfo=UTC)  # 23:59 in New York
    world.clock.advance(closes - world.clock.now() - timedelta(minutes=1))
    await world.due_work()
    assert (await world.command("lead", "/round status"))[0].text.count("open") >= 1
    assert "closed" not in (await world.command("lead", "/round status"))[0].text.lower()


async def test_the_default_round_ends_on_a_day_in_london_summer_time(world: World) -> None:
    world.clock.advance(datetime(2027, 6, 7, 9, 0, tzinfo=UTC) - world.clock.now())
    (post, *_) = await world.command("lead", "/round open Summer")
    assert "open until Monday 21 June 2027 at 11:59pm" in post.text
    assert await latest_close(world) == datetime(2027, 6, 21, 22, 59, tzinfo=UTC)  # BST
