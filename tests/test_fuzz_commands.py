"""Every lead command's arguments, fuzzed through the real bot on a real database: whatever a
lead types, a clear answer (never the "something went wrong" apology), and when the answer is a
refusal or only shows something (a reply only the lead sees), the database is unchanged.

The examples Hypothesis found are kept as @example: each broke a command once.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support import World, answer_all, make_world, stored_rows
from test_fuzz_parsers import CADENCE_WORDS, OPEN_WORDS, words

from bot.app import SORRY
from bot.commands.parser import parse_command
from bot.ports import Storage
from bot.rounds.lifecycle import close_round

SAYING = frozenset({"outbox", "processed_deliveries"})
# Each example runs a command and reads the whole database twice: fewer of them.
ON_A_DATABASE = settings(max_examples=max(10, settings.default.max_examples // 4))


@pytest.fixture
async def community(storage: Storage) -> World:
    """Riverside, led by lead, with alice, bob and carol; round 1 closed, so a summary exists.
    Every example of a test runs on it, each compared with the database just before it."""
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    for name in ("lead", "alice", "bob"):
        await answer_all(world, name, ["3"] * 9)
    async with storage.transaction() as repo:  # closed as /round close does, without its chart
        round_ = await repo.unclosed_round(1)
        community = await repo.community_by_id(1)
        assert round_ is not None and community is not None
        await close_round(repo, community, round_, world.clock.now())
    await world.assembly.drain()  # its summary posted now, not during the first example
    return world


async def kept(storage: Storage) -> dict[str, list[tuple[object, ...]]]:
    """What the database holds, but for the record of what was said (outbox rows, delivery
    ids): a refusal is said, and changes nothing else."""
    rows = await stored_rows(storage)
    return {table: found for table, found in rows.items() if table not in SAYING}


async def check(world: World, sub: str, args: str, changes: bool = True) -> None:
    """`/round sub args` gets a clear answer; a reply only the lead sees changes nothing (and
    nothing ever changes when `changes` is False)."""
    before = await kept(world.storage)
    replies = await world.command("lead", f"/round {sub} {args}")
    after = await kept(world.storage)
    assert replies, f"/round {sub} {args!r}: no answer"
    for reply in replies:
        assert reply.text.strip() and reply.text != SORRY, f"/round {sub} {args!r}: {reply.text}"
    only_the_lead_sees = all(reply.private_to == "LEAD" for reply in replies)
    if only_the_lead_sees or not changes:
        assert after == before, f"/round {sub} {args!r} changed the database: {replies[0].text}"


SETTINGS_WORDS = ("anonymous", "min_responses", "on", "off", "3", "11", "²", "yes", "\n")
LEADS_WORDS = ("add", "remove", "test:ALICE", "test:NOBODY", "@alice", "alice", "slack:", ":")
SUMMARY_WORDS = ("#", "1", "2", "#1", "²", "latest", "0", "999999999", "9" * 12)


@ON_A_DATABASE
@given(st.one_of(st.text(max_size=40), words(*SETTINGS_WORDS)))
@example("min_responses ²")  # the parser's str.isdigit() let "²" through to int()
async def test_settings(community: World, args: str) -> None:
    await check(community, "settings", args)


@ON_A_DATABASE
@given(st.one_of(st.text(max_size=40), words(*LEADS_WORDS)))
@example("remove test:NOBODY")  # refused as "not a lead", yet stored a person called NOBODY
async def test_leads(community: World, args: str) -> None:
    await check(community, "leads", args)


@ON_A_DATABASE
@given(st.one_of(st.text(max_size=20), words(*SUMMARY_WORDS)))
@example("²")  # a digit to str.isdigit(), not to int()
async def test_summary(community: World, args: str) -> None:
    await check(community, "summary", args, changes=False)


ACTION_WORDS = (
    "add",
    "done",
    "drop",
    "finance",
    "6",
    "vision",
    "Pool the budgets",
    "owner",
    "due",
    "2027-02-01",
    "9999-12-31",
    "test:ALICE",
    "test:NOBODY",
    "@alice",
    "#1",
    "²",
    "\n",
)


@ON_A_DATABASE
@given(st.one_of(st.text(max_size=60), words(*ACTION_WORDS)))
@example("add finance Pool the budgets owner test:NOBODY")  # nobody new is stored for an id
@example("done ²")
@example("add finance Pool the budgets due 9999-12-31")
async def test_action(community: World, args: str) -> None:
    await check(community, "action", args)


@ON_A_DATABASE
@given(st.one_of(st.text(max_size=20), words(*SUMMARY_WORDS)))
async def test_debrief_and_actions(community: World, args: str) -> None:
    await check(community, "debrief", args, changes=False)
    await check(community, "actions", args, changes=False)


@ON_A_DATABASE
@given(st.one_of(st.text(max_size=40), words(*CADENCE_WORDS, "off")))
async def test_schedule(community: World, args: str) -> None:
    await check(community, "schedule", args)


@ON_A_DATABASE
@given(st.one_of(st.text(max_size=40), words(*OPEN_WORDS)))
@example("until 9999-12-31")  # the closing moment overflowed datetime
async def test_open(community: World, args: str) -> None:
    await check(community, "open", args)


@ON_A_DATABASE
@given(st.text(min_size=1, max_size=30).filter(str.strip))
async def test_link_with_a_code_in_a_community(community: World, args: str) -> None:
    await check(community, "link", args, changes=False)


@ON_A_DATABASE
@given(st.text(max_size=12), st.text(max_size=30))
@example(" link", "")  # the one private reply that stores something: a one-time link code
@example("@bot summary", "²")
async def test_any_command_at_all(community: World, sub: str, args: str) -> None:
    text = f"/round{sub} {args}"
    before = await kept(community.storage)
    replies = await community.command("lead", text)
    assert all(reply.text.strip() and reply.text != SORRY for reply in replies), text
    command = parse_command(text)
    gives_a_code = command is not None and command.sub == "link" and not command.args
    if all(reply.private_to == "LEAD" for reply in replies) and not gives_a_code:
        assert await kept(community.storage) == before, text
