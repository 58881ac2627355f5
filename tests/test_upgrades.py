"""Upgrades never strand a database: a database made by every migration head main has had
(tests/fixtures/upgrades/, made by each version's own code with make.py there) upgrades with
today's code on SQLite and PostgreSQL, keeps every row and setting, ends with the schema of
a database upgraded along the straight path, and its open round carries on. An upgrade is one
transaction; a database a newer version upgraded is refused with one line, changing nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool
from support import ROOT, FakeClock
from upgrading import FIXTURES, meaning, raw_rows, schema

from adapters.assembly import ONE_OFF, assemble
from adapters.cli import main
from bot.config import Settings
from bot.messages import Address, IncomingText
from bot.model import PersonRef
from bot.summary.export import export_rows, pick_community, pick_round
from storage import NewerDatabase, current_revision, open_storage, upgrade
from storage.database import async_url, is_sqlite, make_engine, read_database
from storage.migrate import MIGRATIONS, head_revision

T = TypeVar("T")
COMMUNITY = "Riverside Partnership"
PAST_HEADS = sorted(p for p in FIXTURES.iterdir() if (p / "expected.json").is_file())
STRANDED = FIXTURES / "0010-0f6843a"  # 0010 on 0007: 0008 and 0009 never ran
# Values a migration rewrites on purpose, in rows made before it: 0007 turned notes into
# messages (kind "note" -> "message", an owed note's text into the payload; test_storage.py
# checks how). Migration -> table -> (which rows, which columns).
REWRITTEN_BY: dict[str, dict[str, tuple[Callable[[dict[str, Any]], bool], set[str]]]] = {
    "0007": {"outbox": (lambda row: row["kind"] == "note", {"kind", "note"})},
}


def made_by(fixture: Path) -> dict[str, Any]:
    made: dict[str, Any] = json.loads((fixture / "expected.json").read_text())
    return made


async def load(fixture: Path, url: str) -> None:
    """The past version's database, as its dump has it, into the (empty) test database."""
    if is_sqlite(url):
        database = make_url(async_url(url)).database
        assert database is not None
        connection = sqlite3.connect(database)
        try:
            connection.executescript((fixture / "sqlite.sql").read_text())
        finally:
            connection.close()
        return
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    postgres = await asyncpg.connect(plain)
    try:
        await postgres.execute((fixture / "postgres.sql").read_text())  # one simple query
    finally:
        await postgres.close()


async def read(url: str, reader: Callable[[Connection], T]) -> T:
    """What reader finds in the database at url. SQLite is read without the async driver,
    whose thread hop per call would make the many small reads of a schema slow."""
    if is_sqlite(url):
        database = create_engine(f"sqlite:///{make_url(async_url(url)).database}")
        try:
            with database.connect() as sync_connection:
                return reader(sync_connection)
        finally:
            database.dispose()
    return await read_database(url, reader)


_straight: dict[str, dict[str, Any]] = {}


async def straight_schema(url: str, scratch: Path) -> dict[str, Any]:
    """The schema of an empty database upgraded from nothing to head (once per database
    kind). On PostgreSQL it is made in the still empty test database, which is emptied again."""
    kind = "sqlite" if is_sqlite(url) else "postgresql"
    if kind not in _straight:
        where = f"sqlite:///{scratch / 'straight.db'}" if kind == "sqlite" else url
        await upgrade(where)
        _straight[kind] = await read(where, schema)
        if kind == "postgresql":
            engine = make_engine(url, poolclass=NullPool)
            try:
                async with engine.begin() as connection:
                    await connection.execute(text("DROP SCHEMA public CASCADE"))
                    await connection.execute(text("CREATE SCHEMA public"))
            finally:
                await engine.dispose()
    return _straight[kind]


def changed_rows(before: dict[str, Any], after: dict[str, Any], chain: set[str]) -> list[str]:
    """Every row of every table before, compared column by column with the same row after:
    what is gone or different (beyond what a migration rewrites on purpose)."""

    def rewritten(table: str, row: dict[str, Any]) -> set[str]:
        return {
            column
            for revision, tables in REWRITTEN_BY.items()
            if revision not in chain and table in tables and tables[table][0](row)
            for column in tables[table][1]
        }

    problems = []
    for table, rows in before.items():
        if table == "alembic_version":
            continue
        for key, row in rows.items():
            now = after.get(table, {}).get(key)
            if now is None:
                problems.append(f"{table} {key}: gone")
                continue
            problems += [
                f"{table} {key}: {column} was {value!r}, is {now.get(column)!r}"
                for column, value in row.items()
                if column not in rewritten(table, row) and now.get(column) != value
            ]
    return problems


def missing(expected: Any, found: Any, path: str = "") -> list[str]:
    """Where found lacks or differs from what is expected (found may have more: the columns
    later migrations added)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        return [
            problem
            for key, value in expected.items()
            for problem in (
                missing(value, found[key], f"{path}/{key}") if key in found else [f"{path}/{key}"]
            )
        ]
    return [] if expected == found else [f"{path}: {expected!r} became {found!r}"]


def new_settings(rows: dict[str, Any], chain: set[str]) -> list[str]:
    """Settings the upgrade added keep the meaning the rows had: priorities off for rounds
    that were there before priorities existed (the step was never asked in them), email
    summaries on (the default), opt-outs stored unkeyed (what the old version wrote)."""
    problems = []
    if "0010" not in chain:
        problems += [
            f"round {r} asks priorities"
            for r, v in rows["rounds"].items()
            if v.get("priorities") is not False
        ]
        problems += [
            f"{p} has priorities"
            for p, v in rows.get("participations", {}).items()
            if v.get("priorities") != []
        ]
    if "0009" not in chain:
        problems += [
            f"{c} email_summary off"
            for c, v in rows["communities"].items()
            if v.get("email_summary") is not True
        ]
    if "0008" not in chain:
        problems += (
            ["an unkeyed opt-out became keyed"] if rows.get("opt_outs", {}).get("keyed") else []
        )
    return problems


async def carry_on(url: str) -> dict[str, Any]:
    """Bob, who stopped after three answers in the open round, answers the other six with
    today's bot and submits: his participation as stored then."""
    storage = await open_storage(url)
    try:
        async with storage.transaction() as repo:
            community = await pick_community(repo, COMMUNITY)
            open_round = await pick_round(repo, community, None)
            exported = await export_rows(repo, community, open_round, keys=False)
        assert open_round.closed_at is None and not open_round.anonymous
        # The open round is not anonymous: its answers so far export, with who gave them
        # (alice's nine and bob's three).
        people = sorted(str(row["participant"]) for row in exported.rows)
        assert len(people) == 12 and people.count("console:bob (bob)") == 3, people
        settings = Settings(database_url=url, rubric_path=ROOT / "rubric.toml")
        clock = FakeClock(open_round.opened_at + timedelta(hours=1))
        bot = await assemble(
            settings, parts=ONE_OFF, clock=clock, storage=storage, adapters=lambda _context: []
        )
        bob = PersonRef("console", "bob", "bob")
        for typed in ["3"] * 6 + ["Submit"]:
            await bot.dispatch(IncomingText(bob, Address.dm(bob), typed))
    finally:
        await storage.close()
    rows = await read(url, meaning)
    bobs = {
        k: v for k, v in rows["answers"].items() if k.startswith(f"{COMMUNITY} #2 / console:bob")
    }
    assert len(bobs) == 9 and all(v["level"] is not None for v in bobs.values())
    participation: dict[str, Any] = rows["participations"][f"{COMMUNITY} #2 / console:bob"]
    return participation


@pytest.mark.parametrize("fixture", PAST_HEADS, ids=lambda p: p.name)
async def test_a_past_head_upgrades_keeping_every_row(
    database_url: str, fixture: Path, tmp_path: Path
) -> None:
    straight = await straight_schema(database_url, tmp_path)
    expected = made_by(fixture)
    chain = set(expected["made_by"]["migrations"])
    await load(fixture, database_url)
    assert await read(database_url, meaning) == expected["rows"]  # as the old version left it
    before = await read(database_url, raw_rows)

    await upgrade(database_url)

    assert await current_revision(database_url) == head_revision()
    assert changed_rows(before, await read(database_url, raw_rows), chain) == []
    upgraded = await read(database_url, meaning)
    assert missing(expected["rows"], upgraded) == []
    assert new_settings(upgraded, chain) == []
    assert await read(database_url, schema) == straight
    bob = await carry_on(database_url)
    # A round opened before priorities existed does not grow a priorities step.
    assert bob["stage"] == ("priorities" if "0010" in chain else "submitted")


# Revisions that landed together with the next one, so that no commit of main had them as
# its head (none so far): they need no fixture of their own.
NEVER_A_HEAD: frozenset[str] = frozenset()


def test_every_head_main_has_had_has_a_fixture() -> None:
    """A fixture per migration head main has had, and one of 0f6843a's stranded chain. The
    newest migration may land first; its fixture follows (make.py, run at that head), and
    must be there once another migration lands on top."""
    heads = {p.name.split("-")[0] for p in PAST_HEADS}
    shipped = {p.name[:4] for p in MIGRATIONS.glob("versions/*.py")}
    assert shipped - heads - NEVER_A_HEAD <= {head_revision()}
    assert made_by(STRANDED)["made_by"]["migrations"][:2] == ["0010", "0007"]


async def test_a_database_stranded_at_0011_is_repaired(database_url: str, tmp_path: Path) -> None:
    """0f6843a's database after a version before this repair ran 0011 on it: stamped 0011,
    without 0008's and 0009's tables. Today's upgrade adds them and keeps every row."""
    straight = await straight_schema(database_url, tmp_path)
    await load(STRANDED, database_url)
    await upgrade(database_url, "0011")  # what the versions before 0012 did
    stranded = await read(database_url, schema)
    assert "deployment_secrets" not in stranded and "addresses" not in stranded
    assert "email_summary" not in stranded["communities"]["columns"]
    before = await read(database_url, raw_rows)

    await upgrade(database_url)

    assert await read(database_url, schema) == straight
    assert changed_rows(before, await read(database_url, raw_rows), set()) == []
    assert missing(made_by(STRANDED)["rows"], await read(database_url, meaning)) == []


def test_export_works_on_a_database_made_by_0f6843a(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the issue saw fail ("no such table: deployment_secrets"), through the command
    line: db upgrade, then export, export-person and the summary."""
    db = tmp_path / "0f6843a.db"
    asyncio.run(load(STRANDED, f"sqlite:///{db}"))
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    assert main(["export", "--db", str(db), "--round", "2"]) == 0
    assert main(["export", "--db", str(db), "--round", "1", "--summary"]) == 0
    assert main(["export-person", "--db", str(db), "console:bob"]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.count("console:bob (bob)") == 3  # round 2's answers so far, by name
    assert "finance" in out.out and '"platform": "console"' in out.out


async def _stamp_newer(url: str) -> None:
    await upgrade(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    finally:
        await engine.dispose()


def _snapshot(url: str) -> Any:
    if is_sqlite(url):
        database = make_url(async_url(url)).database
        assert database is not None
        return hashlib.sha256(Path(database).read_bytes()).hexdigest()
    return None


DATABASE_COMMANDS = [
    ["db", "upgrade"],
    ["run"],
    ["console"],
    ["export"],
    ["report", "--out", "charts"],
    ["demo"],
    ["export-person", "console:bob"],
    ["forget", "console:bob"],
    ["people", "list"],
    ["board"],
]


async def test_a_newer_database_is_refused_with_one_line_and_left_alone(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _stamp_newer(database_url)
    before = await read(database_url, raw_rows), await read(database_url, schema)
    file_before = _snapshot(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    for command in DATABASE_COMMANDS:
        capsys.readouterr()
        assert await asyncio.to_thread(main, command) == 1, command
        out = capsys.readouterr()
        assert out.out == "", command
        assert out.err == (
            f"This database was upgraded by a newer maturity-bot (schema 0999); this version "
            f"knows up to {head_revision()}. Run the newer version, or restore a backup.\n"
        ), command
    assert (await read(database_url, raw_rows), await read(database_url, schema)) == before
    assert _snapshot(database_url) == file_before  # SQLite: not one byte written
    with pytest.raises(NewerDatabase):  # whatever opens it: the bot, a bench, a test
        await open_storage(database_url)


PLANTED = '''"""A migration that fails half-way, after changing the schema and the rows."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("planted", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("communities", sa.Column("planted", sa.Integer(), nullable=True))
    op.execute("UPDATE rounds SET title = 'planted'")
    raise RuntimeError("planted failure")


def downgrade() -> None:
    pass
'''


async def test_a_failed_upgrade_leaves_nothing_half_done(database_url: str, tmp_path: Path) -> None:
    """0006's database, upgraded with today's migrations plus one that fails at the end:
    nothing of 0007 to 0012 nor of the failing one stays, on SQLite as on PostgreSQL; the
    upgrade then succeeds without it."""
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "9999_planted.py").write_text(PLANTED.format(head=head_revision()))
    await load(FIXTURES / "0006-9d6352a", database_url)
    before = await read(database_url, raw_rows), await read(database_url, schema)

    with pytest.raises(RuntimeError, match="planted failure"):
        await upgrade(database_url, location=migrations)

    assert (await read(database_url, raw_rows), await read(database_url, schema)) == before
    assert await current_revision(database_url) == "0006"
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()


async def test_the_outbox_ids_go_on_above_those_in_use(database_url: str) -> None:
    """0007 rebuilds the outbox; on PostgreSQL the copy's new sequence restarted at 1 below
    the ids it copied, so the next messages queued collided with them (0012 moves it on)."""
    await load(FIXTURES / "0006-9d6352a", database_url)
    await upgrade(database_url)
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            highest = await connection.scalar(text("SELECT max(id) FROM outbox"))
            queued = await connection.scalar(
                text(
                    "INSERT INTO outbox (key, kind, due_at, attempts) "
                    "VALUES ('after-upgrade', 'message', :at, 0) RETURNING id"
                ),
                {"at": datetime(2027, 3, 5, tzinfo=UTC)},
            )
    finally:
        await engine.dispose()
    assert highest is not None and queued > highest
