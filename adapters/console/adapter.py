"""A chat in the terminal: act as the lead and as participants, see what the platforms show.

Lines starting with /round go to the community channel; anything else goes to your DM with the
bot. Typing a button's label presses that button on the last message that carried it.
`:as alice` switches who you are (and makes alice a member of the channel); `:clock +3d` moves
the console's clock and lets the scheduler do what has come due. Reads a script from stdin
just as well as a person at the keyboard. Events go through the same dispatcher, delivery and
scheduler as Slack's and Telegram's.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.console.settings import PLATFORM, ConsoleSettings
from adapters.platform import AdapterContext
from bot.conversation.cards import format_moment
from bot.messages import (
    Address,
    Attachment,
    Incoming,
    IncomingChoice,
    IncomingJoin,
    IncomingText,
    Outgoing,
)
from bot.model import ChatRef, PersonRef
from bot.ports import ShiftedClock
from bot.roster import Roster

CHANNEL = "general"
CONSOLE_HELP = """Console commands:
  :as NAME        act as NAME (joins the #general channel)
  :who            who you are and who is in the channel
  :clock +3d      move the clock on (d, h or m) and let the scheduler do what is due
  :clock          what time it is for the bot
  :quit           leave (Ctrl-D works too)
  /round ...      a lead command in #general (try /round help)
  /start CODE     follow a "Take part" link (in your DM)
  anything        a message to the bot in your DM; type a button's label to press it"""
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")
_SHIFT = re.compile(r"^\+(\d{1,4})([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class ConsoleDirectory:
    """The channel's members: everyone who has spoken in this console session."""

    def __init__(self) -> None:
        self._people: dict[str, PersonRef] = {}

    def join(self, name: str) -> PersonRef:
        ref = PersonRef(PLATFORM, name.lower(), name)
        self._people.setdefault(ref.user_id, ref)
        return ref

    def names(self) -> list[str]:
        return sorted(p.display_name for p in self._people.values())

    async def members(self, chat: ChatRef) -> Roster:
        people = tuple(self._people.values()) if chat.platform == PLATFORM else ()
        return Roster(people)

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        return self._people.get(user_id) if chat.platform == PLATFORM else None


class ConsoleSender:
    """Prints each message as the platforms would show it; remembers each DM's buttons."""

    def __init__(self, out: TextIO, charts: Path) -> None:
        self._out, self._charts = out, charts
        self._next_id = 0
        self.buttons: dict[str, tuple[str, dict[str, str]]] = {}  # user -> (msg id, label->id)

    async def send(self, message: Outgoing) -> None:
        if message.to.direct:
            place = f"DM to {message.to.chat_id}"
        else:
            place = f"#{CHANNEL}" + (
                f", only {message.private_to} sees this" if message.private_to else ""
            )
        if message.replaces:
            header = f"── {place} · edits message {message.replaces} ──"
        else:
            self._next_id += 1
            header = f"── {place} · message {self._next_id} ──"
        lines = [header, message.text]
        if message.choices:
            lines.append("   " + "  ".join(f"[{c.label}]" for c in message.choices))
            labels = {c.label.lower(): c.id for c in message.choices}
            message_id = message.replaces or str(self._next_id)
            self.buttons[message.to.chat_id] = (message_id, labels)
        elif message.replaces and self.buttons.get(message.to.chat_id, ("",))[0] == (
            message.replaces
        ):
            del self.buttons[message.to.chat_id]  # the edit took that message's buttons away
        if message.join_code:
            lines.append(f"(to take part, type in your DM: /start {message.join_code})")
        if message.attachment is not None:
            what = "chart" if message.attachment.is_image else "file"
            lines.append(f"({what} saved: {self._save(message.attachment)})")
        self.print("\n".join(lines))

    def _save(self, attachment: Attachment) -> Path:
        """Charts and documents go to a folder; a terminal cannot show them."""
        self._charts.mkdir(parents=True, exist_ok=True)
        path = self._charts / Path(attachment.name).name  # never outside the folder
        path.write_bytes(attachment.content)
        return path

    def print(self, text: str) -> None:
        print(text, file=self._out, flush=True)


class ConsoleAdapter:
    """The console as a platform: its lines become events for the dispatcher."""

    platform = PLATFORM

    def __init__(self, settings: ConsoleSettings, context: AdapterContext) -> None:
        self._settings, self._context = settings, context
        self.directory = ConsoleDirectory()
        self.sender = ConsoleSender(settings.stdout, settings.charts)
        self._me = self.directory.join("lead")

    async def start(self) -> None:
        """Nothing to connect to; run() reads the lines."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def ready(self) -> bool:
        return True

    @property
    def prompt(self) -> str:
        return f"{self._me.display_name}> "

    async def run(self) -> None:
        """Read lines until end of input or :quit."""
        stdin, out = self._settings.stdin, self._settings.stdout
        interactive = stdin.isatty()
        if interactive:
            print(
                "maturity-bot console. Type :help for help, /round help for lead commands.",
                file=out,
            )
        while True:
            if interactive:
                print(self.prompt, end="", file=out, flush=True)
            raw = await asyncio.to_thread(stdin.readline)
            if not raw:
                return
            if not interactive and raw.strip() and not raw.lstrip().startswith("#"):
                print(f"{self.prompt}{raw.rstrip()}", file=out)
            if not await self.line(raw):
                return

    async def line(self, raw: str) -> bool:
        """Handle one typed line; False when the user wants to leave."""
        text = raw.strip()
        if not text or text.startswith("#"):
            return True
        if text.startswith(":"):
            return await self._console_command(text)
        await self._context.dispatch(self._event(text))
        await self._context.drain()  # what it caused is printed before the next line is read
        return True

    def _event(self, text: str) -> Incoming:
        if text.startswith("/round"):
            return IncomingText(self._me, Address(PLATFORM, CHANNEL), text, chat_title=CHANNEL)
        dm = Address.dm(self._me)
        word, _, code = text.partition(" ")
        if word.lower() == "/start":  # a "Take part" link, as Telegram delivers one
            return IncomingJoin(self._me, dm, code.strip() or None)
        message_id, labels = self.sender.buttons.get(self._me.user_id, ("", {}))
        choice_id = labels.get(text.lower())
        if choice_id is not None:
            return IncomingChoice(self._me, dm, choice_id, message_id)
        return IncomingText(self._me, dm, text)

    async def _console_command(self, text: str) -> bool:
        word, _, arg = text.partition(" ")
        if word == ":quit":
            return False
        if word == ":as" and _NAME.match(arg.strip()):
            self._me = self.directory.join(arg.strip())
            self.sender.print(f"(you are now {self._me.display_name})")
        elif word == ":who":
            names = ", ".join(self.directory.names())
            self.sender.print(f"(you are {self._me.display_name}; in #{CHANNEL}: {names})")
        elif word == ":clock":
            await self._clock(arg.strip())
        else:
            self.sender.print(CONSOLE_HELP)
        return True

    async def _clock(self, arg: str) -> None:
        clock = self._context.clock
        if arg:
            match = _SHIFT.match(arg)
            if match is None or not isinstance(clock, ShiftedClock):
                self.sender.print("(move the clock on with :clock +3d, +6h or +30m)")
                return
            clock.forward(timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
        self.sender.print(f"(the bot's clock: {format_moment(clock.now(), 'UTC')})")
        if arg:
            await self._context.run_due_work()


def fixed_start(text: str) -> datetime:
    """`2027-03-01 09:00` (UTC) for `console --now`; ValueError when it is no such moment."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
