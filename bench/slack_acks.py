"""How fast the Slack adapter acknowledges clicks while a crowd answers a round.

The bot runs in a child process, wired as `maturity-bot run` wires it (runner building blocks,
real slack_bolt and slack_sdk), against the fake Slack Web API of adapters/slack/fake.py in this
process. A lead sets up a community and opens a round for N participants; then all N click
through Start, nine cards and Submit at once, each pressing the next button as soon as Slack
(the fake) has received the card. Every click is signed and posted over HTTP like Slack's own;
its ack latency is the time from sending it to the HTTP 200. Slack allows 3 seconds.

Outgoing messages are not paced here (the production pacing is about one message a second per
channel); acknowledging never waits for them anyway, which is what this measures.

    .venv/bin/python bench/slack_acks.py [--participants 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


import aiohttp  # noqa: E402
from measure import CpuMeter  # noqa: E402

from adapters.assembly import ONE_OFF, assembled  # noqa: E402
from adapters.slack.fake import SIGNING_SECRET, TOKEN, FakeSlack, SlackSends, running_bot  # noqa: E402
from adapters.slack.sender import Pacer  # noqa: E402
from adapters.slack.settings import SlackSettings  # noqa: E402
from bot.config import Settings  # noqa: E402

DEADLINE_MS = 3000.0
TARGET_P99_MS = 100.0
TARGET_BURST_P99_MS = 1000.0
LEAD = "ULEAD"
LEVELS = ["1", "2", "3", "4", "5", "Not sure"]


async def serve(api_url: str, database_url: str) -> None:
    """The child: run the bot until stdin closes, having printed its port."""
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(
        database_url=database_url,
        rubric_path=ROOT / "rubric.toml",
        host="127.0.0.1",
        port=0,
        platforms=(SlackSettings(TOKEN, SIGNING_SECRET, api_url=api_url),),
    )
    async with running_bot(settings, Pacer.off()) as bot:
        print(f"PORT {bot.url.rsplit(':', 1)[1]}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


class Crowd:
    """N participants in their DMs with the bot, timing each acknowledgement."""

    def __init__(self, fake: FakeSlack, sends: SlackSends) -> None:
        self.fake, self.sends = fake, sends
        self.apologies = 0  # clicks the core failed on ("Sorry, …"): pressed again

    async def click(self, user: str, label: str, expect: str, times: list[float]) -> None:
        """Press label on the latest message that has it, until the expected reply comes."""
        channel = f"D{user}"
        while True:
            message = self.fake.last_with(channel, label)
            assert message is not None, f"{user} has no button {label}"
            body = self.sends.click_body(user, message, label)
            after = self.fake.seq
            started = time.perf_counter()
            status = await self.sends.post(body, "application/x-www-form-urlencoded")
            times.append(time.perf_counter() - started)
            assert status == 200, f"click answered {status}"
            seen = await self.fake.wait_for(
                functools.partial(self.reply, channel, after, expect), channel, 120
            )
            if expect in seen:
                return
            self.apologies += 1

    def reply(self, channel: str, after: int, expect: str) -> str | None:
        """The first post or edit in the channel after call `after` that is the expected next
        card or an apology."""
        for call in self.fake.calls[after:]:
            text = str(call.args.get("text"))
            if call.args.get("channel") == channel and (expect in text or "Sorry" in text):
                return text
        return None

    async def participant(
        self, user: str, rng: random.Random, start: list[float], times: list[float]
    ) -> None:
        """Start (everyone in the same instant), nine cards (a level or "Not sure" each), each
        as soon as it arrives, then Submit."""
        await self.click(user, "Start", "1/9 ·", start)
        for card in range(9):
            expect = f"{card + 2}/9 ·" if card < 8 else "Nearly done"
            await self.click(user, rng.choice(LEVELS), expect, times)
        await self.click(user, "Submit", "Thank you!", times)


async def command(fake: FakeSlack, sends: SlackSends, channel: str, text: str, expect: str) -> None:
    after = fake.seq
    assert await sends.command(LEAD, text, channel) == 200
    await fake.wait_for_text(channel, expect, after, seconds=300)


async def run(participants: int, database_url: str) -> None:
    fake = FakeSlack(page_size=200)
    run_id = f"{int(time.time())}"  # a new community each run: a database may be reused
    channel, people = f"C{run_id}", [f"U{n:05d}" for n in range(participants)]
    fake.add_user(LEAD, "lead", "Lee Lead")
    for user in people:
        fake.add_user(user, user.lower(), f"Person {user}")
    fake.join(channel, LEAD, *people)
    api_url = await fake.start()
    child = await asyncio.create_subprocess_exec(
        *(sys.executable, __file__, "--serve", api_url, "--database-url", database_url),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        line = (await asyncio.wait_for(child.stdout.readline(), 60)).decode()
        assert line.startswith("PORT "), f"the bot did not start: {line!r}"
        connector = aiohttp.TCPConnector(limit=0)  # Slack opens as many connections as it needs
        async with aiohttp.ClientSession(connector=connector) as session:
            sends = SlackSends(fake, f"http://127.0.0.1:{line.split()[1]}", session)
            await command(fake, sends, channel, f"/round setup Bench {run_id}", "is set up")
            opened = time.perf_counter()
            await command(fake, sends, channel, "/round open Bench round", "is open until")
            await fake.wait_for(lambda: invitations(fake) > participants, "*", 300)
            fan_out = time.perf_counter() - opened
            crowd = Crowd(fake, sends)
            burst: list[float] = []
            times: list[float] = []
            cpu = CpuMeter(child.pid)  # the bot's own CPU: holds on a loaded machine
            cpu.start()
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    crowd.participant(u, random.Random(n), burst, times)
                    for n, u in enumerate(people)
                )
            )
            elapsed = time.perf_counter() - started
            cpu_ms = cpu.stop()
    finally:
        if child.stdin is not None:
            child.stdin.close()
        await asyncio.wait_for(child.wait(), 60)
        await fake.stop()
    print(f"database: {database_url.split(':', 1)[0]}; participants: {participants}")
    print(f"invitations: {participants + 1} sent in {fan_out:.2f} s")
    clicks = len(burst) + len(times)
    print(f"acks per second: {clicks / elapsed:.0f} ({clicks} clicks in {elapsed:.1f} s)")
    print(f"bot process CPU: {cpu_ms / clicks:.2f} ms per click ({cpu_ms / 1000:.1f} s in all)")
    show(f"the {len(burst)} Start clicks, all sent in the same instant:", burst)
    print(f"the {len(times)} clicks on cards and Submit, each as soon as its card arrived:")
    p99 = show("  ack latency", times)
    show(f"all {clicks} clicks:", burst + times)
    verdict = "met" if p99 < TARGET_P99_MS else "MISSED"
    print(f"target p99 < {TARGET_P99_MS:.0f} ms for clicks on cards: {verdict}")
    burst_p99 = sorted(burst)[min(len(burst) - 1, int(len(burst) * 0.99))] * 1000
    verdict = "met" if burst_p99 < TARGET_BURST_P99_MS else "MISSED"
    print(f"target p99 < {TARGET_BURST_P99_MS:.0f} ms for the Start burst: {verdict}")
    print(f"clicks the core failed on (pressed again): {crowd.apologies}")
    recorded, expected = await answers(database_url, f"Bench {run_id}"), participants * 9
    print(f"answers recorded: {recorded} of {expected}")


def invitations(fake: FakeSlack) -> int:
    return sum("Hello!" in str(p.get("text")) for p in fake.calls_to("chat.postMessage"))


def show(title: str, latencies: list[float]) -> float:
    """Print p50, p99 and max, each also as a share of Slack's deadline; returns p99."""
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    if title.endswith(":"):
        print(title)
        title = "  ack latency"
    for name, value in (("p50", statistics.median(ms)), ("p99", p99), ("max", ms[-1])):
        share = value / DEADLINE_MS
        print(f"{title} {name}: {value:.1f} ms = {share:.4f} of Slack's 3 s deadline")
    return p99


async def answers(database_url: str, community_name: str) -> int:
    """How many answers the round holds (nothing lost, nothing twice)."""
    settings = Settings(database_url, ROOT / "rubric.toml")
    async with (
        assembled(settings, parts=ONE_OFF) as assembly,
        assembly.storage.transaction() as repo,
    ):
        community = await repo.community_by_name(community_name)
        round_ = await repo.latest_round(community.id) if community else None
        return len(await repo.answers(round_.id)) if round_ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--serve", metavar="API_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.database_url))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{os.path.join(folder, 'bench.db')}"
        asyncio.run(run(args.participants, url))


if __name__ == "__main__":
    main()
