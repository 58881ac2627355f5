"""storage/: SqlStorage and SqlRepository against SQLite and PostgreSQL (see conftest.py)."""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.pool import NullPool
from support import FakeClock, Recorder

from bot.messages import Address, Choice, Outgoing, Purpose
from bot.model import (
    AccessLink,
    ActionStatus,
    Answer,
    BoardLink,
    Category,
    ChatRef,
    Community,
    LeadSession,
    Participation,
    Person,
    PersonRef,
    Role,
    Round,
    Rubric,
    SignInLink,
    Stage,
)
from bot.outbox.item import OutboxItem, OutboxKind, Outcome
from bot.outbox.sender import OutboxSender
from bot.ports import (
    Access,
    Addresses,
    Boards,
    Communities,
    ConcurrentUpdate,
    Deliveries,
    People,
    Repository,
    Rounds,
)
from bot.rubric.loader import rubric_to_dict
from bot.schedule.lease import heartbeat
from storage import (
    SqlRepository,
    SqlStorage,
    async_url,
    current_revision,
    open_storage,
    upgrade,
)
from storage.base import ParsedRubrics
from storage.database import is_sqlite, make_engine, safe_url
from storage.migrate import head_revision, upgrade_sync
from storage.sql import translate_integrity_error
from storage.tables import Base, ProcessedDeliveryRow, RoundRow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DM_REPLY = Outgoing(Address("slack", "U1", direct=True), "✓ Vision: 3")
CHAT = ChatRef("slack", "C01")


def _levels(word: str) -> dict[int, str]:
    return {level: f"{word} level {level}" for level in range(1, 6)}


RUBRIC = Rubric(
    name="Test model",
    question="Where are we today?",
    low_label="Ad hoc",
    high_label="Optimised",
    categories=(
        Category(id="vision", number=1, title="Vision", levels=_levels("Vision")),
        Category(id="delivery", number=2, title="Delivery", levels=_levels("Delivery")),
    ),
)


async def _seed(storage: SqlStorage) -> tuple[Community, Person, Round]:
    async with storage.transaction() as repo:
        community = await repo.create_community("Platform", CHAT, anonymous=True, at=T0)
        person = await repo.upsert_person(PersonRef("slack", "U1", "Ann"))
        round_ = await repo.create_round(
            community.id, "Q1", T0, T0 + timedelta(days=7), anonymous=True, rubric=RUBRIC
        )
    return community, person, round_


def _inspect_schema(connection: Connection) -> tuple[list[str], list[Any]]:
    tables = sorted(inspect(connection).get_table_names())
    return tables, compare_metadata(MigrationContext.configure(connection), Base.metadata)


async def test_migrations_from_empty_to_head(database_url: str) -> None:
    assert await current_revision(database_url) is None
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision() is not None
    await upgrade(database_url)  # already at head: nothing to do
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            tables, differences = await connection.run_sync(_inspect_schema)
    finally:
        await engine.dispose()
    assert set(tables) == {*Base.metadata.tables, "alembic_version"}
    assert differences == []  # the hand-written migration matches storage/tables.py


async def test_upgrade_from_0001_keeps_rounds_and_sets_the_default_threshold(
    database_url: str,
) -> None:
    await upgrade(database_url, "0001")
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO communities (id, name, anonymous, export_salt, settings, "
                    "created_at) VALUES (1, 'Old', true, 'salt', '{}', :at)"
                ),
                {"at": T0},
            )
            await connection.execute(
                text(
                    "INSERT INTO rounds (id, community_id, number, title, opened_at, closes_at, "
                    "anonymous, rubric) VALUES (1, 1, 1, 'Before', :at, :at, true, :rubric)"
                ),
                {"at": T0, "rubric": json.dumps(rubric_to_dict(RUBRIC))},
            )
    finally:
        await engine.dispose()
    await upgrade(database_url)
    storage = await open_storage(database_url)
    try:
        async with storage.transaction() as repo:
            community = await repo.community_by_name("Old")
            round_ = await repo.round_by_id(1)
    finally:
        await storage.close()
    assert community is not None and community.min_responses == 3
    assert len(community.join_code) == 16  # backfilled for communities made before 0003
    assert round_ is not None and round_.title == "Before" and round_.min_responses == 3


async def test_upgrade_to_0007_turns_owed_notes_into_messages(database_url: str) -> None:
    """Notes owed by a version before 0007 are still sent after the upgrade, as messages;
    the round's announcement keeps its Take part link."""
    await upgrade(database_url, "0006")
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO communities (id, name, anonymous, export_salt, settings, "
                    "created_at, join_code) VALUES (1, 'Old', true, 's', '{}', :at, 'JOIN')"
                ),
                {"at": T0},
            )
            for id_, key, note, sent in (
                (1, "opened:1:slack:C1", "Round 1 is open", None),
                (2, "note:extended:1:slack:C1", "It stays open", None),
                (3, "note:skipped:1:slack:C1", "skipped", T0),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO outbox (id, key, kind, community_id, platform, chat_id, "
                        "note, due_at, sent_at, attempts) "
                        "VALUES (:id, :key, 'note', 1, 'slack', 'C1', :note, :at, :sent, 0)"
                    ),
                    {"id": id_, "key": key, "note": note, "at": T0, "sent": sent},
                )
    finally:
        await engine.dispose()
    await upgrade(database_url)
    storage = await open_storage(database_url)
    try:
        async with storage.transaction() as repo:
            owed = await repo.claim_due(T0, 10, "A")
            finished = await repo.stale_claims("nobody", T0, T0, T0)
    finally:
        await storage.close()
    assert [(i.kind, i.message) for i in owed] == [
        (
            OutboxKind.MESSAGE,
            Outgoing(Address("slack", "C1"), "Round 1 is open", join_code="JOIN"),
        ),
        (OutboxKind.MESSAGE, Outgoing(Address("slack", "C1"), "It stays open")),
    ]
    assert finished == []


def test_upgrade_sync_for_the_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_sync(url)
    assert asyncio.run(current_revision(url)) == head_revision()


def test_urls() -> None:
    assert async_url("sqlite:///data/bot.db") == "sqlite+aiosqlite:///data/bot.db"
    assert async_url("postgres://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert async_url("postgresql://h/db") == "postgresql+asyncpg://h/db"
    assert async_url("postgresql+asyncpg://h/db") == "postgresql+asyncpg://h/db"
    assert async_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    with pytest.raises(ValueError, match="accepted") as caught:
        async_url("mysql://root:hunter2@h/db")
    assert "hunter2" not in str(caught.value) and "\n" not in str(caught.value)
    assert "hunter2" not in safe_url("postgresql://bot:hunter2@db/bot")


async def test_ping_says_whether_the_database_answers(
    storage: SqlStorage, database_url: str, tmp_path: Path
) -> None:
    # /healthz and /readyz answer 503 on False: a database that is gone must read as False.
    assert await storage.ping() is True
    if is_sqlite(database_url):
        gone = f"sqlite:///{tmp_path / 'no such folder' / 'bot.db'}"
    else:
        gone = "postgresql://postgres@127.0.0.1:1/nothing"  # a port nothing listens on
    unreachable = SqlStorage(make_engine(gone))
    try:
        assert await unreachable.ping() is False
    finally:
        await unreachable.close()


async def test_community_and_chat_lookup(storage: SqlStorage) -> None:
    async with storage.transaction() as repo:
        created = await repo.create_community("Platform", CHAT, anonymous=True, at=T0)
    assert created.chats == (CHAT,) and created.anonymous
    assert len(created.export_salt) == 32 and int(created.export_salt, 16) >= 0
    async with storage.transaction() as repo:
        assert await repo.community_for_chat(CHAT) == created
        assert await repo.community_for_chat(ChatRef("telegram", "C01")) is None
        assert await repo.community_by_name("Platform") == created
        assert await repo.community_by_id(created.id) == created
        await repo.update_community(replace(created, name="Platform team", anonymous=False))
    async with storage.transaction() as repo:
        renamed = await repo.community_by_id(created.id)
        assert renamed == replace(created, name="Platform team", anonymous=False)
        assert await repo.list_communities() == [renamed]
    with pytest.raises(ConcurrentUpdate):  # the chat already belongs to a community
        async with storage.transaction() as repo:
            await repo.create_community("Other", CHAT, anonymous=True, at=T0)


async def test_people_upsert_keeps_a_name_when_given_none(storage: SqlStorage) -> None:
    async with storage.transaction() as repo:
        ann = await repo.upsert_person(PersonRef("slack", "U1", "Ann"))
        assert await repo.upsert_person(PersonRef("slack", "U1", "")) == ann
    async with storage.transaction() as repo:
        assert await repo.upsert_person(PersonRef("slack", "U1", "   ")) == ann
        annie = await repo.upsert_person(PersonRef("slack", "U1", "Annie"))
        other = await repo.upsert_person(PersonRef("telegram", "U1"))
    assert annie == replace(ann, display_name="Annie") and annie.timezone == "UTC"
    assert other.id != ann.id and other.name == "U1"
    async with storage.transaction() as repo:
        assert await repo.person("slack", "U1") == annie
        assert await repo.person_by_id(other.id) == other
        assert await repo.person("slack", "nobody") is None


async def test_roles_and_members(storage: SqlStorage) -> None:
    community, ann, _ = await _seed(storage)
    async with storage.transaction() as repo:
        bob = await repo.upsert_person(PersonRef("slack", "U2", "bob"))
        cid = await repo.upsert_person(PersonRef("slack", "U3", "Cid"))
        await repo.set_role(community.id, cid.id, Role.PARTICIPANT)
        await repo.set_role(community.id, ann.id, Role.PARTICIPANT)
        await repo.set_role(community.id, bob.id, Role.PARTICIPANT)
        await repo.set_role(community.id, ann.id, Role.LEAD)
    async with storage.transaction() as repo:
        assert await repo.role(community.id, ann.id) is Role.LEAD
        assert await repo.role(community.id, 999) is None
        members = await repo.members(community.id)
    assert members == [(ann, Role.LEAD), (bob, Role.PARTICIPANT), (cid, Role.PARTICIPANT)]


async def test_round_numbering_and_one_unclosed_round(storage: SqlStorage) -> None:
    community, _, first = await _seed(storage)
    assert first.number == 1 and first.closed_at is None
    with pytest.raises(ConcurrentUpdate):
        async with storage.transaction() as repo:
            await repo.create_round(community.id, "Q1b", T0, T0, True, RUBRIC)
    async with storage.transaction() as repo:
        await repo.close_round(first.id, T0 + timedelta(days=1))
        await repo.close_round(first.id, T0 + timedelta(days=2))  # keeps the first close
        second = await repo.create_round(
            community.id, "Q2", T0, T0 + timedelta(days=9), False, RUBRIC
        )
    async with storage.transaction() as repo:
        assert second.number == 2
        assert await repo.latest_round(community.id) == second
        assert await repo.unclosed_round(community.id) == second
        assert await repo.round_by_id(second.id) == second
        closed = await repo.round_by_number(community.id, 1)
        assert closed == replace(first, closed_at=T0 + timedelta(days=1))
        assert await repo.round_by_number(community.id, 3) is None
        assert await repo.latest_round(community.id + 1) is None


async def test_partial_index_stops_a_second_unclosed_round(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    community, _, _ = await _seed(storage)

    async def nothing_open(self: SqlRepository, community_id: int) -> None:
        return None  # as a concurrent twin would have seen it

    monkeypatch.setattr(SqlRepository, "unclosed_round", nothing_open)
    with pytest.raises(ConcurrentUpdate):
        async with storage.transaction() as repo:
            await repo.create_round(community.id, "twin", T0, T0, True, RUBRIC)


async def test_rubric_snapshot_round_trips(storage: SqlStorage) -> None:
    _, _, round_ = await _seed(storage)
    async with storage.transaction() as repo:
        loaded = await repo.round_by_id(round_.id)
    assert loaded is not None and loaded.rubric == RUBRIC
    assert [c.id for c in loaded.rubric.categories] == ["vision", "delivery"]
    async with storage.engine.connect() as connection:
        raw = await connection.scalar(select(RoundRow.rubric).where(RoundRow.id == round_.id))
    assert raw == rubric_to_dict(RUBRIC)


async def test_parsed_rubrics_are_kept_for_recent_rounds_only(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year of a region opens thousands of rounds: the bot's memory holds the parsed rubric
    of the most recent few, and an older round's is read again when it is needed."""
    monkeypatch.setattr(ParsedRubrics, "KEPT", 2)
    community, _, first = await _seed(storage)
    async with storage.transaction() as repo:
        await repo.close_round(first.id, T0 + timedelta(days=1))
    later = []
    for number in range(3):
        async with storage.transaction() as repo:
            opened = await repo.create_round(
                community.id, f"R{number}", T0, T0 + timedelta(days=7), True, RUBRIC
            )
            await repo.close_round(opened.id, T0 + timedelta(days=1))
            later.append(opened.id)
    for round_id in [first.id, *later, first.id]:
        async with storage.transaction() as repo:
            loaded = await repo.round_by_id(round_id)
        assert loaded is not None and loaded.rubric == RUBRIC
        assert len(storage._rubrics) <= 2


async def test_participation_versions(storage: SqlStorage) -> None:
    _, person, round_ = await _seed(storage)
    invited = Participation(round_.id, person.id, Stage.INVITED, invited_at=T0)
    async with storage.transaction() as repo:
        await repo.add_participation(invited)
        assert await repo.participation(round_.id, person.id) == invited
        started = replace(invited, stage=Stage.ANSWERING, started_at=T0 + timedelta(hours=1))
        saved = await repo.save_participation(started)
        assert saved == replace(started, version=1)
        assert await repo.participation(round_.id, person.id) == saved  # no stale cache
    with pytest.raises(ConcurrentUpdate):
        async with storage.transaction() as repo:
            await repo.save_participation(replace(started, position=1))  # still version 0
    async with storage.transaction() as repo:
        assert await repo.participations(round_.id) == [saved]
        assert await repo.participation(round_.id, 999) is None


async def test_concurrent_participation_saves_one_wins(storage: SqlStorage) -> None:
    _, person, round_ = await _seed(storage)
    async with storage.transaction() as repo:
        await repo.add_participation(Participation(round_.id, person.id, Stage.ANSWERING))
    both_loaded = asyncio.Barrier(2)

    async def advance(position: int) -> Participation:
        async with storage.transaction() as repo:
            current = await repo.participation(round_.id, person.id)
            assert current is not None
            await both_loaded.wait()
            return await repo.save_participation(replace(current, position=position))

    results = await asyncio.gather(advance(1), advance(2), return_exceptions=True)
    winners = [r for r in results if isinstance(r, Participation)]
    assert len(winners) == 1, results
    assert [type(r) for r in results if not isinstance(r, Participation)] == [ConcurrentUpdate]
    async with storage.transaction() as repo:
        assert await repo.participation(round_.id, person.id) == winners[0]


async def test_answers_upsert_keeps_first_answered_at(storage: SqlStorage) -> None:
    _, ann, round_ = await _seed(storage)
    t1, t2, t3 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), T0 + timedelta(minutes=3)
    async with storage.transaction() as repo:
        bob = await repo.upsert_person(PersonRef("slack", "U2", "Bob"))
        await repo.save_answer(Answer(round_.id, ann.id, "vision", 3, None, t1, t1))
        await repo.save_answer(Answer(round_.id, bob.id, "vision", 4, None, t2, t2))
    async with storage.transaction() as repo:
        await repo.save_answer(Answer(round_.id, ann.id, "delivery", 2, None, t3, t3))
        await repo.save_answer(Answer(round_.id, ann.id, "vision", None, "unsure", t3, t3))
    async with storage.transaction() as repo:
        mine = await repo.answers(round_.id, ann.id)
        everyone = await repo.answers(round_.id)
    assert mine == [
        Answer(round_.id, ann.id, "vision", None, "unsure", t1, t3),
        Answer(round_.id, ann.id, "delivery", 2, None, t3, t3),
    ]
    assert mine[0].not_sure
    assert [(a.person_id, a.category_id) for a in everyone] == [
        (ann.id, "vision"),
        (bob.id, "vision"),
        (ann.id, "delivery"),
    ]


async def test_other_integrity_errors_are_not_translated(storage: SqlStorage) -> None:
    _, ann, round_ = await _seed(storage)
    with pytest.raises(IntegrityError):  # CHECK level between 1 and 5
        async with storage.transaction() as repo:
            await repo.save_answer(Answer(round_.id, ann.id, "vision", 7, None, T0, T0))
    with pytest.raises(IntegrityError):  # foreign key to rounds
        async with storage.transaction() as repo:
            await repo.add_participation(Participation(round_.id + 99, ann.id, Stage.INVITED))


async def test_database_errors_never_carry_answer_contents(storage: SqlStorage) -> None:
    _, ann, round_ = await _seed(storage)
    secret = "the housing board never reads our reports"
    with pytest.raises(IntegrityError) as caught:
        async with storage.transaction() as repo:
            await repo.save_answer(Answer(round_.id, ann.id, "vision", 7, secret, T0, T0))
    assert secret not in str(caught.value) and secret not in repr(caught.value)


async def test_claim_delivery_twice(storage: SqlStorage) -> None:
    async with storage.transaction() as repo:
        assert await repo.claim_delivery("telegram", "42", T0) is True
        assert await repo.claim_delivery("telegram", "42", T0) is False
        assert await repo.claim_delivery("slack", "42", T0) is True
    async with storage.transaction() as repo:
        assert await repo.claim_delivery("telegram", "42", T0) is False


def test_a_unique_key_race_is_told_by_the_error_code_not_its_words() -> None:
    class Postgres(Exception):
        sqlstate = "23505"

    class SQLite(Exception):
        sqlite_errorcode = 1299  # SQLITE_CONSTRAINT_NOTNULL, in words a reader might misread

    unique = IntegrityError("INSERT ...", {}, Postgres("some words"))
    not_null = IntegrityError("INSERT ...", {}, SQLite("UNIQUE constraint failed"))
    assert isinstance(translate_integrity_error(unique), ConcurrentUpdate)
    assert translate_integrity_error(not_null) is not_null  # a bug, not a race


async def test_concurrent_claims_one_wins(storage: SqlStorage) -> None:
    both_open = asyncio.Barrier(2)

    async def claim() -> bool:
        async with storage.transaction() as repo:
            await repo.person("slack", "nobody")  # both transactions have begun
            await both_open.wait()
            return await repo.claim_delivery("slack", "Ev1", T0)

    results = await asyncio.gather(claim(), claim(), return_exceptions=True)
    outcomes = sorted(str(r) if isinstance(r, bool) else type(r).__name__ for r in results)
    assert outcomes in (["False", "True"], ["ConcurrentUpdate", "True"]), results
    async with storage.engine.connect() as connection:
        rows = (await connection.execute(select(ProcessedDeliveryRow.delivery_id))).all()
    assert len(rows) == 1


async def test_datetimes_come_back_aware_utc(storage: SqlStorage) -> None:
    plus_two = timezone(timedelta(hours=2))
    async with storage.transaction() as repo:
        community = await repo.create_community("Zones", CHAT, True, T0)
        opened = datetime(2026, 3, 2, 11, 0, tzinfo=plus_two)  # 09:00 UTC
        created = await repo.create_round(community.id, "Q", opened, opened, True, RUBRIC)
    async with storage.transaction() as repo:
        loaded = await repo.round_by_id(created.id)
    for value in (created.opened_at, loaded and loaded.opened_at):
        assert isinstance(value, datetime) and value.tzinfo is UTC and value == T0
    with pytest.raises(StatementError, match="naive"):
        async with storage.transaction() as repo:
            await repo.claim_delivery("slack", "naive", datetime(2026, 3, 2, 9, 0))


async def test_active_participations(storage: SqlStorage) -> None:
    _, ann, old = await _seed(storage)
    later = T0 + timedelta(days=1)
    async with storage.transaction() as repo:
        other = await repo.create_community("Other", ChatRef("telegram", "-100"), False, T0)
        new = await repo.create_round(
            other.id, "R", later, later + timedelta(days=7), False, RUBRIC
        )
        third = await repo.create_community("Third", ChatRef("telegram", "-200"), False, T0)
        gone = await repo.create_round(third.id, "Gone", T0, later, False, RUBRIC)
        for round_ in (old, new, gone):
            await repo.add_participation(Participation(round_.id, ann.id, Stage.INVITED))
        await repo.close_round(gone.id, later)
    async with storage.transaction() as repo:
        active = await repo.active_participations(ann.id)
        assert await repo.active_participations(ann.id + 99) == []
    assert [p.round_id for p in active] == [new.id, old.id]


def _assert_plain(value: object) -> None:
    """Only bot.model dataclasses, their containers and primitives; never an ORM row."""
    if value is None or isinstance(value, str | int | float | datetime | enum.Enum):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _assert_plain(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _assert_plain(key)
            _assert_plain(item)
        return
    assert is_dataclass(value) and type(value).__module__ == "bot.model", type(value)
    for field in fields(value):
        _assert_plain(getattr(value, field.name))


class _Checking:
    """Wraps a repository; checks and records what every method returns."""

    def __init__(self, repo: Repository, called: set[str]) -> None:
        self._repo, self._called = repo, called

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repo, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = await method(*args, **kwargs)
            _assert_plain(result)
            self._called.add(name)
            return result

        return call


async def test_no_orm_object_leaves_storage(storage: SqlStorage) -> None:
    called: set[str] = set()
    async with storage.transaction() as raw:
        repo: Any = _Checking(raw, called)
        await repo.claim_delivery("slack", "d1", T0)
        community = await repo.create_community("Leak", CHAT, True, T0)
        await repo.update_community(community)
        await repo.community_by_join_code(community.join_code)
        await repo.add_chat(community.id, ChatRef("telegram", "-100"))
        await repo.move_chat(ChatRef("telegram", "-100"), ChatRef("telegram", "-1009"))
        await repo.create_link_code(community.id, "CODE1", T0)
        await repo.take_link_code("CODE1", T0)
        for lookup in (repo.community_for_chat(CHAT), repo.community_by_name("Leak")):
            await lookup
        await repo.community_by_id(community.id)
        await repo.list_communities()
        person = await repo.upsert_person(PersonRef("slack", "U1", "Ann"))
        await repo.person("slack", "U1")
        await repo.person_by_id(person.id)
        await repo.set_role(community.id, person.id, Role.LEAD)
        await repo.role(community.id, person.id)
        await repo.members(community.id)
        await repo.set_group(community.id, person.id, "Council")
        assert await repo.group_of(community.id, person.id) == "Council"
        await repo.set_role(community.id, person.id, Role.PARTICIPANT)  # keeps the group
        assert await repo.group_of(community.id, person.id) == "Council"
        web = await repo.upsert_person(PersonRef("web", "a1b2", "ana"))
        await repo.set_role(community.id, web.id, Role.PARTICIPANT)
        await repo.set_address(web.id, "ana@example.org")
        await repo.address_of(web.id)
        await repo.person_by_address("web", "ana@example.org")
        await repo.save_link(AccessLink("h1", community.id, T0, web.id))
        await repo.save_link(AccessLink("h2", community.id, T0, address="ben@example.org"))
        await repo.link_by_hash("h1")
        await repo.drop_link("h1")
        assert await repo.prune_join_requests(T0 + timedelta(days=2)) == 1
        await repo.save_board_link(BoardLink(community.id, "b1", "salt1", T0))
        await repo.save_board_link(BoardLink(community.id, "b2", "salt2", T0))  # replaces b1
        assert await repo.board_link_by_hash("b1") is None
        assert (await repo.board_link(community.id)).salt == "salt2"
        assert await repo.board_link_by_hash("b2") is not None
        assert await repo.drop_board_link(community.id)
        assert not await repo.drop_board_link(community.id)
        await repo.remove_member(community.id, web.id)
        round_ = await repo.create_round(community.id, "Q", T0, T0, True, RUBRIC)
        await repo.round_by_id(round_.id)
        await repo.round_by_number(community.id, 1)
        await repo.latest_round(community.id)
        await repo.unclosed_round(community.id)
        participation = Participation(round_.id, person.id, Stage.INVITED)
        await repo.add_participation(participation)
        (bo,) = await repo.upsert_people([PersonRef("slack", "U2", "Bo")])
        await repo.add_members(community.id, [bo.id])
        await repo.add_participations([Participation(round_.id, bo.id, Stage.INVITED)])
        await repo.participation(round_.id, person.id)
        await repo.participations(round_.id)
        await repo.active_participations(person.id)
        await repo.save_participation(participation)
        await repo.save_answer(Answer(round_.id, person.id, "vision", 1, None, T0, T0))
        await repo.answers(round_.id)
        await repo.participant_state(round_.id, "slack", "U1")
        await repo.due_snoozes(T0)
        await repo.overdue_rounds(T0)
        await repo.extend_round(round_.id, T0)
        await repo.set_manual_reminded(round_.id, T0)
        await repo.close_round(round_.id, T0)
        await repo.reopen_round(round_.id, T0 + timedelta(days=1))
        await repo.close_round(round_.id, T0)
        await repo.save_tallies(round_.id, {})
        await repo.closed_rounds(community.id)
        assert await repo.totals() == (1, 0)  # one answer, the round closed
        assert await repo.prune_deliveries(T0 + timedelta(days=8)) == 1
        await repo.save_sign_in(SignInLink("s1", web.id, T0))
        assert await repo.take_sign_in("s1") == SignInLink("s1", web.id, T0)
        assert await repo.take_sign_in("s1") is None  # used up
        await repo.save_session(LeadSession("t1", web.id, T0, T0))
        await repo.touch_session("t1", T0 + timedelta(minutes=5))
        assert (await repo.lead_session("t1")).seen_at == T0 + timedelta(minutes=5)
        await repo.drop_session("t1")
        await repo.save_sign_in(SignInLink("s2", web.id, T0))
        await repo.save_session(LeadSession("t2", web.id, T0, T0))
        assert await repo.prune_access(T0 + timedelta(seconds=1), T0 + timedelta(seconds=1)) == 2
        await repo.add_hit("k", T0)
        assert await repo.count_hits("k", T0 - timedelta(seconds=1)) == 1
        assert await repo.count_hits("k", T0) == 0  # hits after `since` only
        assert await repo.prune_hits(T0 + timedelta(seconds=1)) == 1
        chatless = await repo.create_community("No chat", None, True, T0)
        assert chatless.chats == () and (await repo.community_by_id(chatless.id)).chats == ()
    protocols = (Deliveries, Communities, People, Rounds, Addresses, Access, Boards)
    assert called == {name for p in protocols for name in vars(p) if not name.startswith("_")}


async def test_participant_state_loads_everything_in_one_go(storage: SqlStorage) -> None:
    async with storage.transaction() as repo:
        community = await repo.create_community("State", CHAT, True, T0)
        ann = await repo.upsert_person(PersonRef("slack", "U1", "Ann"))
        bob = await repo.upsert_person(PersonRef("slack", "U2", "Bob"))
        round_ = await repo.create_round(
            community.id, "Q", T0, T0 + timedelta(days=1), True, RUBRIC
        )
        for person in (ann, bob):
            await repo.add_participation(Participation(round_.id, person.id, Stage.ANSWERING))
        await repo.save_answer(Answer(round_.id, ann.id, "vision", 2, "note", T0, T0))
        await repo.save_answer(Answer(round_.id, ann.id, "delivery", None, None, T0, T0))
        await repo.save_answer(Answer(round_.id, bob.id, "vision", 5, None, T0, T0))
    async with storage.transaction() as repo:
        state = await repo.participant_state(round_.id, "slack", "U1")
        fresh = await repo.participant_state(round_.id, "slack", "U2")
        stranger = await repo.participant_state(round_.id, "slack", "U9")
        elsewhere = await repo.participant_state(round_.id + 1, "slack", "U1")
    assert state is not None and fresh is not None
    assert state.person == ann and state.round == round_ and state.round.rubric == RUBRIC
    assert state.participation.stage is Stage.ANSWERING
    assert [(a.category_id, a.level, a.comment) for a in state.answers] == [
        ("vision", 2, "note"),
        ("delivery", None, None),
    ]
    assert [(a.category_id, a.level) for a in fresh.answers] == [("vision", 5)]
    assert stranger is None and elsewhere is None


async def test_join_and_link_codes(storage: SqlStorage) -> None:
    async with storage.transaction() as repo:
        community = await repo.create_community("Codes", CHAT, True, T0)
        other = await repo.create_community("Other", ChatRef("slack", "C02"), True, T0)
        await repo.create_link_code(community.id, "ABCD1234", T0 + timedelta(hours=1))
        await repo.create_link_code(community.id, "OLD00000", T0 - timedelta(seconds=1))
    assert len(community.join_code) == 16 and community.join_code != other.join_code
    async with storage.transaction() as repo:
        found = await repo.community_by_join_code(community.join_code)
        assert found is not None and found.id == community.id
        assert await repo.community_by_join_code("nope") is None
        assert await repo.take_link_code("ABCD1234", T0) == community.id
        assert await repo.take_link_code("ABCD1234", T0) is None  # one use only
        assert await repo.take_link_code("OLD00000", T0) is None  # expired
        await repo.add_chat(community.id, ChatRef("telegram", "-100"))
    async with storage.transaction() as repo:
        linked = await repo.community_for_chat(ChatRef("telegram", "-100"))
        assert linked is not None and linked.chats == (
            ChatRef("slack", "C01"),
            ChatRef("telegram", "-100"),
        )
    with pytest.raises(ConcurrentUpdate):
        async with storage.transaction() as repo:
            await repo.add_chat(other.id, ChatRef("telegram", "-100"))


async def test_outbox_keys_claims_and_the_lease(storage: SqlStorage) -> None:
    card = Outgoing(
        Address("slack", "U1", direct=True),
        "1/9 · Vision",
        (Choice("1:lvl:vision:3", "3", "Partners share it."),),
        replaces="D1:123.4",
    )
    async with storage.transaction() as repo:
        community = await repo.create_community("Outbox", CHAT, True, T0)
        item = OutboxItem("reply:1", OutboxKind.MESSAGE, community.id, T0, message=card)
        await repo.queue([item])
        await repo.queue([item, replace(item, note="again")])  # queued once, whatever happens
    async with storage.transaction() as repo:
        (due,) = await repo.claim_due(T0, 10, "A")
        assert isinstance(due, OutboxItem) and due.message == card and due.claimed_by == "A"
        assert await repo.claim_due(T0, 10, "B") == []  # taken: nobody else sends it
        assert await repo.stale_claims("B", T0, T0, T0) == []  # A may still be sending it
        assert [i.id for i in await repo.stale_claims("A", T0, T0, T0)] == [due.id]  # A restarted
        await repo.finish_outbox(due.id, T0, Outcome.SENT)
        assert await repo.stale_claims("A", T0, T0, T0) == []
        assert await repo.take_lease("scheduler", "A", T0, T0 + timedelta(minutes=1)) is True
        assert await repo.take_lease("scheduler", "B", T0, T0 + timedelta(minutes=1)) is False
        later = T0 + timedelta(minutes=2)
        assert await repo.take_lease("scheduler", "B", later, later + timedelta(minutes=1))


async def test_a_dead_senders_claims_are_taken_over_once_its_heartbeat_stops(
    storage: SqlStorage,
) -> None:
    """A replica killed mid-opening leaves claimed invitations behind: another sends them a
    minute after its heartbeat stops, not ten minutes later; while it beats, they are its own."""
    note = Outgoing(Address("slack", "U1", direct=True), "Hello")
    minute = timedelta(minutes=1)
    async with storage.transaction() as repo:
        community = await repo.create_community("Beat", CHAT, True, T0)
        await repo.queue(
            [OutboxItem("reply:1", OutboxKind.MESSAGE, community.id, T0, message=note)]
        )
    async with storage.transaction() as repo:
        assert await repo.take_lease(heartbeat("A"), "A", T0, T0 + minute)
        (claimed,) = await repo.claim_due(T0, 10, "A")

    async def stale_for_b(now: datetime) -> list[int]:
        async with storage.transaction() as repo:
            found = await repo.stale_claims("B", now - 10 * minute, now - minute, now)
            return [item.id for item in found]

    assert await stale_for_b(T0 + minute / 2) == []  # A is sending it
    async with storage.transaction() as repo:  # A's next batch: still alive
        assert await repo.take_lease(heartbeat("A"), "A", T0 + minute, T0 + 2 * minute)
    assert await stale_for_b(T0 + 90 * minute / 60) == []
    assert await stale_for_b(T0 + 2 * minute + minute / 60) == [claimed.id]  # A went silent
    async with storage.transaction() as repo:
        assert await repo.prune_leases(T0 + 3 * minute) == 1  # its heartbeat is forgotten
        assert await repo.lease_holder(heartbeat("A"), T0) is None


async def test_the_sender_is_woken_after_a_commit_that_queued_and_only_then(
    storage: SqlStorage,
) -> None:
    """Messages queued are sent as soon as they are committed, and an answer that queues
    nothing (a web page shows its own replies) costs the sender no pass over the outbox."""
    wakes: list[str] = []
    storage.on_queued(lambda: wakes.append("woken"))
    note = Outgoing(Address("slack", "U1", direct=True), "Thanks")
    async with storage.transaction() as repo:
        community = await repo.create_community("Wake", CHAT, True, T0)
    assert wakes == []  # nothing queued
    with pytest.raises(RuntimeError):
        async with storage.transaction() as repo:
            await repo.queue(
                [OutboxItem("reply:1", OutboxKind.MESSAGE, community.id, T0, message=note)]
            )
            raise RuntimeError("rolled back")
    assert wakes == []  # nothing committed, nothing to send
    async with storage.transaction() as repo:
        await repo.queue(
            [OutboxItem("reply:2", OutboxKind.MESSAGE, community.id, T0, message=note)]
        )
        assert wakes == []  # not before the commit: the sender would not see it yet
    assert wakes == ["woken"]


class HandOver:
    """A running sender as the storage sees it (bot.ports.Courier): what it was handed."""

    holder = "A"

    def __init__(self) -> None:
        self.held: set[int] = set()
        self.taken: list[OutboxItem] = []

    def serves(self, item: OutboxItem) -> bool:
        return item.message is not None and item.message.to.direct

    def hold(self, item_ids: Sequence[int]) -> None:
        self.held.update(item_ids)

    def take(self, items: Sequence[OutboxItem]) -> None:
        self.taken.extend(items)

    def drop(self, item_ids: Sequence[int]) -> None:
        self.held.difference_update(item_ids)


async def test_replies_go_to_the_running_sender_claimed_and_only_after_the_commit(
    storage: SqlStorage,
) -> None:
    """A running sender gets an event's direct replies in hand, already claimed (no pass over
    the outbox to claim them), once they are committed; a crash before it sends them leaves
    them claimed, and they are sent again at the restart. Posts still go through the outbox,
    and with no sender running (the console) nothing is handed over."""
    courier, wakes = HandOver(), []
    storage.hand_to(courier)
    storage.on_queued(lambda: wakes.append("woken"))
    dm = Outgoing(Address("slack", "U1", direct=True), "✓ Vision: 3")
    post = Outgoing(Address("slack", "C1"), "Round 1 is open")
    async with storage.transaction() as repo:
        community = await repo.create_community("Hand", CHAT, True, T0)
    with pytest.raises(RuntimeError):
        async with storage.transaction() as repo:
            await repo.queue([OutboxItem("reply:0", OutboxKind.MESSAGE, None, T0, message=dm)])
            assert courier.held  # in its hands: no stale claim to take back meanwhile
            raise RuntimeError("rolled back")
    assert courier.taken == [] and courier.held == set() and wakes == []
    async with storage.transaction() as repo:
        await repo.queue(
            [
                OutboxItem("reply:1", OutboxKind.MESSAGE, None, T0, message=dm),
                OutboxItem("post:1", OutboxKind.MESSAGE, community.id, T0, message=post),
            ]
        )
        assert courier.taken == []  # not before the commit
    (handed,) = courier.taken
    assert handed.message == dm and handed.claimed_by == "A" and handed.id in courier.held
    assert wakes == ["woken"]  # the post waits in the outbox for a pass
    async with storage.transaction() as repo:
        (claimed,) = await repo.claim_due(T0, 10, "B")
        assert claimed.message == post  # the reply is A's: nobody else sends it
        # A dies before sending it: at its restart the claim is its own, left behind.
        assert [i.id for i in await repo.stale_claims("A", T0, T0, T0)] == [handed.id]
    storage.hand_to(None)  # no sender running
    async with storage.transaction() as repo:
        await repo.queue([OutboxItem("reply:2", OutboxKind.MESSAGE, None, T0, message=dm)])
    assert len(courier.taken) == 1
    async with storage.transaction() as repo:
        (waiting,) = await repo.claim_due(T0, 10, "B")
        assert waiting.key == "reply:2"


async def test_a_running_sender_sends_an_answers_replies_without_claiming_them(
    storage: SqlStorage,
) -> None:
    """The replies reach the person, and are recorded as sent in one statement, with no
    transaction of the sender's to claim them."""
    sent = Recorder()
    sender = OutboxSender(storage, FakeClock(T0), sent, "A")
    statements: list[str] = []
    sqlalchemy_event.listen(
        storage.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: statements.append(statement),
    )
    running = asyncio.create_task(sender.run())
    for _ in range(5000):  # its first pass over the outbox, then it waits (and takes hand-overs)
        if any("min(outbox.due_at)" in statement for statement in statements):
            break
        await asyncio.sleep(0.001)
    statements.clear()
    replies = [DM_REPLY, replace(DM_REPLY, text="2/9 · Leadership")]
    async with storage.transaction() as repo:
        await repo.queue(
            [
                OutboxItem(f"reply:{n}", OutboxKind.MESSAGE, None, T0, message=message)
                for n, message in enumerate(replies)
            ]
        )
    for _ in range(5000):
        if len(sent.sent) == 2 and len(statements) == 2:
            break
        await asyncio.sleep(0.001)
    sender.stop_soon()
    await running
    assert sent.sent == replies  # in order
    # Stored claimed, then recorded in one statement: no claim of the sender's in between.
    assert [s.split("(")[0].split(" SET ")[0] for s in statements] == [
        "INSERT INTO outbox ",
        "UPDATE outbox",
    ], statements
    async with storage.transaction() as repo:
        assert await repo.claim_due(T0, 10, "B") == []
        assert await repo.stale_claims("A", T0, T0, T0) == []  # all recorded


async def test_two_communities_opening_at_once_take_turns_in_the_outbox(
    storage: SqlStorage,
) -> None:
    """A 300-person opening queued a moment before a 10-person one does not hold it back:
    the small community's invitations all go in the first batch, beside the big one's."""
    async with storage.transaction() as repo:
        big = await repo.create_community("Big", CHAT, True, T0)
        small = await repo.create_community("Small", ChatRef("slack", "C02"), True, T0)

        def invitations(community: Community, people: int, at: datetime) -> list[OutboxItem]:
            return [
                OutboxItem(
                    f"invite:{community.id}:{n}",
                    OutboxKind.MESSAGE,
                    community.id,
                    at,
                    message=Outgoing(Address("slack", f"U{community.id}-{n}", True), "Hi"),
                )
                for n in range(people)
            ]

        await repo.queue(invitations(big, 300, T0))
        await repo.queue(invitations(small, 10, T0 + timedelta(seconds=1)))
    later = T0 + timedelta(minutes=1)
    async with storage.transaction() as repo:
        first = await repo.claim_due(later, 50, "A")
        second = await repo.claim_due(later, 50, "B")
    assert len(first) == len(second) == 50
    assert sum(item.community_id == small.id for item in first) == 10
    assert sum(item.community_id == big.id for item in first) == 40
    mine = [_to(item) for item in first if item.community_id == big.id]
    assert mine == [f"U{big.id}-{n}" for n in range(40)]  # each community's in the order queued
    assert [_to(item) for item in second] == [f"U{big.id}-{n}" for n in range(40, 90)]


def _to(item: OutboxItem) -> str:
    assert item.message is not None
    return item.message.to.chat_id


async def test_an_owed_message_keeps_why_it_is_sent_and_what_it_is_about(
    storage: SqlStorage,
) -> None:
    async with storage.transaction() as repo:
        community = await repo.create_community("Notes", CHAT, True, T0)
        note = Outgoing(
            Address("web", "w1", direct=True),
            "A reminder: the action you own",
            purpose=Purpose.ACTION,
            community_id=community.id,
        )
        await repo.queue(
            [OutboxItem("reply:9", OutboxKind.MESSAGE, community.id, T0, message=note)]
        )
    async with storage.transaction() as repo:
        (due,) = await repo.claim_due(T0, 10, "A")
    assert due.message == note  # the web channel emails it by its purpose, from its community


async def test_a_platforms_timezone_is_kept(storage: SqlStorage) -> None:
    async with storage.transaction() as repo:
        first = await repo.upsert_person(PersonRef("slack", "U7", "Tz"))
        assert first.timezone == "UTC"  # unknown: the community's timezone applies
        moved = await repo.upsert_person(PersonRef("slack", "U7", "", "America/Los_Angeles"))
        kept = await repo.upsert_person(PersonRef("slack", "U7", "Tz"))
    assert moved.timezone == kept.timezone == "America/Los_Angeles"


async def test_priorities_are_kept_with_the_participation_and_the_round_keeps_its_setting(
    storage: SqlStorage,
) -> None:
    community, person, round_ = await _seed(storage)
    assert community.priorities and round_.priorities  # on by default
    picked = Participation(round_.id, person.id, Stage.PRIORITIES, priorities=("delivery",))
    async with storage.transaction() as repo:
        await repo.add_participation(picked)
        saved = await repo.save_participation(replace(picked, priorities=("delivery", "vision")))
        await repo.update_community(replace(community, priorities=False))
    async with storage.transaction() as repo:
        assert await repo.participation(round_.id, person.id) == saved
        assert saved.priorities == ("delivery", "vision")
        state = await repo.participant_state(round_.id, "slack", "U1")
        assert state is not None and state.participation == saved
        assert await repo.participations(round_.id) == [saved]
        changed = await repo.community_by_id(community.id)
        assert changed is not None and not changed.priorities
        await repo.close_round(round_.id, T0)
        later = await repo.create_round(community.id, "Q2", T0, T0, True, RUBRIC, priorities=False)
        assert not later.priorities
        assert (await repo.round_by_id(round_.id)) == replace(round_, closed_at=T0)


async def test_actions_are_numbered_per_community_and_outlive_a_forgotten_owner(
    storage: SqlStorage,
) -> None:
    community, ann, _ = await _seed(storage)
    async with storage.transaction() as repo:
        other = await repo.create_community("Other", ChatRef("slack", "C02"), True, T0)
        first = await repo.add_action(
            community.id, "vision", "Write it down", T0, owner_person_id=ann.id
        )
        second = await repo.add_action(
            community.id,
            "delivery",
            "Ask the clinics",
            T0,
            owner_name="Dr Jo",
            due=date(2027, 2, 1),
        )
        elsewhere = await repo.add_action(other.id, "vision", "Elsewhere", T0)
        await repo.queue(
            [
                OutboxItem(
                    "action-due:x",
                    OutboxKind.ACTION_DUE,
                    community.id,
                    T0,
                    None,
                    person_id=ann.id,
                    action_id=first.id,
                )
            ]
        )
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.owner_name == "Ann" and first.status is ActionStatus.OPEN and first.due is None
    assert (second.owner_person_id, second.owner_name, second.due) == (
        None,
        "Dr Jo",
        date(2027, 2, 1),
    )
    assert not elsewhere.has_owner
    async with storage.transaction() as repo:
        await repo.set_action_status(second.id, ActionStatus.DONE, T0 + timedelta(days=3))
        assert await repo.action_by_number(community.id, 2) == replace(
            second, status=ActionStatus.DONE, status_at=T0 + timedelta(days=3)
        )
        assert await repo.action_by_number(community.id, 3) is None
        assert [a.number for a in await repo.actions(community.id)] == [1, 2]
        assert await repo.actions_owned_by(ann.id) == [first]
        (reminder,) = await repo.claim_due(T0, 10, "me")
        assert reminder.action_id == first.id and reminder.kind is OutboxKind.ACTION_DUE
        await repo.forget_person(ann.id)
    async with storage.transaction() as repo:
        kept = await repo.action_by_id(first.id)
        assert kept == replace(first, owner_person_id=None, owner_name="")
        assert await repo.next_due_at() is None  # the owner's reminder went with them
