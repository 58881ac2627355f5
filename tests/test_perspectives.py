"""Perspectives as people meet them: off until a lead turns them on; the lead sets the groups;
each person says once whom they speak for, before their first card; it is remembered for later
rounds and can be changed before their first answer of a round, never during one; a round
keeps the groups it opened with."""

from __future__ import annotations

import pytest
from support import World, answer_all, make_world, texts

from adapters.web.board import latest_section
from bot.board.view import board_view
from bot.model import DEFAULT_GROUPS, PREFER_NOT_TO_SAY
from bot.ports import Storage
from bot.privacy.data_rights import person_record
from bot.summary.export import export_rows, perspectives_rows
from bot.summary.numbers import round_summary
from bot.summary.perspectives import OTHER_PERSPECTIVES
from bot.summary.perspectives_chart import perspectives_chart, render_perspectives_png
from bot.summary.perspectives_report import perspectives_alt


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "bob")
    await world.command("lead", "/round setup Riverside")
    return world


async def group_in_round(world: World, name: str, number: int) -> str | None:
    async with world.storage.transaction() as repo:
        round_ = await repo.round_by_number(1, number)
        person = await repo.person("test", name.upper())
        assert round_ is not None and person is not None
        participation = await repo.participation(round_.id, person.id)
    assert participation is not None
    return participation.group


async def test_perspectives_are_off_until_a_lead_turns_them_on(world: World) -> None:
    shown = texts(await world.command("lead", "/round groups"))
    assert "Perspectives of Riverside: off" in shown
    assert all(f"• {name}" in shown for name in DEFAULT_GROUPS)
    await world.command("lead", "/round open Spring")
    started = texts(await world.press("alice", "Start"))
    assert "whom do you speak for" not in started
    assert "Question 1 of 9" in started or "1/9" in started or "[1]" in started


async def test_a_lead_sets_the_groups_and_bad_lists_change_nothing(world: World) -> None:
    said = texts(await world.command("lead", "/round groups Council; Health; Residents"))
    assert "the groups are now Council; Health; Residents; Prefer not to say" in said
    refused = texts(await world.command("lead", "/round groups Council; council"))
    assert "A group is named twice." in refused
    refused = texts(await world.command("lead", "/round groups Only one"))
    assert "Name at least two groups" in refused
    refused = texts(await world.command("lead", "/round groups " + "; ".join("abcdefgh")))
    assert "At most 7 groups" in refused
    async with world.storage.transaction() as repo:
        community = await repo.community_by_id(1)
    assert community is not None
    assert community.groups == ("Council", "Health", "Residents", PREFER_NOT_TO_SAY)
    await world.command("lead", "/round groups default")
    async with world.storage.transaction() as repo:
        community = await repo.community_by_id(1)
    assert community is not None and community.groups == DEFAULT_GROUPS


async def test_people_pick_once_and_it_is_remembered_and_changeable_between_rounds(
    world: World,
) -> None:
    on = texts(await world.command("lead", "/round groups on"))
    assert "perspectives are now on" in on and "at least 5 people" in on
    await world.command("lead", "/round open Spring")
    invitation = texts([world.last_to("alice")])
    assert "say once whom you speak for" in invitation
    asked = texts(await world.press("alice", "Start"))
    assert "whom do you speak for" in asked and "never shown next to your name" in asked
    assert all(f"[{name}]" in asked for name in DEFAULT_GROUPS)
    # a level typed here is not an answer yet
    assert "First, whom do you speak for?" in texts(await world.say("alice", "3"))
    picked = texts(await world.say("alice", "people with lived experience"))
    assert "You speak for: People with lived experience" in picked
    assert "[1]" in picked  # the first card follows
    await world.press("alice", "3")
    # never asked again during the round: no group button, "change group" is not offered
    assert "Change my group" not in texts([world.last_to("alice")])
    for _ in range(8):
        await world.press("alice", "3")
    await world.press("alice", "Submit")
    await answer_group(world, "bob", "Council")
    await world.command("lead", "/round close anyway")
    assert await group_in_round(world, "alice", 1) == "People with lived experience"

    # between rounds the lead changes the list; round 2 opens with the new one
    await world.command("lead", "/round groups Council; People with lived experience; Health")
    await world.command("lead", "/round open Summer")
    started = texts(await world.press("alice", "Start"))
    assert "whom do you speak for" not in started
    assert "You speak for: People with lived experience (as you said before" in started
    changed = texts(await world.press("alice", "Change my group"))
    assert "You said before: People with lived experience." in changed
    assert "[Health]" in changed and "[Other public service]" not in changed
    await world.press("alice", "Health")
    assert await group_in_round(world, "alice", 2) == "Health"
    assert await group_in_round(world, "alice", 1) == "People with lived experience"
    # the lead changes the list during the round: the round keeps its own
    await world.command("lead", "/round groups Residents; Staff")
    asked = texts(await world.press("bob", "Start"))
    assert "You speak for: Council" in asked  # still one of round 2's groups


async def answer_group(world: World, name: str, group: str) -> None:
    await world.press(name, "Start")
    await world.press(name, group)
    for _ in range(9):
        await world.press(name, "3")
    await world.press(name, "Submit")


async def test_a_group_is_not_asked_by_a_round_opened_before_perspectives(world: World) -> None:
    await world.command("lead", "/round open Spring")
    await world.command("lead", "/round groups on")
    await answer_all(world, "alice", ["3"] * 9)
    assert await group_in_round(world, "alice", 1) is None


COUNCIL, LIVED, NHS, VCS = (
    "Council",
    "People with lived experience",
    "NHS and health",
    "Voluntary and community sector",
)
# who speaks for whom, and the level each gives every card
PEOPLE = {
    **{f"council{i}": (COUNCIL, "4") for i in range(6)},
    **{f"lived{i}": (LIVED, "2") for i in range(5)},
    **{f"nhs{i}": (NHS, "3") for i in range(3)},
    **{f"vcs{i}": (VCS, "3") for i in range(2)},
}


async def answer_as(world: World, name: str, group: str, level: str) -> None:
    await world.press(name, "Start")
    await world.press(name, group)
    for _ in range(9):
        await world.press(name, level)
    await world.press(name, "Submit")


async def test_a_round_shows_two_groups_merges_two_and_says_where_they_differ(
    world: World,
) -> None:
    world.join(*PEOPLE)
    await world.command("lead", "/round groups on")
    await world.command("lead", "/round open Spring")
    for name, (group, level) in PEOPLE.items():
        await answer_as(world, name, group, level)
    closed = await world.command("lead", "/round close")
    summary = next(m.text for m in closed if "Where perspectives differ" in m.text)
    assert "Where perspectives differ (by group: a group is shown only where at least 5" in summary
    assert "• People with lived experience put Vision at 2; Council at 4." in summary
    assert "What would help us see this the same way?" in summary
    assert "NHS and health put" not in summary  # 3 people: merged, never named
    async with world.storage.transaction() as repo:
        round_ = await repo.round_by_number(1, 1)
        assert round_ is not None
        numbers = await round_summary(repo, round_)
    assert numbers.perspectives is not None
    chart = perspectives_chart("Round 1", numbers.perspectives)
    assert chart is not None
    assert chart.groups == (COUNCIL, LIVED, OTHER_PERSPECTIVES)
    assert [(m.label, m.median) for m in chart.rows[0].markers] == [
        (COUNCIL, 4.0),
        (LIVED, 2.0),
        (OTHER_PERSPECTIVES, 3.0),
    ]
    alt = perspectives_alt(numbers.perspectives)
    assert "Vision: Council 4; People with lived experience 2; Other perspectives 3." in alt
    assert render_perspectives_png(chart).startswith(b"\x89PNG")
    exported = perspectives_rows(numbers)
    assert {(r["group"], r["median"]) for r in exported if r["category_id"] == "vision"} == {
        (COUNCIL, 4.0),
        (LIVED, 2.0),
        (OTHER_PERSPECTIVES, 3.0),
    }
    assert all(set(r) == {"category_id", "group", "median"} for r in exported)  # no counts
    async with world.storage.transaction() as repo:
        community = await repo.community_by_id(1)
        assert community is not None
        board = await board_view(repo, community, world.clock.now())
    assert board.latest is not None
    page = latest_section(board.latest, "chart.png")  # the board's and the lead pages' section
    assert '<h2 id="perspectives">Where perspectives differ</h2>' in page
    assert "<li>People with lived experience put Vision at 2; Council at 4.</li>" in page
    assert "NHS and health" not in page

    # the next round only six answer: nothing may be shown by group, and it says so
    await world.command("lead", "/round open Summer")
    for name in [*list(PEOPLE)[:3], *list(PEOPLE)[6:9]]:
        group, level = PEOPLE[name]
        await world.press(name, "Start")  # their group is remembered: straight to the cards
        for _ in range(9):
            await world.press(name, level)
        await world.press(name, "Submit")
    closed = await world.command("lead", "/round close")
    summary = next(m.text for m in closed if "Where perspectives differ" in m.text)
    assert (
        "Where perspectives differ: no group had enough answers to be shown without singling "
        "anyone out" in summary
    )
    assert "put Vision at" not in summary


async def test_a_group_is_in_the_persons_export_and_forget_erases_it(world: World) -> None:
    await world.command("lead", "/round groups on")
    await world.command("lead", "/round open Spring")
    await answer_as(world, "alice", LIVED, "2")
    async with world.storage.transaction() as repo:
        alice = await repo.person("test", "ALICE")
        assert alice is not None
        record = (await person_record(repo, alice)).to_json()
    assert record["communities"] == [
        {"community": "Riverside", "role": "participant", "group": LIVED}
    ]
    assert record["rounds"][0]["group"] == LIVED
    mine = texts(await world.say("alice", "my data"))
    assert f"In Riverside you said you speak for: {LIVED}" in mine
    assert f"you spoke for: {LIVED}" in mine
    await world.say("alice", "forget me")
    await world.say("alice", "yes, forget me")
    async with world.storage.transaction() as repo:
        assert await repo.person("test", "ALICE") is None
        assert await repo.group_of(1, alice.id) is None
        round_ = await repo.round_by_number(1, 1)
        assert round_ is not None
        assert all(p.person_id != alice.id for p in await repo.participations(round_.id))


async def test_a_named_export_carries_groups_only_when_the_lead_turned_that_on(
    world: World,
) -> None:
    await world.command("lead", "/round settings anonymous off")
    await world.command("lead", "/round groups on")
    await world.command("lead", "/round open Spring")
    await answer_as(world, "alice", LIVED, "2")
    await world.command("lead", "/round close anyway")

    async def exported() -> tuple[tuple[str, ...], list[dict[str, object]]]:
        async with world.storage.transaction() as repo:
            community = await repo.community_by_id(1)
            round_ = await repo.round_by_number(1, 1)
            assert community is not None and round_ is not None
            rows = await export_rows(repo, community, round_)
        return rows.fields, rows.rows

    fields, rows = await exported()
    assert "group" not in fields and all("group" not in row for row in rows)
    warned = texts(await world.command("lead", "/round groups export on"))
    assert "special category data" in warned
    fields, rows = await exported()
    assert "group" in fields and {row["group"] for row in rows} == {LIVED}
