"""The bot's front door: routes every incoming event to the participant or the lead side.

No exception escapes to a user: a failure is logged (without message contents) and the user
gets a short apology, with nothing half-stored because each handler runs in one transaction.
"""

from __future__ import annotations

import logging

from bot.commands.leads import LeadCommands
from bot.commands.parser import parse_command
from bot.conversation.participants import Conversation
from bot.messages import Address, Incoming, IncomingChoice, IncomingJoin, Outgoing
from bot.privacy.requests import PrivacyDesk, request_of

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again."
PARTICIPANT_HELP = (
    "I run your community's maturity self-assessment. When a round is open I send you the "
    "questions here; press a button or type its label (1 to 5, “not sure”, “back”). "
    "Type “continue” any time to pick up where you left off, “my data” to see what I store "
    "about you, or “forget me” to erase it."
)
LEAD_COMMANDS_HERE = (
    "Lead commands work in your community's channel or group, not in this chat. "
    "Type “continue” to carry on with your own answers."
)


class MaturityBot:
    """Turns one incoming event into the messages to send back."""

    def __init__(
        self, conversation: Conversation, leads: LeadCommands, privacy: PrivacyDesk
    ) -> None:
        self._conversation = conversation
        self._leads = leads
        self._privacy = privacy

    async def handle(self, event: Incoming) -> list[Outgoing]:
        try:
            return await self._route(event)
        except Exception:
            log.exception("handling a %s event failed", type(event).__name__)
            return [Outgoing(event.chat, SORRY, private_to=event.sender.user_id)]

    async def mark_unreachable(self, dm: Address) -> None:
        """The platform refused to deliver to this person: count them as unreachable."""
        try:
            await self._conversation.mark_unreachable(dm)
        except Exception:
            log.exception("marking a participant unreachable failed")

    async def _route(self, event: Incoming) -> list[Outgoing]:
        if isinstance(event, IncomingChoice):
            return await self._conversation.choice(event)
        if isinstance(event, IncomingJoin):
            if event.code:
                return await self._conversation.enrol(event)
            return [Outgoing(event.chat, PARTICIPANT_HELP)]
        command = parse_command(event.text)
        if command is not None:
            if event.chat.direct:
                return [Outgoing(event.chat, LEAD_COMMANDS_HERE)]
            return await self._leads.handle(event, command)
        if not event.chat.direct:
            return []  # ordinary channel chatter is not for the bot
        if event.text.strip().lower() in ("help", "/help", "?help"):
            return [Outgoing(event.chat, PARTICIPANT_HELP)]
        if (request := request_of(event.text)) is not None:
            return await self._privacy.handle(event, request)
        return await self._conversation.text(event)
