"""The core's outgoing messages as Telegram shows them: HTML text and an inline keyboard.

Pure functions, no network: everything the sender needs to call sendMessage, sendPhoto,
sendDocument or editMessageText. Telegram's limits (text 4096, caption 1024, callback_data 64
bytes, 100 buttons, 8 per row) are enforced here, loudly, rather than discovered as a 400 in
production.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.conversation.choices import Action, parse_choice
from bot.messages import Choice, Outgoing

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
BUTTONS_LIMIT = 100
ROW_LIMIT = 8
REPLY_HINT_LIMIT = 64  # ForceReply's input_field_placeholder
TAKE_PART = "Take part"
_BOLD = re.compile(r"\*([^*\n]+)\*")
_PAIRED = {Action.NOT_SURE, Action.BACK}  # "Not sure" and "Back" share a row under the levels


@dataclass(frozen=True)
class RenderedMessage:
    """text_html is the whole text; pages are the messages it takes (the keyboard goes on the
    last one). With a file, caption_html goes with the photo or document and pages hold the
    rest."""

    text_html: str
    keyboard: InlineKeyboardMarkup | None
    pages: tuple[str, ...]
    caption_html: str | None = None
    # A message asking for a typed reply (a comment) opens the reply box, naming what it is for.
    force_reply: ForceReply | None = None

    @property
    def markup(self) -> InlineKeyboardMarkup | ForceReply | None:
        """What goes with the message's last page: its buttons, or the reply box."""
        return self.keyboard or self.force_reply


def render(message: Outgoing, bot_username: str) -> RenderedMessage:
    """The message as HTML pages and a keyboard; raises ValueError past Telegram's limits."""
    keyboard = _keyboard(message, bot_username)
    if message.reply_hint and keyboard is None and message.attachment is None:
        asking = ForceReply(input_field_placeholder=message.reply_hint[:REPLY_HINT_LIMIT])
        pages = tuple(to_html(page) for page in split_text(message.text))
        return RenderedMessage(to_html(message.text), None, pages, force_reply=asking)
    if message.attachment is not None:
        caption, rest = split_caption(message.text)
        pages = tuple(to_html(page) for page in split_text(rest)) if rest.strip() else ()
        return RenderedMessage(to_html(message.text), keyboard, pages, to_html(caption))
    pages = tuple(to_html(page) for page in split_text(message.text))
    return RenderedMessage(to_html(message.text), keyboard, pages)


def to_html(text: str) -> str:
    """Escape everything; the core's *bold* markers become <b> (they never span lines)."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text))


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_caption(text: str, limit: int = CAPTION_LIMIT) -> tuple[str, str]:
    """A photo caption (cut at a line break) and the rest of the text."""
    if telegram_length(text) <= limit:
        return text, ""
    head = _cut(text, limit)
    return head.rstrip(), text[len(head) :].lstrip("\n")


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pages of at most limit, split at line breaks (at spaces for very long lines)."""
    pages = []
    rest = text
    while telegram_length(rest) > limit:
        head = _cut(rest, limit)
        pages.append(head.rstrip())
        rest = rest[len(head) :].lstrip("\n")
    pages.append(rest)
    return [page for page in pages if page.strip()] or [text]


def _cut(text: str, limit: int) -> str:
    """The longest head of text within limit, ending after a line break if there is one."""
    end, used = 0, 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        end += 1
    for separator in ("\n", " "):
        at = text.rfind(separator, 0, end)
        if at > 0:
            return text[: at + 1]
    return text[:end]


def deep_link(bot_username: str, payload: str = "") -> str:
    """t.me link that opens the private chat; with a payload it arrives as `/start payload`."""
    return f"https://t.me/{bot_username}" + (f"?start={payload}" if payload else "")


def callback_data(choice: Choice) -> str:
    """The choice id itself: the core's ids are short; a longer one is a bug, so raise."""
    if len(choice.id.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"choice id longer than {CALLBACK_DATA_LIMIT} bytes: {choice.id!r}")
    return choice.id


def _keyboard(message: Outgoing, bot_username: str) -> InlineKeyboardMarkup | None:
    levels: list[Choice] = []
    paired: list[Choice] = []
    others: list[Choice] = []
    for choice in message.choices:
        parsed = parse_choice(choice.id)
        action = parsed.action if parsed else None
        if action is Action.LEVEL:
            levels.append(choice)
        elif action in _PAIRED:
            paired.append(choice)
        else:
            others.append(choice)
    rows = [*_rows(levels), *_rows(paired), *([choice] for choice in others)]
    buttons = [
        [InlineKeyboardButton(c.label, callback_data=callback_data(c)) for c in row] for row in rows
    ]
    if message.join_code:
        link = deep_link(bot_username, message.join_code)
        buttons.append([InlineKeyboardButton(TAKE_PART, url=link)])
    if sum(len(row) for row in buttons) > BUTTONS_LIMIT:
        raise ValueError(f"more than {BUTTONS_LIMIT} buttons in one message")
    return InlineKeyboardMarkup(buttons) if buttons else None


def _rows(choices: list[Choice]) -> list[list[Choice]]:
    return [choices[i : i + ROW_LIMIT] for i in range(0, len(choices), ROW_LIMIT)]
