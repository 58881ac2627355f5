"""Sends the core's outgoing messages to Teams through the Teams SDK's Bot Connector client.

A direct message goes to the person's 1:1 conversation with the bot: the one they wrote from,
or one opened with createConversation (members: the person, tenant: ours), which Teams answers
with the same conversation every time, so a restart only asks again. A card that was pressed is
updated in place (PUT on its activity). A chart travels inside an Adaptive Card with its text
beside it; a PDF cannot be posted by a bot into a chat without the person's consent each time,
so a lead is told to open the leads' pages, where every debrief pack is (`round web` sends a
one-time sign-in link).

Failures are told in the core's terms: Unreachable (the person never installed the app, left
the organisation or blocked it), TryAgain (429, 5xx, no connection: nothing went out; a 429's
Retry-After goes with it to the outbox), MaybeSent (no answer in time), Refused (anything else).
Nothing here retries: the outbox owns retries, so a message is never sent twice by us.
"""

from __future__ import annotations

import logging

import httpx
from microsoft_teams.api import Account, ApiClient
from microsoft_teams.api.activities.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.api.models.attachment import Attachment as CardAttachment

from adapters.teams.cards import CARD_TYPE, TEXT_FORMAT, escape, is_card, plain_text, render_card
from adapters.teams.limits import Pacer
from bot.messages import Outgoing, Purpose
from bot.ports import MaybeSent, Refused, TryAgain, Unreachable

log = logging.getLogger(__name__)
SEPARATOR = "|"  # between conversation id and activity id in a message id (ids hold ":")
GONE = frozenset({403, 404})  # a 1:1 the bot may not open or write to
STALE = frozenset({400, 404})  # an activity that can no longer be updated
DEBRIEF_NOTE = (
    "\n\nTeams does not let a bot drop a PDF into this chat. Your debrief pack is on the leads' "
    "pages: type “round web” here for a one-time sign-in link."
)


def message_id(conversation: str, activity: str) -> str:
    """How the core names a message it may later replace."""
    return f"{conversation}{SEPARATOR}{activity}"


def split_message_id(value: str) -> tuple[str, str] | None:
    conversation, _, activity = value.rpartition(SEPARATOR)
    return (conversation, activity) if conversation and activity else None


class TeamsSender:
    """Implements the Sender protocol for Teams."""

    def __init__(self, api: ApiClient, tenant_id: str, pacer: Pacer | None = None) -> None:
        self._api = api
        self._tenant = tenant_id
        self._pacer = pacer or Pacer()
        self._personal: dict[str, str] = {}  # user id -> their 1:1 conversation with the bot

    def remember(self, user_id: str, conversation_id: str) -> None:
        """The 1:1 conversation a person wrote to the bot from."""
        self._personal[user_id] = conversation_id

    async def send(self, message: Outgoing) -> None:
        try:
            await self._send(message)
        except httpx.HTTPStatusError as error:
            status = error.response.status_code
            if status == 429 or status >= 500:
                raise TryAgain(f"teams: {status}", _retry_after(error.response)) from None
            if status in GONE and (message.to.direct or message.private_to):
                self._personal.pop(message.private_to or message.to.chat_id, None)
                raise Unreachable(f"teams: {status}") from None
            if status == 401:  # our token was refused: the SDK fetches a new one next time
                raise TryAgain("teams: 401") from None
            raise Refused(f"teams: {status}") from None
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError):
            raise MaybeSent("teams did not answer in time") from None
        except httpx.TransportError as error:  # no connection: nothing reached Teams
            raise TryAgain(type(error).__name__) from None

    async def _send(self, message: Outgoing) -> None:
        conversations = self._api.conversations
        activity = self._activity(message)
        if message.replaces and message.attachment is None:
            target = split_message_id(message.replaces)
            if target is not None:
                try:
                    await conversations.update_activity(target[0], target[1], activity)
                    return
                except httpx.HTTPStatusError as error:
                    if error.response.status_code not in STALE:
                        raise
                    # Gone or too old to edit: say it in a new message instead.
        try:
            conversation = await self._conversation(message)
        except httpx.TimeoutException:
            # Nothing was posted yet, and Teams gives the same 1:1 when asked again.
            raise TryAgain("teams: createConversation did not answer in time") from None
        async with self._pacer.slot(conversation):
            await conversations.create_activity(conversation, activity)

    async def _conversation(self, message: Outgoing) -> str:
        """The conversation to post in: the chat, or a person's 1:1 (a message meant for one
        person in a channel goes to their 1:1: Teams has no message only one member sees)."""
        user = message.to.chat_id if message.to.direct else message.private_to
        if user is None:
            return message.to.chat_id
        if user not in self._personal:
            created = await self._api.conversations.create(
                CreateConversationParams(
                    members=[Account(id=user)],
                    tenant_id=self._tenant,
                    channel_data={"tenant": {"id": self._tenant}},
                )
            )
            self._personal[user] = created.id
        return self._personal[user]

    def _activity(self, message: Outgoing) -> MessageActivityInput:
        if message.attachment is not None and not message.attachment.is_image:
            note = DEBRIEF_NOTE if message.purpose is Purpose.DEBRIEF else ""
            return MessageActivityInput(text=escape(message.text + note), text_format=TEXT_FORMAT)
        if not is_card(message):
            return MessageActivityInput(text=plain_text(message), text_format=TEXT_FORMAT)
        card = CardAttachment(content_type=CARD_TYPE, content=render_card(message))
        return MessageActivityInput(attachments=[card])


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
