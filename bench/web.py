"""How fast the web pages answer while a crowd answers a round in their browsers.

The bot runs in a child process, wired as `maturity-bot run` wires it (the one assembly, the
web adapter on its HTTP server, a real SMTP server on loopback for the invitations). This
process sets up a community with N people added by email and an open round, then all N answer
at once over real HTTP, as a browser without JavaScript does: open the page, press Start, and
for each of the nine cards post a level (a form with its nonce and CSRF token) and follow the
redirect to the next card; then Submit. Time to first byte is the time from sending a request
to its response's status line and headers.

Each person reads a card for about --think seconds (default 8; 0 for a crowd pressing as fast
as it can, which measures throughput rather than what a person waits).

Targets: p99 under 50 ms for a card page and for a submitted choice (SQLite); a card page and
its stylesheet under 30 KB together, with no script.

    .venv/bin/python bench/web.py [--participants 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import aiohttp  # noqa: E402
from web_world import Page, free_port, smtp_settings  # noqa: E402

from adapters.assembly import ONE_OFF, Parts, assembled  # noqa: E402
from adapters.web.mailbox import Mailbox  # noqa: E402
from adapters.web.pages import CSS_URL  # noqa: E402
from bot.access.links import mint_link  # noqa: E402
from bot.commands.people import add_people  # noqa: E402
from bot.commands.requests import EmailEntry  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.ports import SystemClock  # noqa: E402
from bot.rounds.lifecycle import open_round  # noqa: E402

TARGET_P99_MS = 50.0
TARGET_WEIGHT = 30 * 1024
LEVELS = ["Level 1", "Level 2", "Level 3", "Level 4", "Level 5"]


def settings_for(database_url: str, port: int, smtp_port: int) -> Settings:
    mailbox = Mailbox(port=smtp_port)
    web = smtp_settings(mailbox, f"http://127.0.0.1:{port}")
    return Settings(
        database_url, ROOT / "rubric.toml", host="127.0.0.1", port=port, platforms=(web,)
    )


async def serve(database_url: str, port: int) -> None:
    """The child: the bot with the web, and its mail server, until stdin closes."""
    logging.basicConfig(level=logging.WARNING)
    mailbox = Mailbox()
    await mailbox.start()
    settings = settings_for(database_url, port, mailbox.port)
    async with assembled(settings, parts=Parts(scheduler=False)) as bot:
        await bot.drain()  # the invitations go out before the crowd arrives
        print("READY", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await mailbox.stop()


async def set_up(database_url: str, participants: int) -> list[str]:
    """A community with N people added by email and a round open; their page paths."""
    settings = settings_for(database_url, 1, 1)
    clock = SystemClock()
    async with assembled(settings, parts=ONE_OFF, clock=clock) as bot:
        now = clock.now()
        async with bot.storage.transaction() as repo:
            community = await repo.create_community("Bench", None, True, now)
            people = [EmailEntry(f"person{n}@example.org") for n in range(participants)]
            await add_people(repo, community, people, "web", now)
            community = await repo.community_by_id(community.id)
            assert community is not None
            closes = now.replace(year=now.year + 1)
            opened = await open_round(repo, community, "Bench", closes, bot.rubric, {}, now)
            paths = []
            for person, _role in await repo.members(community.id):
                paths.append("/a/" + await mint_link(repo, person.id, community.id, now))
        assert opened.invited == participants
    return paths


class Timer:
    def __init__(self) -> None:
        self.page_ms: list[float] = []
        self.choice_ms: list[float] = []


async def fetch(session: aiohttp.ClientSession, url: str, times: list[float]) -> Page:
    started = time.perf_counter()
    async with session.get(url, allow_redirects=False) as response:
        times.append((time.perf_counter() - started) * 1000)  # headers are in: first byte
        return Page(response.status, await response.text(), response.headers)


async def post(
    session: aiohttp.ClientSession, url: str, data: dict[str, str], times: list[float]
) -> str:
    started = time.perf_counter()
    async with session.post(url, data=data, allow_redirects=False) as response:
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 303, response.status
        return response.headers["Location"]


async def participant(base: str, path: str, timer: Timer, seed: int, think: float) -> int:
    """One person answering the whole round, reading each card for about `think` seconds;
    how many cards they answered."""
    chooser = random.Random(seed)
    async with aiohttp.ClientSession() as session:
        await asyncio.sleep(chooser.uniform(0, think))  # people do not all arrive at once
        page = await fetch(session, base + path, timer.page_ms)
        location = path
        if any("Start" in form.buttons for form in page.forms):
            location = await post(session, base + path, page.form("Start").fill("Start"), [])
        answered = 0
        while True:
            page = await fetch(session, base + location, timer.page_ms)
            if not any(form.radios for form in page.forms):
                break
            await asyncio.sleep(chooser.uniform(0.5, 1.5) * think)
            fields = page.form().fill("Continue", level=chooser.choice(LEVELS))
            location = await post(session, base + path, fields, timer.choice_ms)
            answered += 1
        await post(session, base + path, page.form("Submit").fill("Submit"), [])
        return answered


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def weight(base: str, path: str) -> tuple[int, int, bool]:
    """A card page's HTML and CSS in bytes (its person started), and whether it has a script."""
    async with aiohttp.ClientSession() as session:
        page = await fetch(session, base + path, [])
        await post(session, base + path, page.form("Start").fill("Start"), [])
        async with session.get(base + path) as response:
            html = await response.read()
        async with session.get(base + CSS_URL) as response:
            css = await response.read()
    assert b'type="radio"' in html, "not a card page"
    return len(html), len(css), b"<script" in html.lower()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument(
        "--think", type=float, default=8.0, help="seconds a person reads a card, on average"
    )
    parser.add_argument("--database-url")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        await serve(args.database_url, int(args.serve))
        return
    scratch = tempfile.mkdtemp(prefix="bench-web-")
    database_url = args.database_url or f"sqlite:///{scratch}/web.db"
    paths = await set_up(database_url, args.participants)
    port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        str(port),
        "--database-url",
        database_url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None and child.stdin is not None
    line = await asyncio.wait_for(child.stdout.readline(), 120)
    assert line.strip() == b"READY", line
    base = f"http://127.0.0.1:{port}"
    timer = Timer()
    try:
        html, css, script = await weight(base, paths[0])
        started = time.perf_counter()
        answered = await asyncio.gather(
            *(participant(base, path, timer, n, args.think) for n, path in enumerate(paths))
        )
        elapsed = time.perf_counter() - started
    finally:
        child.stdin.close()
        await asyncio.wait_for(child.wait(), 60)
    kind = database_url.split(":", 1)[0]
    print(
        f"{args.participants} web participants on {kind}, {sum(answered)} answers "
        f"in {elapsed:.1f} s ({sum(answered) / elapsed:.0f} answers/s)"
    )
    for name, values in (("card page", timer.page_ms), ("submitted choice", timer.choice_ms)):
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        verdict = "ok" if p99 < TARGET_P99_MS else "over target"
        print(
            f"  {name}: TTFB p50 {p50:.1f} ms, p99 {p99:.1f} ms "
            f"(target p99 < {TARGET_P99_MS:.0f} ms: {verdict}) over {len(values)} requests"
        )
    total = html + css
    print(
        f"  card page weight: HTML {html:,} B + CSS {css:,} B = {total:,} B "
        f"(target < {TARGET_WEIGHT:,} B: {'ok' if total < TARGET_WEIGHT else 'over'}); "
        f"script: {'yes' if script else 'none'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
