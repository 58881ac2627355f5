"""Telegram updates as the core's events, and who administers a group.

Pure translation (update in, IncomingText/IncomingChoice out) plus a small cache of each
group's administrators, who count as leads there (getChatAdministrators is asked at most every
few minutes per group).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from telegram import Bot, CallbackQuery, Message, User
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.conversation.choices import parse_choice
from bot.messages import Address, IncomingChoice, IncomingJoin, IncomingText
from bot.model import ChatRef, PersonRef

log = logging.getLogger(__name__)
PLATFORM = "telegram"
ADMINS_TTL = 300.0  # seconds a group's administrator list is trusted
_ROUND = re.compile(r"^/round(?:@([A-Za-z0-9_]+))?(?=\s|$)", re.IGNORECASE)


# The fields of an update the bot reads, with the types the Bot API gives them. A webhook body
# that lacks a required field, or has any of these mistyped, is no update: the library would
# take it, and the bot would trip over it later.
Kind = type | tuple[type, ...]


@dataclass(frozen=True)
class Shape:
    """An object of the Bot API: its required and optional fields, each a type or a Shape."""

    required: Mapping[str, Kind | Shape]
    optional: Mapping[str, Kind | Shape] = field(default_factory=dict)

    def fits(self, value: object) -> bool:
        """Whether value is such an object (a JSON true is no number here)."""
        if not isinstance(value, dict) or any(key not in value for key in self.required):
            return False
        fields = {**self.required, **self.optional}
        return all(_fits(value[key], kind) for key, kind in fields.items() if key in value)


def _fits(value: object, kind: Kind | Shape) -> bool:
    if isinstance(kind, Shape):
        return kind.fits(value)
    return isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)


_USER = Shape({"id": int, "is_bot": bool, "first_name": str}, {"last_name": str, "username": str})
_CHAT = Shape({"id": int, "type": str}, {"title": str, "username": str, "first_name": str})
_MESSAGE = Shape(
    {"message_id": int, "date": int, "chat": _CHAT},
    {"from": _USER, "text": str, "migrate_to_chat_id": int, "migrate_from_chat_id": int},
)
_CALLBACK = Shape(
    {"id": str, "from": _USER, "chat_instance": str}, {"message": _MESSAGE, "data": str}
)
_MEMBER = Shape({"status": str, "user": _USER})
_MEMBER_UPDATED = Shape(
    {"chat": _CHAT, "from": _USER, "date": int, "old_chat_member": _MEMBER},
    {"new_chat_member": _MEMBER},
)
UPDATE = Shape(
    {"update_id": int},
    {
        "message": _MESSAGE,
        "edited_message": _MESSAGE,
        "callback_query": _CALLBACK,
        "my_chat_member": _MEMBER_UPDATED,
        "chat_member": _MEMBER_UPDATED,
    },
)


def person(user: User) -> PersonRef:
    """The user as the core sees them: their name (PersonRef cleans and bounds it), or their
    @username when the name shows as nothing at all."""
    ref = PersonRef(PLATFORM, str(user.id), user.full_name)
    if not ref.display_name and user.username:
        return PersonRef(PLATFORM, str(user.id), f"@{user.username}")
    return ref


def round_command(text: str, bot_username: str) -> str | None:
    """'/round@ThisBot open' -> '/round open'; None for other text and other bots' commands."""
    match = _ROUND.match(text.strip())
    if match is None:
        return None
    addressed = match.group(1)
    if addressed is not None and addressed.lower() != bot_username.lower():
        return None
    return "/round" + text.strip()[match.end() :]


def group_text(
    message: Message, user: User, text: str, admin: bool, update_id: int
) -> IncomingText:
    chat = Address(PLATFORM, str(message.chat.id))
    title = message.chat.title or ""
    return IncomingText(
        person(user), chat, text, str(update_id), chat_admin=admin, chat_title=title
    )


def moved_chat(message: Message) -> tuple[ChatRef, ChatRef] | None:
    """(old chat, new chat) when the message says a group became a supergroup: Telegram says
    it in both, migrate_to_chat_id in the old group and migrate_from_chat_id in the new."""
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return None
    return ChatRef(PLATFORM, str(old)), ChatRef(PLATFORM, str(new))


def private_text(message: Message, user: User, update_id: int) -> IncomingText | IncomingJoin:
    """Text in the private chat; `/start CODE` (a "Take part" deep link) is a join."""
    sender = person(user)
    text = message.text or ""
    command, _, payload = text.strip().partition(" ")
    if command.lower().partition("@")[0] == "/start":
        return IncomingJoin(sender, Address.dm(sender), payload.strip() or None, str(update_id))
    return IncomingText(sender, Address.dm(sender), text, str(update_id))


def choice(query: CallbackQuery, update_id: int) -> IncomingChoice:
    sender = person(query.from_user)
    message = query.message
    message_id = f"{message.chat.id}:{message.message_id}" if message else None
    return IncomingChoice(sender, Address.dm(sender), query.data or "", message_id, str(update_id))


def obviously_forged(query: CallbackQuery) -> bool:
    """Data that is no choice id at all, or a button outside the presser's private chat with
    the bot (the core only ever puts buttons there). Anything subtler is for the core."""
    message = query.message
    in_own_chat = (
        message is not None
        and message.chat.type == ChatType.PRIVATE
        and message.chat.id == query.from_user.id
    )
    return not in_own_chat or parse_choice(query.data or "") is None


class GroupAdmins:
    """Which users administer a group, cached per group; an API failure means "not admin"."""

    def __init__(self, bot: Bot, clock: Callable[[], float] = time.monotonic) -> None:
        self._bot, self._clock = bot, clock
        self._cache: dict[int, tuple[float, frozenset[int]]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        cached = self._cache.get(chat_id)
        now = self._clock()
        if cached is None or cached[0] <= now:
            try:
                members = await self._bot.get_chat_administrators(chat_id)
            except TelegramError as error:
                log.warning("getChatAdministrators failed: %s", type(error).__name__)
                return False
            cached = (now + ADMINS_TTL, frozenset(m.user.id for m in members))
            self._cache[chat_id] = cached
        return user_id in cached[1]
