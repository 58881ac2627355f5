"""A person's data: seen in full, forgotten on request, purged after the retention period;
published summaries stay as posted."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool
from support import ROOT, World, answer_all, make_world, stored_rows, texts
from test_console import run_cli

from adapters.logs import configure
from bot.ports import Storage
from bot.privacy.data_rights import find_person, person_record, purge_old_rounds
from bot.rubric.loader import load_rubric
from bot.summary.numbers import round_summary, round_tallies
from storage import open_storage, upgrade
from storage.database import make_engine

COMMENT = "The partnership board never sees our data."


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    await world.say("alice", "start")
    await world.say("alice", COMMENT)  # on the Vision card: a comment on Vision
    await world.say("alice", "2")
    for level in ["3"] * 8:
        await world.say("alice", level)
    await world.say("alice", "submit")
    await world.say("alice", "6")  # Finance as a priority
    await world.say("alice", "done")
    await answer_all(world, "bob", ["4"] * 9)
    await answer_all(world, "carol", ["4"] * 9)
    return world


async def vision_line(world: World) -> str:
    """Vision's levels as the round counts them (kept with a closed round) and its median."""
    async with world.storage.transaction() as repo:
        round_ = await repo.round_by_id(1)
        assert round_ is not None
        summary = await round_summary(repo, round_)
        levels = (await round_tallies(repo, round_)).levels["vision"]
    return f"{levels} {summary.categories[0].median}"


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
    assert "forgotten you and your 9 answers" in done
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
    assert gone.returncode == 0 and "1 answer with" in gone.stdout
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


def keyed(secret: bytes, person: str) -> str:
    return hmac.new(secret, f"opt-out:{person}".encode(), hashlib.sha256).hexdigest()


def unkeyed(person: str) -> str:
    """The opt-out rows stored before migration 0008 held."""
    return hashlib.sha256(f"maturity-bot:{person}".encode()).hexdigest()


async def test_an_opt_out_is_a_keyed_hash_with_a_secret_made_at_first_start(
    world: World, database_url: str
) -> None:
    await world.command("lead", "/round close")
    await world.say("alice", "yes, forget me")
    rows = await stored_rows(world.storage)
    ((name, value, _made),) = rows["deployment_secrets"]
    secret = bytes.fromhex(value)
    assert name == "privacy" and len(secret) == 32
    assert [row[0] for row in rows["opt_outs"]] == [keyed(secret, "test:ALICE")]
    assert unkeyed("test:ALICE") not in repr(rows)
    again = await open_storage(database_url)  # a restart, or another replica: the same key
    try:
        async with again.transaction() as repo:
            assert repo.deployment_secret() == secret
    finally:
        await again.close()
    replies = await world.command("lead", "/round open")
    invited = {m.to.chat_id for m in replies if m.to.direct}
    assert invited == {"LEAD", "BOB", "CAROL"}  # alice asked to be forgotten


async def test_opt_outs_stored_before_the_key_are_honoured_then_keyed(database_url: str) -> None:
    await upgrade(database_url, "0006")
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO opt_outs (key_hash, at) VALUES (:key, :at)"),
                {"key": unkeyed("test:ALICE"), "at": datetime(2026, 10, 1, tzinfo=UTC)},
            )
    finally:
        await engine.dispose()
    storage = await open_storage(database_url)
    try:
        world = await make_world(storage)
        world.join("lead", "alice", "bob")
        await world.command("lead", "/round setup Riverside")
        replies = await world.command("lead", "/round open")
        assert {m.to.chat_id for m in replies if m.to.direct} == {"LEAD", "BOB"}
        rows = await stored_rows(storage)
        secret = bytes.fromhex(rows["deployment_secrets"][0][1])
        assert [(row[0], row[2]) for row in rows["opt_outs"]] == [
            (keyed(secret, "test:ALICE"), True)
        ]
    finally:
        await storage.close()


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_the_secret_is_never_logged(database_url: str) -> None:
    configure("DEBUG", "json")
    # Even with every SQL statement logged (as if someone turned it on), no parameter shows.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    captured = Captured()
    logging.getLogger().addHandler(captured)
    try:
        storage = await open_storage(database_url)  # the first start: the secret is made
        try:
            world = await make_world(storage)
            world.join("lead", "alice")
            await world.command("lead", "/round setup Riverside")
            await world.command("lead", "/round open")
            await world.say("alice", "yes, forget me")
            secret = (await stored_rows(storage))["deployment_secrets"][0][1]
        finally:
            await storage.close()
    finally:
        logging.getLogger().removeHandler(captured)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)
        configure("WARNING")
    assert any("INSERT INTO deployment_secrets" in line for line in captured.lines)
    logged = "\n".join(captured.lines)
    assert secret not in logged and secret.upper() not in logged
