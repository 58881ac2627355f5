"""Sends the core's messages through the Bot API: one card, one message; edits in place.

Every call waits for a slot from the rate limiter; a RetryAfter answer holds the chat and the
same call is made again (nothing lost, nothing doubled: a 429 means Telegram did not send).
Other failures are not retried, because a timed-out send may have gone through.
"""

from __future__ import annotations

import os

# RetryAfter.retry_after as a timedelta (PTB's coming default); _retry_seconds reads both.
os.environ.setdefault("PTB_TIMEDELTA", "1")

import html
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from adapters.platform import NOT_FOLLOWED, ChatMoved
from adapters.telegram.limits import RateLimiter
from adapters.telegram.render import RenderedMessage, deep_link, render
from bot.messages import Address, Attachment, Outgoing
from bot.ports import MaybeSent, Refused, TryAgain, Unreachable

log = logging.getLogger(__name__)
T = TypeVar("T")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
START_ME_FIRST = (
    '<a href="tg://user?id={user}">You</a>: I answer that in a private chat, and Telegram lets '
    "me write to you only once you have started one. Open it with the button, press Start, "
    "then try again."
)


class TelegramSender:
    """The adapter's Sender: renders each Outgoing and sends it within the rate limits."""

    def __init__(
        self,
        bot: Bot,
        limiter: RateLimiter,
        username: Callable[[], str],
        on_rate_limited: Callable[[], None] = lambda: None,
        chat_moved: ChatMoved = NOT_FOLLOWED,
    ) -> None:
        self._bot, self._limiter, self._username = bot, limiter, username
        self._on_rate_limited = on_rate_limited  # counted in /metrics
        self._chat_moved = chat_moved

    async def send(self, message: Outgoing) -> None:
        try:
            await self._send_as_addressed(message)
        except ChatMigrated as migrated:
            # The group became a supergroup and we missed the news: follow it, send there.
            moved = replace(message, to=replace(message.to, chat_id=str(migrated.new_chat_id)))
            await self._chat_moved(message.to.chat, moved.to.chat)
            await self._send_as_addressed(replace(moved, replaces=None))

    async def _send_as_addressed(self, message: Outgoing) -> None:
        if message.private_to and not message.to.direct:
            await self._send_privately(message, message.private_to)
        else:
            await self._send(message)

    async def _send_privately(self, message: Outgoing, user_id: str) -> None:
        """Telegram has no ephemeral messages: a reply meant for one person goes to their DM."""
        dm = Address(message.to.platform, user_id, direct=True)
        try:
            await self._send(replace(message, to=dm, private_to=None, replaces=None))
        except Unreachable:
            # They never started the bot: ask them to, in the group, without the private text.
            note = START_ME_FIRST.format(user=html.escape(user_id))
            button = InlineKeyboardButton("Open a chat with me", url=deep_link(self._username()))
            await self._post(message.to, note, InlineKeyboardMarkup([[button]]))

    async def _send(self, message: Outgoing) -> None:
        rendered = render(message, self._username())
        pages = list(rendered.pages)
        if message.replaces and await self._edit(message, rendered):
            pages = pages[1:]  # the first page went into the edited message
        elif message.attachment is not None:
            keyboard = None if pages else rendered.keyboard
            await self._file(message, message.attachment, rendered.caption_html or "", keyboard)
        else:
            await self._post(message.to, pages.pop(0), rendered.markup if not pages else None)
        for index, page in enumerate(pages):
            markup = rendered.markup if index == len(pages) - 1 else None
            await self._post(message.to, page, markup)

    async def _edit(self, message: Outgoing, rendered: RenderedMessage) -> bool:
        """Edit the message in place; False when it cannot be (then it is sent anew)."""
        chat, _, message_id = (message.replaces or "").partition(":")
        if message.attachment or chat != message.to.chat_id or not message_id.isdigit():
            return False  # an edit may only touch a message in the chat it is addressed to
        keyboard = rendered.keyboard if len(rendered.pages) == 1 else None
        try:
            await self._call(
                message.to,
                False,
                lambda: self._bot.edit_message_text(
                    rendered.pages[0],
                    chat_id=int(chat),
                    message_id=int(message_id),
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    link_preview_options=NO_PREVIEW,
                ),
            )
        except Refused as error:
            if "not modified" in str(error).lower():
                return True  # a repeated press: the message already shows this
            log.warning("editing a message failed (%s); sending it anew", error)
            return False
        return True

    async def _file(
        self,
        message: Outgoing,
        attachment: Attachment,
        caption: str,
        keyboard: InlineKeyboardMarkup | None,
    ) -> None:
        """A chart as a photo (shown inline); any other file (a PDF) as a document."""
        chat = int(message.to.chat_id)
        send = self._bot.send_photo if attachment.is_image else self._bot.send_document
        await self._call(
            message.to,
            True,
            lambda: send(
                chat,
                attachment.content,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                filename=attachment.name,
            ),
        )

    async def _post(
        self, to: Address, text: str, keyboard: InlineKeyboardMarkup | ForceReply | None
    ) -> None:
        await self._call(
            to,
            True,
            lambda: self._bot.send_message(
                int(to.chat_id),
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                link_preview_options=NO_PREVIEW,
            ),
        )

    async def _call(self, to: Address, new_message: bool, call: Callable[[], Awaitable[T]]) -> T:
        """One API call within the limits, repeated after RetryAfter. Says how it failed in the
        core's terms: Unreachable (a private chat blocked, or never started), TryAgain
        (Telegram did not take it: 5xx, no connection, RetryAfter too often), MaybeSent (no
        answer in time), Refused (anything else Telegram will not take)."""
        group = not to.direct
        waited = 0.0
        for _ in range(self._limiter.limits.max_retries + 1):
            await self._limiter.acquire(to.chat_id, group=group, new_message=new_message)
            try:
                return await call()
            except RetryAfter as error:
                self._on_rate_limited()
                waited = retry_seconds(error)
                self._limiter.hold(to.chat_id, waited)
            except Forbidden as error:
                # Blocked or never started (a private chat), or the bot was removed from
                # the group: trying again later would not help.
                raise Unreachable(error.message) from error
            except BadRequest as error:
                if to.direct and "chat not found" in error.message.lower():
                    raise Unreachable(error.message) from error
                raise Refused(error.message) from error
            except TimedOut as error:
                raise MaybeSent(error.message) from error
            except NetworkError as error:  # 5xx or no connection: Telegram did not take it
                raise TryAgain(error.message) from error
        raise TryAgain(f"Telegram kept answering RetryAfter for chat {to.chat_id}", waited)


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
