"""Nothing acknowledged is lost: a round under load, the bot killed with SIGKILL at random moments.

For each platform mode (Slack over HTTP, Telegram polling, Telegram webhook, Teams) and database
(SQLite, and PostgreSQL at TEST_DATABASE_URL), the real bot (`python -m bot run`, against the
fake Slack, Telegram or Teams in this process) runs a round: N participants answer nine cards and
submit, as people do: each answer pressed as soon as its card shows, and pressed again when the
press got no acknowledgement (the bot was down). Meanwhile the bot is killed K times with
SIGKILL, once during the round's invitations and then at random moments, and started again at
once. Then the lead closes the round. It prints, per combination:

  acknowledged  answers the platform was told were received
  stored        answers in the database
  lost          acknowledged but not stored                    (target 0)
  doubled       an answer stored twice                          (target 0)
  stranded      participants left without their next question  (target 0)
  posts doubled a channel post (announcement, summary) twice    (target 0)

and exits non-zero when a target is missed. `--quick` is the short variant the tests run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import text  # noqa: E402

from adapters.slack.fake import (  # noqa: E402
    BOT_USER,
    SIGNING_SECRET,
    FakeSlack,
    SlackSends,
)
from adapters.slack.fake import TOKEN as SLACK_TOKEN  # noqa: E402
from adapters.teams.fake import APP_ID as TEAMS_APP_ID  # noqa: E402
from adapters.teams.fake import APP_PASSWORD as TEAMS_PASSWORD  # noqa: E402
from adapters.teams.fake import TEAM, FakeTeams, TeamsSends  # noqa: E402
from adapters.teams.fake import TENANT as TEAMS_TENANT  # noqa: E402
from adapters.telegram.fake import (  # noqa: E402
    JSON,
    TOKEN,
    WEBHOOK_SECRET,
    FakeTelegram,
    Updates,
    admin,
    buttons,
    user,
)
from storage.database import make_engine  # noqa: E402

MODES = ("slack", "telegram-polling", "telegram-webhook", "teams")
LEVELS = ("1", "2", "3", "4", "5")
STRANDED_AFTER = 60.0  # seconds a participant waits for their next question before giving up
CONTINUE_AFTER = 20.0  # seconds before a participant who sees no next question presses again
POSTGRES_LOCK = 0x6D617475  # the tests' advisory lock: never reset the database under them
GROUP = -1001876543210


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Bot:
    """The real bot in a child process, as `maturity-bot run` starts it (or `command`: another
    entry point into the same assembly, e.g. bench/region.py's replica on a simulated clock)."""

    def __init__(
        self, env: dict[str, str], log: Path, command: tuple[str, ...] = ("-m", "bot", "run")
    ) -> None:
        self.env, self.log, self.command = env, log, command
        self.port = int(env["PORT"])
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *self.command, env=self.env, cwd=ROOT, stdout=log, stderr=log
            )
        self.starts += 1
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{self.url}/healthz") as health:
                        if health.status == 200:
                            return
                if self.process.returncode is not None:
                    break
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the bot did not start; see {self.log}")

    async def kill(self) -> None:
        """SIGKILL: no clean stop, no chance to record anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 30)


@dataclass
class Tally:
    acknowledged: set[tuple[str, str]] = field(default_factory=set)  # (who, category)
    stranded: set[str] = field(default_factory=set)
    presses: int = 0
    unacknowledged: int = 0


class Platform:
    """What participants and the lead do on one platform, and what they see."""

    needs: tuple[str, ...] = ()

    def env(self) -> dict[str, str]:
        raise NotImplementedError

    async def lead(self, command: str) -> bool:
        raise NotImplementedError

    def people(self) -> list[str]:
        raise NotImplementedError

    def latest(self, who: str, label: str) -> Any:
        """The latest message in who's private chat with a button labelled label."""
        raise NotImplementedError

    def shows(self, who: str, words: str, after: int) -> bool:
        """Whether who has been shown words (posted or edited in) since mark `after`."""
        raise NotImplementedError

    def mark(self) -> int:
        raise NotImplementedError

    async def press(self, who: str, message: Any, label: str) -> bool:
        """Press a button; True once the platform was told it was received."""
        raise NotImplementedError

    def posts(self) -> list[str]:
        raise NotImplementedError


class Slack(Platform):
    def __init__(self, size: int, session: aiohttp.ClientSession) -> None:
        self.fake = FakeSlack(page_size=200)
        self.lead_id = "ULEAD"
        self._people = [f"U{n:03d}" for n in range(size)]
        for person in [self.lead_id, *self._people]:
            self.fake.add_user(person, person.lower())
        self.fake.join("C1", self.lead_id, *self._people, BOT_USER)
        self.session = session
        self.sends: SlackSends | None = None

    async def start(self, bot: Bot) -> None:
        await self.fake.start()
        self.sends = SlackSends(self.fake, bot.url, self.session)

    def env(self) -> dict[str, str]:
        return {
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.fake.url,
        }

    async def lead(self, command: str) -> bool:
        assert self.sends is not None
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            return await self.sends.command(self.lead_id, command) == 200
        return False

    def people(self) -> list[str]:
        return self._people

    def latest(self, who: str, label: str) -> Any:
        return self.fake.last_with(f"D{who}", label)

    def mark(self) -> int:
        return self.fake.seq

    def shows(self, who: str, words: str, after: int) -> bool:
        return any(
            c.seq > after
            and not c.error
            and c.method in ("chat.postMessage", "chat.update")
            and c.args.get("channel") == f"D{who}"
            and words in str(c.args.get("text"))
            for c in self.fake.calls
        )

    async def press(self, who: str, message: Any, label: str) -> bool:
        assert self.sends is not None
        body = self.sends.click_body(who, message, label)
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            return await self.sends.post(body, "application/x-www-form-urlencoded") == 200
        return False

    def posts(self) -> list[str]:
        return [m.text for m in self.fake.in_channel("C1")]


class Teams(Platform):
    """A team whose lead owns it; each person answers in their 1:1 chat with the bot."""

    def __init__(self, size: int, session: aiohttp.ClientSession) -> None:
        self.fake = FakeTeams(page_size=100)
        self.lead_id = "29:lead"
        self._people = [f"29:p{n:03d}" for n in range(size)]
        self.fake.add_member(self.lead_id, "Lee Lead", role="owner")
        for person in self._people:
            self.fake.add_member(person, person)
        self.session = session
        self.sends: TeamsSends | None = None

    async def start(self, bot: Bot) -> None:
        await self.fake.start()
        self.sends = TeamsSends(self.fake, bot.url, self.session)

    def env(self) -> dict[str, str]:
        return {
            "TEAMS_APP_ID": TEAMS_APP_ID,
            "TEAMS_APP_PASSWORD": TEAMS_PASSWORD,
            "TEAMS_TENANT_ID": TEAMS_TENANT,
            "TEAMS_SERVICE_URL": self.fake.service_url,
            "TEAMS_OPENID_METADATA_URL": f"{self.fake.url}/v1/.well-known/openidconfiguration",
            "TEAMS_TOKEN_URL": f"{self.fake.url}/oauth2/v2.0/token",
        }

    async def lead(self, command: str) -> bool:
        assert self.sends is not None
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            return await self.sends.command(self.lead_id, command.removeprefix("/")) == 200
        return False

    def people(self) -> list[str]:
        return self._people

    def latest(self, who: str, label: str) -> Any:
        return self.fake.latest(self.fake.personal(who), with_button=label)

    def mark(self) -> int:
        return self.fake.seq

    def shows(self, who: str, words: str, after: int) -> bool:
        chat = self.fake.personal(who)
        return any(a.seq > after and words in a.text for a in self.fake.in_conversation(chat))

    async def press(self, who: str, message: Any, label: str) -> bool:
        assert self.sends is not None
        button = message.button(label)
        body = self.sends.personal_body(who, value=dict(button["data"]), replyToId=message.id)
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            return await self.sends.post(body) == 200
        return False

    def posts(self) -> list[str]:
        return [a.text for a in self.fake.in_conversation(TEAM)]


class Telegram(Platform):
    def __init__(self, size: int, session: aiohttp.ClientSession, webhook: bool) -> None:
        self.fake = FakeTelegram()
        self.webhook, self.session = webhook, session
        self.lead_user = user(211000001, "Lena", "Okafor")
        self._people = {str(211000100 + n): user(211000100 + n, f"P{n}") for n in range(size)}
        self.updates = Updates()
        self.enqueued: set[int] = set()
        self.bot: Bot | None = None

    async def start(self, bot: Bot) -> None:
        await self.fake.start()
        self.fake.admins[GROUP] = [admin(self.lead_user, owner=True)]
        self.bot = bot

    def env(self) -> dict[str, str]:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": self.fake.api_url}
        if self.webhook:
            env["TELEGRAM_WEBHOOK_URL"] = "https://bot.example.org/telegram/webhook"
            env["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        return env

    async def deliver(self, update: JSON) -> bool:
        """Telegram hands the bot an update: True once the bot took it (stored it)."""
        if not self.webhook:
            if update["update_id"] not in self.enqueued:  # Telegram keeps it until taken
                self.enqueued.add(update["update_id"])
                self.fake.enqueue(update)
            with contextlib.suppress(TimeoutError):
                await self.fake.wait_for(lambda: self.fake.confirmed > update["update_id"], 5)
            return self.fake.confirmed > update["update_id"]
        assert self.bot is not None
        url = f"{self.bot.url}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self.session.post(url, json=update, headers=headers) as response:
                return response.status == 200
        return False

    async def until_taken(self, update: JSON) -> None:
        """Telegram keeps an update (polling) or posts it again (webhook) until it is taken."""
        await again_until(lambda: self.deliver(update))

    async def lead(self, command: str) -> bool:
        await self.until_taken(self.updates.group(GROUP, self.lead_user, command))
        return True

    async def enrol(self) -> None:
        await self.lead("/round setup Riverside")
        await wait_until(lambda: any(buttons(m) for m in self.fake.messages(GROUP)), 30)
        take_part = next(b for m in self.fake.messages(GROUP) for b in buttons(m))
        code = str(take_part["url"]).split("start=", 1)[1]
        for person in self._people.values():
            await self.until_taken(self.updates.private(person, f"/start {code}"))

    def people(self) -> list[str]:
        return list(self._people)

    def latest(self, who: str, label: str) -> Any:
        for message in reversed(self.fake.messages(int(who))):
            if any(b["text"] == label and "callback_data" in b for b in buttons(message)):
                return message
        return None

    def mark(self) -> int:
        return len(self.fake.calls)

    def shows(self, who: str, words: str, after: int) -> bool:
        return any(
            c.ok
            and c.method in ("sendMessage", "editMessageText")
            and c.params.get("chat_id") == int(who)
            and words in str(c.params.get("text"))
            for c in self.fake.calls[after:]
        )

    async def press(self, who: str, message: Any, label: str) -> bool:
        data = next(b["callback_data"] for b in buttons(message) if b["text"] == label)
        return await self.deliver(self.updates.callback(self._people[who], message, data))

    def posts(self) -> list[str]:
        return [str(m.get("text") or m.get("caption") or "") for m in self.fake.messages(GROUP)]


async def again_until(attempt: Callable[[], Awaitable[bool]], tries: int = 300) -> None:
    """Try until it works (the bot may be starting again), a bounded number of times."""
    for _ in range(tries):
        if await attempt():
            return
        await asyncio.sleep(0.3)
    raise RuntimeError("the bot never took it")


async def wait_until(check: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def participant(
    platform: Platform, who: str, rng: random.Random, tally: Tally, done: asyncio.Event
) -> None:
    """Start, nine answers, Submit: each pressed as soon as its card shows, again until the
    press is acknowledged, and again if its next question does not come."""
    if not await wait_until(lambda: platform.latest(who, "Start"), STRANDED_AFTER):
        tally.stranded.add(who)  # no invitation
        return
    steps = [("Start", "1/9 ·")]
    steps += [(rng.choice(LEVELS), f"{n + 2}/9 ·" if n < 8 else "Nearly done") for n in range(9)]
    steps.append(("Submit", "Thank you!"))
    waited = 0.0
    for number, (label, expect) in enumerate(steps):
        while True:
            message = platform.latest(who, label)
            if message is None:  # the card is not showing (yet): wait, then count it stranded
                if waited > STRANDED_AFTER:
                    tally.stranded.add(who)
                    return
                await asyncio.sleep(0.2)
                waited += 0.2
                continue
            mark = platform.mark()
            tally.presses += 1
            if not await platform.press(who, message, label):
                tally.unacknowledged += 1
                await asyncio.sleep(rng.uniform(0.2, 0.6))  # the bot is down: press again
                continue
            if label in LEVELS:
                tally.acknowledged.add((who, str(number)))
            shown = partial(platform.shows, who, expect, mark)
            if await wait_until(shown, CONTINUE_AFTER):
                waited = 0.0
                break
            waited += CONTINUE_AFTER
            if waited > STRANDED_AFTER:
                tally.stranded.add(who)
                return
            # The press was acknowledged but the next question has not come: a person would
            # try the button again; the bot refuses a stale one politely and shows where they are.
        if number == len(steps) - 1:
            done.set()


async def killer(bot: Bot, kills: int, rng: random.Random, finished: asyncio.Event) -> int:
    """Kill and restart the bot at random moments until `kills` or everyone is done."""
    done = 0
    for _ in range(kills):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(finished.wait(), rng.uniform(1.0, 4.0))
        if finished.is_set():
            break
        await bot.kill()
        await bot.start()
        done += 1
    return done


async def reset_postgres(url: str) -> Any:
    """An empty database for this combination, holding the tests' lock meanwhile."""
    engine = make_engine(url)
    connection = await engine.connect()
    await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": POSTGRES_LOCK})
    await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
    await connection.execute(text("CREATE SCHEMA public"))
    await connection.commit()
    return engine, connection


async def stored_answers(url: str) -> Counter[tuple[str, str]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT people.platform_user_id, answers.category_id FROM answers "
                    "JOIN people ON people.id = answers.person_id"
                )
            )
            return Counter((str(who), str(category)) for who, category in rows)
    finally:
        await engine.dispose()


CATEGORY_ORDER = (
    "vision",
    "collaboration",
    "accountability",
    "involvement",
    "planning",
    "finance",
    "service-delivery",
    "workforce",
    "learning",
)


async def combination(
    mode: str, database: str, url: str, size: int, kills: int, seed: int
) -> dict[str, int]:
    rng = random.Random(seed)
    lock: Any = None
    if database == "postgres":
        lock = await reset_postgres(url)
    folder = Path(tempfile.mkdtemp(prefix="crash-"))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        platform: Slack | Telegram | Teams = (
            Slack(size, session)
            if mode == "slack"
            else Teams(size, session)
            if mode == "teams"
            else Telegram(size, session, webhook=mode == "telegram-webhook")
        )
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "LOG_LEVEL": "WARNING",
        }
        bot = Bot(env, folder / "bot.log")
        await platform.start(bot)
        bot.env.update(platform.env())
        try:
            await bot.start()
            if isinstance(platform, Telegram):
                await platform.enrol()
            else:
                await platform.lead("/round setup Riverside")
            tally, finished = Tally(), asyncio.Event()
            dones = [asyncio.Event() for _ in platform.people()]
            everyone = asyncio.Event()

            async def all_done() -> None:
                await asyncio.gather(*(d.wait() for d in dones))
                everyone.set()

            await platform.lead("/round open")
            await asyncio.sleep(rng.uniform(0.05, 0.3))
            await bot.kill()  # in the middle of the invitations
            await bot.start()
            crowd = asyncio.gather(
                *(
                    participant(platform, who, random.Random(rng.random()), tally, done)
                    for who, done in zip(platform.people(), dones, strict=True)
                )
            )
            watcher = asyncio.create_task(all_done())
            killed = 1 + await killer(bot, kills - 1, rng, everyone)
            await crowd
            watcher.cancel()
            finished.set()
            closed_at = platform.mark()
            await again_until(lambda: platform.lead("/round close"))
            await wait_until(
                lambda: (
                    any("is closed" in post for post in platform.posts())
                    and platform.mark() > closed_at
                ),
                60,
            )
        finally:
            await bot.stop()
            await platform.fake.stop()
    stored = await stored_answers(url)
    if lock is not None:
        engine, connection = lock
        await connection.close()
        await engine.dispose()
    acknowledged = {(who, CATEGORY_ORDER[int(step) - 1]) for who, step in tally.acknowledged}
    posts = Counter(
        post.split("\n", 1)[0]
        for post in platform.posts()
        if "is open until" in post or "is closed" in post
    )
    return {
        "killed": killed,
        "acknowledged": len(acknowledged),
        "stored": sum(1 for who_category in stored if who_category[0] in platform.people()),
        "lost": len(acknowledged - set(stored)),
        "doubled": sum(count - 1 for count in stored.values() if count > 1),
        "stranded": len(tally.stranded),
        "posts doubled": sum(count - 1 for count in posts.values() if count > 1),
        "presses": tally.presses,
        "unacknowledged presses": tally.unacknowledged,
    }


TARGETS = ("lost", "doubled", "stranded", "posts doubled")


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--mode", choices=MODES, action="append")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="6 people, 2 kills, SQLite only")
    args = parser.parse_args(argv)
    if args.quick:
        args.participants, args.kills, args.only = 6, 2, args.only or "sqlite"
    postgres = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    missed = 0
    started = time.perf_counter()
    for mode in args.mode or MODES:
        for database in ("sqlite", "postgres"):
            if args.only and database != args.only:
                continue
            if database == "sqlite":
                url = f"sqlite:///{tempfile.mkdtemp(prefix='crash-db-')}/bot.db"
            else:
                url = postgres
            began = time.perf_counter()
            figures = await combination(
                mode, database, url, args.participants, args.kills, args.seed
            )
            verdict = [name for name in TARGETS if figures[name]]
            missed += bool(verdict)
            shown = ", ".join(f"{name} {value}" for name, value in figures.items())
            print(
                f"{mode:17} {database:8} {shown} | "
                f"{'ok' if not verdict else 'MISSED: ' + ', '.join(verdict)} "
                f"({time.perf_counter() - began:.0f} s)",
                flush=True,
            )
    print(f"all combinations in {time.perf_counter() - started:.0f} s")
    return 1 if missed else 0


def run(argv: list[str] | None = None, entry: Callable[..., Awaitable[int]] = main) -> int:
    return asyncio.run(entry(argv))


if __name__ == "__main__":
    raise SystemExit(run())
