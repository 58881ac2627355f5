"""Telegram fan-out and callback latency, against the fake Bot API server over loopback HTTP.

1. Fan-out: a lead opens a round for N Telegram participants (default 1,000) with the limiter at
   its real 30 messages/s; some participants' first message is answered RetryAfter. Prints the
   send rate achieved (successful sends at the fake, first to last) against the permitted 30/s,
   and how many participants got no invitation (lost) or more than one (doubled).
   Target: >= 0.9 of the permitted rate, 0 lost, 0 doubled.
2. Callbacks: M participants (default 500) answer at the same time, each pressing Start and
   then a level on 2 cards, with a random pause (mean 3 s) before each press: up to ~170
   presses a second while all are busy, far more than a real group produces. Each press is a
   webhook update (posted over at most 40 connections, as Telegram does), timed from posting
   it to the fake receiving its answerCallbackQuery. Outgoing messages are not throttled
   here, so the bot is as busy as it can be while it answers. Target: p99 < 100 ms.
   With --burst, M more press Start in one instant: past what one process answers within
   100 ms (no target; for the record).

The fake server and the posting client run in the bot's own process and event loop, so the
figures include their work too.

    .venv/bin/python bench/telegram_fanout.py [--participants 1000] [--concurrent 500]
        [--retry-after 20] [--think 3] [--cards 2] [--burst] [--database-url URL]
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
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import aiohttp  # noqa: E402
from measure import CpuMeter  # noqa: E402

from adapters.telegram.fake import (  # noqa: E402
    WEBHOOK_SECRET,
    Call,
    FakeTelegram,
    RealTime,
    RunningBot,
    admin,
    running_bot,
    user,
)
from adapters.telegram.limits import RateLimits  # noqa: E402
from bot.model import ChatRef, PersonRef, Role  # noqa: E402

GROUP = -1001000000001
LEAD = user(100, "Lena")
PERMITTED = 30.0
RATE_TARGET, P99_TARGET_MS = 0.9, 100.0
FIRST_ID = 500_000


async def enrol(bot: RunningBot, count: int) -> list[int]:
    """count participants in the group's community, straight into the database (enrolling them
    through /start would send 2 x count welcome messages first)."""
    ids = list(range(FIRST_ID, FIRST_ID + count))
    async with bot.storage.transaction() as repo:
        community = await repo.community_for_chat(ChatRef("telegram", str(GROUP)))
        assert community is not None
        for user_id in ids:
            person = await repo.upsert_person(PersonRef("telegram", str(user_id), f"P{user_id}"))
            await repo.set_role(community.id, person.id, Role.PARTICIPANT)
    return ids


def invitations(fake: FakeTelegram, chats: list[int]) -> Counter[int]:
    return Counter(
        c.params["chat_id"]
        for c in fake.called("sendMessage")
        if c.ok
        and str(c.params.get("text", "")).startswith("Hello!")
        and c.params["chat_id"] in set(chats)
    )


async def fan_out(url: str, count: int, retries: int) -> list[int]:
    fake = FakeTelegram()
    await fake.start()
    fake.admins[GROUP] = [admin(LEAD, owner=True)]
    try:
        async with running_bot(
            fake, url, webhook=True, clock=RealTime(), limits=RateLimits()
        ) as bot:
            await bot.say(LEAD, "/round setup Bench", group=GROUP)
            people = await enrol(bot, count)
            for chat in random.Random(7).sample(people, retries):
                fake.fail("sendMessage", "retry_after", chat_id=chat, retry_after=1)
            first = len(fake.calls)
            started = time.perf_counter()
            await bot.deliver(bot.updates.group(GROUP, LEAD, "/round open"), within=600)
            elapsed = time.perf_counter() - started
        sends = [c for c in fake.calls[first:] if c.method == "sendMessage" and c.ok]
        rate = (len(sends) - 1) / (sends[-1].at - sends[0].at)
        got = invitations(fake, people)
        lost = sum(1 for chat in people if got[chat] == 0)
        doubled = sum(1 for chat in people if got[chat] > 1)
        limited = sum(1 for c in fake.calls[first:] if not c.ok)
        print(f"fan-out: {count} participants + lead, {len(sends)} messages in {elapsed:.1f} s")
        print(f"send rate: {rate:.1f} messages/s of {PERMITTED:.0f} permitted = "
              f"{rate / PERMITTED:.2f} (target >= {RATE_TARGET})")  # fmt: skip
        print(f"RetryAfter answered: {limited}; lost: {lost}; doubled: {doubled} (target 0, 0)")
        return people
    finally:
        await fake.stop()


class Presses:
    """Posts callback updates to the webhook the way Telegram does (at most 40 connections at
    a time), and times each one until the fake receives its answerCallbackQuery."""

    def __init__(self, bot: RunningBot, http: aiohttp.ClientSession) -> None:
        self.bot, self.http = bot, http
        self.posted: dict[str, float] = {}
        self.cards: dict[int, asyncio.Event] = {}
        self.failed = 0  # presses the core could not handle ("Sorry, something went wrong")
        bot.fake.listeners.append(self._heard)

    def _heard(self, call: Call) -> None:
        """A new message in a private chat: the next card, or an apology."""
        chat = call.params.get("chat_id")
        if call.method == "sendMessage" and chat in self.cards:
            self.failed += str(call.params.get("text", "")).startswith("Sorry, something")
            self.cards[chat].set()

    async def press(self, chat: int, label: str, wait: bool = True) -> None:
        """Press the button, then (with wait) wait until the bot has replied."""
        message, data = self.bot.fake.with_button(chat, label)
        update = self.bot.updates.callback(user(chat, f"P{chat}"), message, data)
        arrived = self.cards[chat] = asyncio.Event()
        self.posted[update["callback_query"]["id"]] = time.perf_counter()
        endpoint = f"http://127.0.0.1:{self.bot.web.port}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with self.http.post(endpoint, json=update, headers=headers) as response:
            assert response.status == 200
        if wait:
            await asyncio.wait_for(arrived.wait(), 60)

    def latencies(self) -> list[float]:
        answered = {
            c.params["callback_query_id"]: c.at for c in self.bot.fake.called("answerCallbackQuery")
        }
        assert set(self.posted) <= set(answered), "every callback query is answered"
        latencies = sorted((answered[q] - t) * 1000 for q, t in self.posted.items())
        self.posted.clear()
        return latencies


def report(what: str, latencies: list[float], target: float | None) -> None:
    p99 = latencies[max(0, round(len(latencies) * 0.99) - 1)]
    goal = f" (target p99 < {target:.0f} ms)" if target else " (no target: past capacity)"
    print(f"{what}: {len(latencies)} presses, webhook update -> answered callback: "
          f"p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms, "
          f"max {latencies[-1]:.1f} ms{goal}")  # fmt: skip


async def callbacks(url: str, concurrent: int, think: float, cards: int, burst: bool) -> None:
    fake = FakeTelegram()
    await fake.start()
    fake.admins[GROUP] = [admin(LEAD, owner=True)]
    unthrottled = RateLimits(per_second=1e6, min_interval=0, group_min_interval=0)
    try:
        async with (
            running_bot(fake, url, webhook=True, clock=RealTime(), limits=unthrottled) as bot,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=40)) as http,
        ):
            await bot.say(LEAD, "/round setup Bench", group=GROUP)
            people = await enrol(bot, 2 * concurrent)
            await bot.say(LEAD, "/round open", group=GROUP)
            presses = Presses(bot, http)
            rng = random.Random(11)

            async def participant(chat: int) -> None:
                for label in ["Start", *(str(rng.randint(1, 5)) for _ in range(cards))]:
                    await asyncio.sleep(rng.uniform(0, 2 * think))  # reading the message
                    failed = presses.failed
                    await presses.press(chat, label)
                    if presses.failed > failed:  # "Sorry…": press it again, as a person would
                        await presses.press(chat, label)

            cpu = CpuMeter()
            cpu.start()
            started = time.perf_counter()
            await asyncio.gather(*(participant(chat) for chat in people[:concurrent]))
            rate = concurrent * (cards + 1) / (time.perf_counter() - started)
            await asyncio.wait_for(bot.adapter.idle(), 120)  # every press stored
            cpu_ms = cpu.stop() / (concurrent * (cards + 1))
            what = f"{concurrent} participants answering at once ({rate:.0f} presses/s)"
            report(what, presses.latencies(), P99_TARGET_MS)
            print(f"presses the core failed to handle (then pressed again): {presses.failed}")
            print(
                f"CPU of this process (the bot, with the fake server and the client): "
                f"{cpu_ms:.2f} ms per press"
            )
            if not burst:
                return
            # Past capacity, for the record: the others all press Start in the same instant.
            await asyncio.gather(
                *(presses.press(chat, "Start", wait=False) for chat in people[concurrent:])
            )
            await asyncio.wait_for(bot.adapter.idle(), 120)
            report(f"burst of {concurrent} presses in one instant", presses.latencies(), None)
    finally:
        await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=500)
    parser.add_argument("--retry-after", type=int, default=20, help="participants who get one")
    parser.add_argument("--think", type=float, default=3.0, help="mean seconds per card")
    parser.add_argument("--cards", type=int, default=2, help="cards each answers, paced")
    parser.add_argument("--burst", action="store_true", help="also all press at one instant")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/fanout.db"
        await fan_out(url, args.participants, args.retry_after)
        url = args.database_url or f"sqlite:///{folder}/callbacks.db"
        await callbacks(url, args.concurrent, args.think, args.cards, args.burst)


if __name__ == "__main__":
    asyncio.run(main())
