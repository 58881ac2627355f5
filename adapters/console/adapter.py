"""A chat in the terminal: act as the lead and as participants, see what the platforms show.

Lines starting with /round go to the community channel; anything else goes to your DM with the
bot. Typing a button's label presses that button on the last message that carried it.
`:as alice` switches who you are (and makes alice a member of the channel). Reads a script
from stdin just as well as a person at the keyboard.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.app import MaturityBot
from bot.messages import Address, IncomingChoice, IncomingText, Outgoing
from bot.model import ChatRef, PersonRef

PLATFORM = "console"
CHANNEL = "general"
CONSOLE_HELP = """Console commands:
  :as NAME     act as NAME (joins the #general channel)
  :who         who you are and who is in the channel
  :quit        leave (Ctrl-D works too)
  /round ...   a lead command in #general (try /round help)
  anything     a message to the bot in your DM; type a button's label to press it"""
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")


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

    async def members(self, chat: ChatRef) -> Sequence[PersonRef]:
        return list(self._people.values()) if chat.platform == PLATFORM else []


class Console:
    """Turns typed lines into events and prints the bot's replies."""

    def __init__(
        self, bot: MaturityBot, directory: ConsoleDirectory, out: TextIO, charts: Path
    ) -> None:
        self._bot, self._directory, self._out, self._charts = bot, directory, out, charts
        self._me = directory.join("lead")
        self._next_id = 0
        self._buttons: dict[str, tuple[str, dict[str, str]]] = {}  # user -> (msg id, label->id)

    @property
    def prompt(self) -> str:
        return f"{self._me.display_name}> "

    async def line(self, raw: str) -> bool:
        """Handle one typed line; False when the user wants to leave."""
        text = raw.strip()
        if not text or text.startswith("#"):
            return True
        if text.startswith(":"):
            return self._console_command(text)
        if text.startswith("/round"):
            event: IncomingText | IncomingChoice = IncomingText(
                self._me, Address(PLATFORM, CHANNEL), text
            )
        else:
            event = self._dm_event(text)
        for message in await self._bot.handle(event):
            self._show(message)
        return True

    def _dm_event(self, text: str) -> IncomingText | IncomingChoice:
        dm = Address.dm(self._me)
        message_id, labels = self._buttons.get(self._me.user_id, ("", {}))
        choice_id = labels.get(text.lower())
        if choice_id is not None:
            return IncomingChoice(self._me, dm, choice_id, message_id)
        return IncomingText(self._me, dm, text)

    def _console_command(self, text: str) -> bool:
        word, _, arg = text.partition(" ")
        if word == ":quit":
            return False
        if word == ":as" and _NAME.match(arg.strip()):
            self._me = self._directory.join(arg.strip())
            self._print(f"(you are now {self._me.display_name})")
        elif word == ":who":
            names = ", ".join(self._directory.names())
            self._print(f"(you are {self._me.display_name}; in #{CHANNEL}: {names})")
        else:
            self._print(CONSOLE_HELP)
        return True

    def _show(self, message: Outgoing) -> None:
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
            self._buttons[message.to.chat_id] = (message_id, labels)
        elif (
            message.replaces and self._buttons.get(message.to.chat_id, ("",))[0] == message.replaces
        ):
            del self._buttons[message.to.chat_id]  # the edit took that message's buttons away
        if message.join_code:
            lines.append(f"(to take part, type in your DM: /start {message.join_code})")
        if message.image is not None:
            lines.append(f"(chart saved: {self._save(message.image, message.image_name)})")
        self._print("\n".join(lines))

    def _save(self, image: bytes, name: str | None) -> Path:
        """Charts go to a folder; a terminal cannot show them."""
        self._charts.mkdir(parents=True, exist_ok=True)
        path = self._charts / (name or f"image-{self._next_id}.png")
        path.write_bytes(image)
        return path

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)


async def run_console(
    bot: MaturityBot,
    directory: ConsoleDirectory,
    charts: Path,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> None:
    """Read lines until end of input or :quit; charts are saved in the charts folder."""
    console = Console(bot, directory, out, charts)
    interactive = stdin.isatty()
    if interactive:
        print("maturity-bot console. Type :help for help, /round help for lead commands.", file=out)
    while True:
        if interactive:
            print(console.prompt, end="", file=out, flush=True)
        raw = stdin.readline()
        if not raw:
            return
        if not interactive and raw.strip() and not raw.lstrip().startswith("#"):
            print(f"{console.prompt}{raw.rstrip()}", file=out)
        if not await console.line(raw):
            return
