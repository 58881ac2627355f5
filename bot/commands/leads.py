"""Lead commands typed in a channel or group: `/round setup|open|status|remind|close|...`.

A line is parsed into its typed request (bot/commands/parser.py) and run by the one front door
for lead requests (bot/commands/desk.py), exactly as a lead's web form is: one transaction, the
caller checked, the outcome said privately to the lead and announced in the chat. Bad input is
refused with the command's help, and nothing is changed.
"""

from __future__ import annotations

from bot.commands.desk import LeadDesk
from bot.commands.parser import Command, parse_chat_line
from bot.commands.requests import ChatLead
from bot.messages import IncomingText, Outgoing
from bot.platforms import Platforms


class LeadCommands:
    """`/round ...` in a chat; everyone but the leads gets a polite refusal."""

    def __init__(self, desk: LeadDesk, platforms: Platforms | None = None) -> None:
        self._desk = desk
        self._platforms = platforms or Platforms()

    async def handle(self, event: IncomingText, command: Command) -> list[Outgoing]:
        words = self._platforms[event.chat.platform]
        request = parse_chat_line(command, self._desk.rubric, words)
        actor = ChatLead(event.sender, event.chat, event.chat_admin, event.chat_title)
        delivery = None if event.delivery_id is None else (event.sender.platform, event.delivery_id)
        outcome = await self._desk.run(actor, request, delivery=delivery)
        return list(outcome.messages)
