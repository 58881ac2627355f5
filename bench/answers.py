"""Answers recorded per second through engine + storage, next to a plain commit loop.

For each database (SQLite in WAL mode, and PostgreSQL from TEST_DATABASE_URL or the local
default) it measures, in the same run:
  * plain:  INSERT one row + COMMIT, in a loop, through the same async driver;
  * bot:    participants pressing level buttons, each press a full event through the bot
            (delivery id claimed, choice checked, answer and position stored, one transaction).
and prints both rates and their ratio (target: bot >= 0.25 x plain).

    .venv/bin/python bench/answers.py [--participants 40] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlalchemy import text  # noqa: E402
from support import Recorder, TestPlatform  # noqa: E402

from adapters.assembly import ONE_OFF, assemble  # noqa: E402
from adapters.platform import AdapterContext, PlatformAdapter  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.messages import Address, IncomingChoice, IncomingText  # noqa: E402
from bot.model import ChatRef, PersonRef  # noqa: E402
from bot.roster import Roster  # noqa: E402
from storage.database import make_engine  # noqa: E402

TARGET = 0.25
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


async def bot_answer_rate(url: str, participants: int) -> tuple[float, int]:
    """Everyone answers all nine cards by pressing buttons; returns (answers/s, answers)."""
    people = [PersonRef("test", f"U{i}", f"Person {i}") for i in range(participants)]
    settings = Settings(url, ROOT / "rubric.toml")

    sent = Recorder()

    def platform(_context: AdapterContext) -> list[PlatformAdapter]:
        return [TestPlatform("test", Directory(people), sent)]

    assembly = await assemble(settings, parts=ONE_OFF, adapters=platform)
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
    answers = 0
    started = time.perf_counter()
    for step in range(9):
        for person in people:
            card = cards[person.user_id]
            level = card.choices[step % 5].id
            event = IncomingChoice(
                person, Address.dm(person), level, "m", f"a-{person.user_id}-{step}"
            )
            out = (await bot.handle(event)).replies  # stored with its answer, for the outbox
            assert out and out[0].text.startswith("✓"), out
            cards[person.user_id] = out[-1]
            answers += 1
    elapsed = time.perf_counter() - started
    await assembly.stop()
    return answers / elapsed, answers


async def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def measure(name: str, url: str, participants: int) -> None:
    bot_rate, answers = await bot_answer_rate(url, participants)
    plain_rate = await plain_commit_rate(url, answers)
    ratio = bot_rate / plain_rate
    verdict = "ok" if ratio >= TARGET else f"BELOW TARGET {TARGET}"
    print(
        f"{name:9} bot {bot_rate:8.1f} answers/s ({answers} answers) | plain commit loop "
        f"{plain_rate:8.1f} rows/s | ratio {ratio:.2f} ({verdict})"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    if args.only != "postgres":
        with tempfile.TemporaryDirectory() as folder:
            await measure("sqlite", f"sqlite:///{folder}/bench.db", args.participants)
    if args.only != "sqlite":
        url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
        await reset_postgres(url)
        await measure("postgres", url, args.participants)


if __name__ == "__main__":
    asyncio.run(main())
