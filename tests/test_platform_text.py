"""Text from a platform is cleaned and bounded before it is kept: people's names and time
zones, community names and round titles (bot/platform_text.py), with storage clipping to its
columns as the last guard, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import ROOT, World, make_world, texts

from bot.messages import Address, IncomingText
from bot.model import PersonRef
from bot.platform_text import (
    COMMUNITY_NAME_CHARS,
    PERSON_NAME_CHARS,
    known_timezone,
    one_line,
)
from bot.ports import Storage
from bot.rubric.loader import load_rubric

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# What people put in profiles and command lines: a right-to-left override, zero-width
# characters, a byte order mark, line breaks, tabs and control characters.
TRICKY = "\u202eRiver\u200bside\ufeff\n\tPartners\x07\u2066 \u2069"


def test_one_line_drops_invisible_and_control_characters_and_joins_lines() -> None:
    assert one_line(TRICKY) == "Riverside Partners"
    assert one_line("  Anna\u00a0\u2028Lee  ") == "Anna Lee"
    assert one_line("\u3164\u115f \u2800") == ""  # "blank" letters make a name look empty
    assert one_line("Cafe\u0301") == "Café"  # one way of writing é: names compare equal
    assert one_line("\ud800Lone surrogate") == "Lone surrogate"  # no database stores it


def test_one_line_clips_with_an_ellipsis() -> None:
    assert one_line("x" * 500, 80) == "x" * 79 + "…"
    assert one_line("Short", 80) == "Short"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Europe/London", "Europe/London"),
        ("Mars/Olympus_Mons", ""),
        ("../../etc/passwd", ""),
        ("", ""),
        ("A" * 200, ""),
    ],
)
def test_only_time_zones_this_machine_knows_are_kept(given: str, kept: str) -> None:
    assert known_timezone(given) == kept


def test_a_person_reference_cleans_itself() -> None:
    ref = PersonRef("slack", "U1", "\u202eA" + "n" * 400 + "\n", "Mars/Olympus_Mons")
    assert len(ref.display_name) == PERSON_NAME_CHARS and "\u202e" not in ref.display_name
    assert ref.timezone == ""


async def test_storage_clips_text_to_its_columns_as_the_last_guard(storage: Storage) -> None:
    """PostgreSQL refuses a value longer than its column where SQLite keeps it; storage
    clips, so one long text never fails a whole transaction."""
    rubric = load_rubric(ROOT / "rubric.toml")
    async with storage.transaction() as repo:
        community = await repo.create_community("C" * 500, Address("t", "1").chat, True, NOW)
        round_ = await repo.create_round(
            community.id, "T" * 500, NOW, NOW + timedelta(days=1), True, rubric
        )
        person = await repo.upsert_person(PersonRef("t", "U1", "N" * 500))
    async with storage.transaction() as repo:
        kept = await repo.community_by_id(community.id)
        kept_round = await repo.round_by_id(round_.id)
        kept_person = await repo.person_by_id(person.id)
    assert kept is not None and kept.name == "C" * 199 + "…"
    assert kept_round is not None and kept_round.title == "T" * 199 + "…"
    assert kept_person is not None and kept_person.display_name == "N" * 119 + "…"


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice")
    return world


async def setup_in(world: World, text: str, title: str, chat: str = "C1") -> str:
    who = PersonRef("test", "LEAD", "Lead")
    event = IncomingText(who, Address("test", chat), text, chat_title=title)
    return texts(await world.event(event))


async def test_community_names_and_round_titles_are_cleaned(world: World) -> None:
    reply = await setup_in(world, f"/round setup {TRICKY}", "general")
    assert reply.startswith("Riverside Partners is set up")
    opened = await world.command("lead", "/round open \u202eSpring\u200b 2027\n")
    invitation = next(m for m in opened if m.to.chat_id == "ALICE")
    assert "Riverside Partners is running" in invitation.text
    assert "*Spring 2027*" in invitation.text
    for message in opened:
        assert not any(c in message.text for c in "\u202e\u200b\t")


async def test_a_community_set_up_without_a_name_is_called_after_its_chat(world: World) -> None:
    assert (await setup_in(world, "/round setup", "Riverside partners")).startswith(
        "Riverside partners is set up"
    )
    # Another chat with the same title gets a number; an invisible name counts as none.
    again = await setup_in(world, "/round setup \u200b\u202e", "Riverside partners", "C2")
    assert again.startswith("Riverside partners 2 is set up")
    untitled = await setup_in(world, "/round setup", "\u3164", "C3")
    assert "Give the community a name: /round setup <name>" in untitled
    long_title = await setup_in(world, "/round setup", "#" * 300, "C4")
    assert long_title.startswith("#" * (COMMUNITY_NAME_CHARS - 1) + "… is set up")
    too_long = await setup_in(world, "/round setup " + "n" * 81, "ok", "C5")
    assert "under 80 characters" in too_long
    taken = await setup_in(world, "/round setup Riverside partners", "ok", "C6")
    assert "already a community called Riverside partners" in taken
