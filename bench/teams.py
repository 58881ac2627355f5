"""Teams: how fast the opening goes out against Teams' limits, and how fast a press is answered.

The bot is assembled in this process as `maturity-bot run` assembles it (the Teams SDK, the
production pacer), against the fake Bot Connector of adapters/teams/fake.py (its own thread).

1. Pacing, in virtual time: 600 messages into one conversation through the Pacer. Teams allows
   7 a second and 60 in 30 seconds per conversation; the sustained rate is 2 a second. Printed:
   the rate achieved against that limit (target >= 0.9).
2. The opening, for real: a lead opens a round for N people; the time from the command to the
   last invitation received by the fake, as invitations a second, against the app's limit (about
   50 a second: each invitation is its own 1:1 conversation, so the per-app limit binds).
3. Press -> answered: every person presses Start and a level on each card, one press at a time
   each, all N at once; the time from posting a press to the fake receiving the card's update
   (p50, p99; target p99 < 100 ms on a quiet machine), and this process's CPU per press (bot,
   fake and the presses together: an upper bound on the bot's own).

    .venv/bin/python bench/teams.py [--participants 40]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from adapters.assembly import Parts, assembled  # noqa: E402
from adapters.platform import AdapterContext, PlatformAdapter  # noqa: E402
from adapters.teams.adapter import TeamsAdapter  # noqa: E402
from adapters.teams.fake import TEAM, Activity, FakeTeams, TeamsSends  # noqa: E402
from adapters.teams.limits import PER_CONVERSATION, Pacer  # noqa: E402
from bot.config import Settings  # noqa: E402

SUSTAINED = 60 / 30  # per conversation: 60 in 30 seconds


async def paced_rate(messages: int = 600) -> float:
    """Messages a second into one conversation through the Pacer, in virtual time."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    for _ in range(messages):
        async with pacer.slot("one conversation"):
            pass
    return messages / now[0]


async def round_trip(participants: int) -> None:
    fake = FakeTeams(page_size=100)
    lead = "29:lead"
    fake.add_member(lead, "Lee Lead", role="owner")
    people = [f"29:p{n:04d}" for n in range(participants)]
    for person in people:
        fake.add_member(person, person)
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="bench-teams-"))
    settings = Settings(
        f"sqlite:///{folder / 'bot.db'}", ROOT / "rubric.toml", host="127.0.0.1", port=0
    )

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        return [TeamsAdapter(fake.settings(), context.dispatch, context.http)]

    try:
        async with (
            assembled(settings, parts=Parts(scheduler=False), adapters=adapters) as bot,
            aiohttp.ClientSession() as session,
        ):
            sends = TeamsSends(fake, f"http://127.0.0.1:{bot.http.port}", session)
            assert await sends.command(lead, "round setup Riverside") == 200
            await fake.wait_for_text(TEAM, "is set up")
            began = time.perf_counter()
            assert await sends.command(lead, "round open Bench") == 200
            for person in [lead, *people]:
                await fake.wait_for_text(fake.personal(person), "Hello!")
            last = max(a.at for a in fake.activities if "Hello!" in a.text)
            rate = (participants + 1) / (last - began)
            print(
                f"opening: {participants + 1} invitations in {last - began:.2f} s = "
                f"{rate:.1f}/s; per-app limit 50/s: {rate / 50:.2f} of it"
            )

            latencies: list[float] = []
            cpu_before = time.process_time()

            async def answer(person: str) -> None:
                chat = fake.personal(person)
                seen = 0  # the card to press is one posted after the last press was answered
                for label in ["Start", *(["3"] * 9)]:
                    while not (card := _card(fake, chat, label, seen)):  # noqa: ASYNC110 (another thread)
                        await asyncio.sleep(0.002)
                    mark = fake.seq
                    sent = time.perf_counter()
                    body = sends.personal_body(
                        person, value=dict(card.button(label) or {})["data"], replyToId=card.id
                    )
                    assert await sends.post(body) == 200
                    while True:
                        updates = [
                            a for a in fake.in_conversation(chat) if a.seq > mark and a.updated
                        ]
                        if updates:
                            latencies.append(updates[0].at - sent)
                            seen = updates[0].seq
                            break
                        await asyncio.sleep(0.001)

            await asyncio.gather(*(answer(person) for person in people))
            cpu = time.process_time() - cpu_before
            latencies.sort()
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            print(
                f"press -> answered: {len(latencies)} presses, p50 {p50:.0f} ms, "
                f"p99 {p99:.0f} ms (target < 100 ms); "
                f"CPU {cpu * 1000 / len(latencies):.1f} ms per press (bot, fake and client)"
            )
    finally:
        await fake.stop()


def _card(fake: FakeTeams, chat: str, label: str, after: int) -> Activity | None:
    """The newest card posted in the chat after seq `after` with that button."""
    found = [
        a
        for a in fake.in_conversation(chat)
        if a.seq > after and not a.updated and a.button(label) is not None
    ]
    return found[-1] if found else None


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=40)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    rate = await paced_rate()
    burst = PER_CONVERSATION[0][1]
    print(
        f"pacing one conversation: {rate:.2f}/s against Teams' {SUSTAINED:.0f}/s sustained "
        f"({burst} a second at most): {rate / SUSTAINED:.2f} of it (target >= 0.9)"
    )
    await round_trip(args.participants)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
