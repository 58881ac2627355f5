"""The bot's front door: routes every incoming event to the participant or the lead side.

Every reply is decided and stored (as outbox rows) in the event's transaction, so once
handle() returns, the platform may be told the event was received. No exception escapes to a
user: a failure is logged (without message contents), nothing is half-stored because each
handler runs in one transaction, and the person gets an apology straight away (it cannot wait
in the outbox: storing may be what failed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.commands.leads import LeadCommands
from bot.commands.parser import parse_command
from bot.conversation.participants import Conversation
from bot.messages import Incoming, IncomingChoice, IncomingJoin, Outgoing
from bot.ports import Clock, Repository, Storage, StorageUnavailable
from bot.privacy.requests import PrivacyDesk, request_of
from bot.transaction import OutageLog, in_transaction

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again."
PARTICIPANT_HELP = (
    "I run your community's maturity self-assessment. When a round is open I send you the "
    "questions here; press a button or type its label (1 to 5, “not sure”, “back”). "
    "To comment on the question you are looking at, press Comment or just type a sentence: "
    "it is saved on that question, and the reply names it. To change or remove a comment "
    "later, press “Change an answer” and pick the question. Type “continue” any time to "
    "pick up where you left off, “my data” to see what I store about you, or “forget me” "
    "to erase it."
)
LEAD_COMMANDS_HERE = (
    "Lead commands work in your community's channel or group, not in this chat. "
    "Type “continue” to carry on with your own answers."
)
HELP_WORDS = ("help", "/help", "?help")


@dataclass(frozen=True)
class Handled:
    """What came of an event: the replies stored for sending, or, when nothing could be
    stored, an apology to send at once."""

    replies: tuple[Outgoing, ...] = ()
    apology: Outgoing | None = None


class MaturityBot:
    """Turns one incoming event into the replies owed for it."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        conversation: Conversation,
        leads: LeadCommands,
        privacy: PrivacyDesk,
    ) -> None:
        self._storage, self._clock = storage, clock
        self._conversation = conversation
        self._leads = leads
        self._privacy = privacy
        self._outage = OutageLog(log, "everyone who writes is told nothing was changed")

    async def handle(self, event: Incoming) -> Handled:
        try:
            handled = Handled(tuple(await self._route(event)))
        except StorageUnavailable:  # said once per outage, not with a traceback per event
            self._outage.failed()
        except Exception:
            log.exception("handling a %s event failed", type(event).__name__)
        else:
            self._outage.worked()
            return handled
        return Handled(apology=Outgoing(event.chat, SORRY, private_to=event.sender.user_id))

    async def _route(self, event: Incoming) -> list[Outgoing]:
        if isinstance(event, IncomingChoice):
            return await self._conversation.choice(event)
        if isinstance(event, IncomingJoin):
            if event.code:
                return await self._conversation.enrol(event)
            return await self._say(event, PARTICIPANT_HELP)
        command = parse_command(event.text)
        if command is not None:
            if event.chat.direct:
                return await self._say(event, LEAD_COMMANDS_HERE)
            return await self._leads.handle(event, command)
        if not event.chat.direct:
            return []  # ordinary channel chatter is not for the bot
        if event.text.strip().lower() in HELP_WORDS:
            return await self._say(event, PARTICIPANT_HELP)
        if (request := request_of(event.text)) is not None:
            return await self._privacy.handle(event, request)
        return await self._conversation.text(event)

    async def _say(self, event: Incoming, text: str) -> list[Outgoing]:
        """A reply that changes nothing, stored (and the delivery recorded) like any other."""

        async def work(_repo: Repository) -> list[Outgoing]:
            return [Outgoing(event.chat, text)]

        return await in_transaction(self._storage, self._clock, work, event)
