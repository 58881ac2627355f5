"""A person's data: seen in full, forgotten on request, purged after the retention period;
published summaries stay as posted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from support import ROOT, World, answer_all, make_world, texts
from test_console import run_cli

from bot.ports import Storage
from bot.privacy.data_rights import find_person, person_record, purge_old_rounds
from bot.rubric.loader import load_rubric
from bot.summary.numbers import round_summary

COMMENT = "The partnership board never sees our data."


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    await world.say("alice", "start")
    await world.say("alice", "2")
    await world.say("alice", COMMENT)
    for level in ["3"] * 8:
        await world.say("alice", level)
    await world.say("alice", "submit")
    await world.say("alice", "6")  # Finance as a priority
    await world.say("alice", "done")
    await answer_all(world, "bob", ["4"] * 9)
    await answer_all(world, "carol", ["4"] * 9)
    return world


async def vision_line(world: World) -> str:
    async with world.storage.transaction() as repo:
        round_ = await repo.round_by_id(1)
        assert round_ is not None
        summary = await round_summary(repo, round_)
    vision = summary.categories[0]
    return f"{vision.scored} {vision.distribution} {vision.median}"


async def test_my_data_shows_everything_stored(world: World) -> None:
    reply = texts(await world.say("alice", "my data"))
    assert "Everything I store about you:" in reply and "Alice" in reply
    assert "Community Riverside: participant" in reply
    assert f"vision: 2 — “{COMMENT}”" in reply
    async with world.storage.transaction() as repo:
        alice = await find_person(repo, "test:ALICE")
        assert alice is not None
        record = await person_record(repo, alice)
    assert record.rounds[0].stage == "submitted"
    assert len(record.rounds[0].answers) == 9
    assert "priorities: finance" in reply and record.rounds[0].priorities == ("finance",)
    await world.command("lead", "/round action add vision Draft the vision owner alice")
    reply = texts(await world.say("alice", "my data"))
    assert "Action 1 you own (vision): Draft the vision" in reply


async def test_forget_me_asks_first_then_erases_but_keeps_the_posted_summary(
    world: World,
) -> None:
    await world.command("lead", "/round close")
    before = await vision_line(world)
    asked = texts(await world.say("alice", "forget me"))
    assert "reply: yes, forget me" in asked
    async with world.storage.transaction() as repo:
        assert await repo.person("test", "ALICE") is not None  # nothing happens without a yes
    done = texts(await world.say("alice", "yes, forget me"))
    assert "forgotten you and your 9 answer(s)" in done
    async with world.storage.transaction() as repo:
        assert await repo.person("test", "ALICE") is None
        remaining = await repo.answers(1)
    assert all(a.comment != COMMENT for a in remaining) and len(remaining) == 18
    assert await vision_line(world) == before  # the summary as posted
    assert "I store nothing about you" in texts(await world.say("alice", "my data"))


async def test_retention_purges_old_rounds_but_not_their_summaries(world: World) -> None:
    await world.command("lead", "/round close")
    before = await vision_line(world)
    async with world.storage.transaction() as repo:
        assert await purge_old_rounds(repo, world.clock.now() + timedelta(days=29), 30) == 0
        assert await purge_old_rounds(repo, world.clock.now() + timedelta(days=31), 30) == 1
        assert await repo.answers(1) == [] and await repo.participations(1) == []
    assert await vision_line(world) == before
    export = await world.command("lead", "/round summary 1")
    assert "1. Vision: median 4" in export[0].text  # 2, 4, 4 as posted


def test_export_person_and_forget_from_the_command_line(tmp_path: object) -> None:
    from pathlib import Path

    db = Path(str(tmp_path)) / "rights.db"
    script = ":as lead\n/round setup Town\n:as ann\n:as lead\n/round open\n:as ann\nstart\n2\n"
    assert run_cli("console", "--db", str(db), stdin=script).returncode == 0
    shown = run_cli("export-person", "console:ann", env_db=db)
    assert shown.returncode == 0
    record = json.loads(shown.stdout)
    assert record["person"]["display_name"] == "ann" and record["rounds"][0]["answers"]
    gone = run_cli("forget", "console:ann", env_db=db)
    assert gone.returncode == 0 and "1 answer(s)" in gone.stdout
    again = run_cli("export-person", "console:ann", env_db=db)
    assert again.returncode == 2 and "Nobody is stored as console:ann" in again.stderr


async def test_the_scheduler_purges_after_the_retention_period(world: World) -> None:
    from bot.schedule.duties import Duties, DutySettings

    await world.command("lead", "/round close")
    settings = DutySettings("A", "UTC", 7, retention_days=30)
    rubric = load_rubric(ROOT / "rubric.toml")
    worker = Duties(world.storage, world.clock, world.assembly.directory, rubric, settings)
    await worker.run_due()
    async with world.storage.transaction() as repo:
        assert len(await repo.answers(1)) == 27  # not yet: closed today
    world.clock.advance(timedelta(days=31))
    await worker.run_due()
    async with world.storage.transaction() as repo:
        assert await repo.answers(1) == []
