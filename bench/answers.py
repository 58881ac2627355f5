"""Answers recorded per second through engine + storage, next to a plain commit loop.

For each database (SQLite in WAL mode, and PostgreSQL from TEST_DATABASE_URL or the local
default) it measures, in the same run:
  * plain:  INSERT one row + COMMIT, in a loop, through the same async driver;
  * bot:    participants pressing level buttons, each press a full event through the bot
            (delivery id claimed, choice checked, answer and position stored, one transaction).
and prints both rates and their ratio (targets: 0.30 on SQLite, 0.25 on PostgreSQL). The bot's
time includes its outbox sender sending every reply (to a recording platform), as in a running
bot; --no-sender leaves the replies in the outbox (the answer's transaction alone).

It also prints, per answer, the CPU milliseconds this process spent (the bot and its sender:
this holds on a loaded machine, where the rates do not) and the SQL statements and commits run.
--profile prints where an answer's time goes by layer (the core, storage, the ORM, the driver,
the sender) and writes the full cProfile summary to /tmp/bench-answers-<db>.prof.txt; --sql-log
prints the statements of one answer (and of the sending of its replies).

    .venv/bin/python bench/answers.py [--participants 100] [--only sqlite|postgres] [--runs 3]
        [--no-sender] [--profile] [--sql-log]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from measure import CpuMeter, StatementCounter, profiled  # noqa: E402
from sqlalchemy import text  # noqa: E402
from support import Recorder, TestPlatform  # noqa: E402

from adapters.assembly import ONE_OFF, assemble  # noqa: E402
from adapters.platform import AdapterContext, PlatformAdapter  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.messages import Address, IncomingChoice, IncomingText  # noqa: E402
from bot.model import ChatRef, PersonRef  # noqa: E402
from bot.roster import Roster  # noqa: E402
from storage.database import make_engine  # noqa: E402

TARGETS = {"sqlite": 0.30, "postgres": 0.25}
CHANNEL = Address("test", "C1")


class Directory:
    def __init__(self, people: list[PersonRef]) -> None:
        self.people = people

    async def members(self, chat: ChatRef) -> Roster:
        return Roster(tuple(self.people))

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        return next((p for p in self.people if p.user_id == user_id), None)


async def plain_commit_rate(url: str, rows: int) -> float:
    """INSERT one row and COMMIT, rows times, on a fresh table."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS bench_plain"))
        await conn.execute(text("CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, v TEXT)"))
    started = time.perf_counter()
    async with engine.connect() as conn:
        for i in range(rows):
            await conn.execute(text("INSERT INTO bench_plain (id, v) VALUES (:i, 'x')"), {"i": i})
            await conn.commit()
    elapsed = time.perf_counter() - started
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_plain"))
    await engine.dispose()
    return rows / elapsed


@dataclass
class Options:
    participants: int
    sender: bool
    profile: bool
    sql_log: bool


@dataclass
class BotRun:
    rate: float  # answers a second, replies sent (unless no sender)
    answers: int
    cpu_ms: float  # per answer
    statements: float  # per answer
    commits: float  # per answer


async def bot_answer_rate(name: str, url: str, options: Options) -> BotRun:
    """Everyone answers all nine cards by pressing buttons; the sender sends the replies."""
    people = [PersonRef("test", f"U{i}", f"Person {i}") for i in range(options.participants)]
    settings = Settings(url, ROOT / "rubric.toml")

    sent = Recorder()

    def platform(_context: AdapterContext) -> list[PlatformAdapter]:
        return [TestPlatform("test", Directory(people), sent)]

    assembly = await assemble(settings, parts=ONE_OFF, adapters=platform)
    counter = StatementCounter().attach(assembly.storage.engine)
    bot = assembly.bot
    lead = people[0]
    await bot.handle(IncomingText(lead, CHANNEL, "/round setup Bench"))
    await bot.handle(IncomingText(lead, CHANNEL, "/round open Bench round"))
    await assembly.drain()  # the invitations, sent from the outbox
    invitations = {m.to.chat_id: m for m in sent.sent if m.to.direct and m.choices}
    cards = {}
    for person in people:
        start = invitations[person.user_id].choices[0].id
        handled = await bot.handle(
            IncomingChoice(person, Address.dm(person), start, "m0", f"s-{person.user_id}")
        )
        cards[person.user_id] = handled.replies[-1]
    await assembly.drain()
    sending = asyncio.create_task(assembly.outbox.run()) if options.sender else None
    await asyncio.sleep(0.2)  # the sender's first look (claims left behind) is done
    expected = len(sent.sent)
    if options.sql_log:  # one answer, and the sending of its replies, statement by statement
        counter.log = []
    answers = 0
    cpu = CpuMeter()
    profile = Path(tempfile.gettempdir(), f"bench-answers-{name}.prof.txt")
    with counter.counted(), profiled(profile, 9 * len(people), "answer", enabled=options.profile):
        started = time.perf_counter()
        cpu.start()
        for step in range(9):
            for person in people:
                card = cards[person.user_id]
                level = card.choices[step % 5].id
                event = IncomingChoice(
                    person, Address.dm(person), level, "m", f"a-{person.user_id}-{step}"
                )
                out = (await bot.handle(event)).replies
                assert out and out[0].text.startswith("✓"), out
                cards[person.user_id] = out[-1]
                answers += 1
                expected += len(out)
                if counter.log is not None and answers == 1:
                    await _sent(sent, expected, options.sender)
                    await asyncio.sleep(0.05)  # and recorded
                    print("  the SQL of one answer (and of sending its replies):")
                    for line in counter.log:
                        print(f"    {line[:160]}")
                    counter.log = None
        await _sent(sent, expected, options.sender)  # every reply sent
        elapsed = time.perf_counter() - started
        cpu_ms = cpu.stop()
    if sending is not None:
        assembly.outbox.stop_soon()
        await sending
    await assembly.stop()
    return BotRun(
        answers / elapsed,
        answers,
        cpu_ms / answers,
        counter.statements / answers,
        counter.commits / answers,
    )


async def _sent(sent: Recorder, expected: int, sender: bool) -> None:
    """Wait until the sender has sent every reply so far."""
    while sender and len(sent.sent) < expected:  # noqa: ASYNC110 (the tests' recorder)
        await asyncio.sleep(0.001)


async def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def measure(name: str, url: str, options: Options) -> float:
    run = await bot_answer_rate(name, url, options)
    plain_rate = await plain_commit_rate(url, run.answers)
    ratio = run.rate / plain_rate
    target = TARGETS[name]
    verdict = "ok" if ratio >= target else f"BELOW TARGET {target}"
    print(
        f"{name:9} bot {run.rate:8.1f} answers/s ({run.answers} answers"
        f"{', replies sent' if options.sender else ', no sender'}) | plain commit loop "
        f"{plain_rate:8.1f} rows/s | ratio {ratio:.2f} ({verdict}) | per answer: "
        f"{run.cpu_ms:.2f} CPU ms, {run.statements:.1f} statements + {run.commits:.1f} commits",
        flush=True,
    )
    return ratio


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--runs", type=int, default=1, help="measure this many times")
    parser.add_argument("--no-sender", action="store_true", help="leave replies in the outbox")
    parser.add_argument("--profile", action="store_true", help="cProfile, grouped by layer")
    parser.add_argument("--sql-log", action="store_true", help="print one answer's SQL")
    args = parser.parse_args()
    options = Options(args.participants, not args.no_sender, args.profile, args.sql_log)
    logging.basicConfig(level=logging.WARNING)
    for _ in range(args.runs):
        if args.only != "postgres":
            with tempfile.TemporaryDirectory() as folder:
                await measure("sqlite", f"sqlite:///{folder}/bench.db", options)
        if args.only != "sqlite":
            url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
            await reset_postgres(url)
            await measure("postgres", url, options)
        options.sql_log = options.profile = False  # the first run only


if __name__ == "__main__":
    asyncio.run(main())
