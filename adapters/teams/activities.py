"""Teams activities as the core's events: pure translation, no Teams calls.

- A message in a 1:1 chat: text the person typed (a number or a level word answers a card), or
  the press of a card's button (Action.Submit: the value carries the choice and the comment box).
- A message in a team's channel or a group chat: a lead's `@maturity-bot round …`. The bot's
  own mention is taken out and `round …` becomes the core's `/round …`; another person's
  mention becomes `teams:<their id>`, as the core writes people.
- The app installed in a team (conversationUpdate naming the bot among membersAdded): the
  installer sets the team up as a community, and becomes its first lead.
"""

from __future__ import annotations

import html
import re

from microsoft_teams.api.activities.conversation import ConversationUpdateActivity
from microsoft_teams.api.activities.message import MessageActivity
from microsoft_teams.api.models import Account

from adapters.teams.cards import pressed
from adapters.teams.sender import message_id
from adapters.teams.settings import PLATFORM
from bot.messages import Address, IncomingChoice, IncomingText
from bot.model import PersonRef
from bot.platform_text import PERSON_NAME_CHARS, one_line

COMMAND = "/round"
PERSONAL = "personal"
_AT = re.compile(r"<at>(.*?)</at>", re.S)
_TAG = re.compile(r"<[^>]+>")
_ROUND = re.compile(r"^\s*/?round\b", re.I)


def person(account: Account | None) -> PersonRef:
    if account is None:
        raise ValueError("an activity from no one")
    return PersonRef(PLATFORM, account.id, one_line(account.name or "", PERSON_NAME_CHARS))


def chat_id(conversation_id: str) -> str:
    """A channel's conversation without the thread it was written in (;messageid=…)."""
    return conversation_id.split(";", 1)[0]


def is_personal(activity: MessageActivity | ConversationUpdateActivity) -> bool:
    return (activity.conversation.conversation_type or PERSONAL) == PERSONAL


def delivery(activity: MessageActivity | ConversationUpdateActivity) -> str:
    """The id Teams gives the activity (sent again with the same id when it retries)."""
    return f"teams-{activity.id}"


def team_title(activity: MessageActivity | ConversationUpdateActivity) -> str:
    data = activity.channel_data
    team = data.team if data is not None else None
    name = (team.name if team is not None else None) or activity.conversation.name or ""
    return one_line(name, 80)


def neutral_text(activity: MessageActivity) -> str:
    """The text with the bot's mention taken out and other people's as teams:<id>."""
    text = activity.text or ""
    names: dict[str, str] = {}
    for entity in activity.entities or []:
        mentioned = getattr(entity, "mentioned", None)
        written = getattr(entity, "text", None)
        if isinstance(mentioned, Account) and isinstance(written, str):
            names[written] = (
                "" if mentioned.id == activity.recipient.id else f"{PLATFORM}:{mentioned.id}"
            )
    text = _AT.sub(lambda m: names.get(m.group(0), m.group(1)), text)
    return html.unescape(_TAG.sub("", text)).strip()


def message_event(activity: MessageActivity) -> IncomingText | IncomingChoice | None:
    """A message as the core's event; None when it is nothing for the core (a press of
    something that is not ours, an empty message)."""
    sender = person(activity.from_)
    if is_personal(activity):
        choice = pressed(activity.value)
        if choice is not None:
            card = activity.reply_to_id
            return IncomingChoice(
                sender,
                Address.dm(sender),
                choice_id=choice[0],
                message_id=message_id(activity.conversation.id, card) if card else None,
                delivery_id=delivery(activity),
                comment=choice[1],
            )
        text = neutral_text(activity)
        if not text:
            return None
        if _ROUND.match(text):
            text = _ROUND.sub(COMMAND, text, count=1)
        return IncomingText(sender, Address.dm(sender), text, delivery_id=delivery(activity))
    text = neutral_text(activity)
    if not _ROUND.match(text):
        return None  # in a team only `@maturity-bot round …` is for the bot
    return IncomingText(
        sender,
        Address(PLATFORM, chat_id(activity.conversation.id)),
        _ROUND.sub(COMMAND, text, count=1),
        delivery_id=delivery(activity),
        chat_title=team_title(activity),
    )


def installed_by(activity: ConversationUpdateActivity) -> IncomingText | None:
    """The app added to a team or a group chat: its installer sets it up (None for any
    other membership change, and for a personal install)."""
    added = activity.members_added or []
    if is_personal(activity) or not any(m.id == activity.recipient.id for m in added):
        return None
    installer = person(activity.from_)
    return IncomingText(
        installer,
        Address(PLATFORM, chat_id(activity.conversation.id)),
        f"{COMMAND} setup",
        delivery_id=delivery(activity),
        chat_admin=True,  # they installed the app in this team: Teams let them
        chat_title=team_title(activity),
    )
