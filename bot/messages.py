"""Boundary types between the core and the adapters: what comes in, what goes out.

An outgoing message is platform-neutral (text, choices, an optional file such as a chart or a
PDF); each adapter renders it natively (Block Kit, inline keyboard, numbered lines in the
console).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bot.model import ChatRef, PersonRef


@dataclass(frozen=True)
class Address:
    """Where a message goes: a channel/group, or a direct conversation with one user."""

    platform: str
    chat_id: str
    direct: bool = False

    @classmethod
    def dm(cls, person: PersonRef) -> Address:
        return cls(person.platform, person.user_id, direct=True)

    @classmethod
    def channel(cls, chat: ChatRef) -> Address:
        return cls(chat.platform, chat.chat_id)

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.platform, self.chat_id)


@dataclass(frozen=True)
class Choice:
    """A button; its label also works as typed text. A choice with a detail (a level's
    descriptor) appears in the message text as its detail_line, so an adapter that shows the
    detail beside the button (Slack) can take that line out of the text."""

    id: str
    label: str
    detail: str | None = None
    # A choice that takes typed text (a comment): a platform with text inputs shows one,
    # holding current_text; others show a button whose press asks for the text.
    takes_text: bool = False
    current_text: str = ""
    chat_only: bool = False  # only where a conversation goes on (Later): no page or email shows it

    @property
    def detail_line(self) -> str:
        return f"{self.label} — {self.detail}" if self.detail else ""


PNG = "image/png"
PDF = "application/pdf"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: a chart (an image, shown inline) or a document (a PDF)."""

    content: bytes
    name: str  # the file name people see and save it as: round-1-summary.png
    media_type: str  # PNG, PDF, ...

    @property
    def is_image(self) -> bool:
        """Shown as a picture (Telegram's photo); anything else travels as a document."""
        return self.media_type.startswith("image/")


class Purpose(enum.StrEnum):
    """Why a message is sent, set where the core builds it. A platform that holds no
    conversation (email) sends only what a person must be told and shows the rest on a page."""

    REPLY = "reply"  # part of a conversation: a card, a confirmation, an answer to a command
    INVITATION = "invitation"  # a round opened and they are invited
    REMINDER = "reminder"  # a round they have not finished closes soon
    SUMMARY = "summary"  # a closed round's summary (or its trend)
    DEBRIEF = "debrief"  # a closed round's debrief pack (a PDF), to a lead
    ACTION = "action"  # an action's owner: made its owner, or reminded before it is due
    SIGN_IN = "sign in"  # a lead's one-time sign-in link (token: the link's)
    CONFIRM_JOIN = "confirm join"  # a join request's confirmation (token: the confirmation's)
    PERSONAL_LINK = "personal link"  # a person's page link, after joining or asked for again


@dataclass(frozen=True)
class Outgoing:
    """A message to send, or (with replaces) an edit of a message sent earlier."""

    to: Address
    text: str
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    replaces: str | None = None
    private_to: str | None = None  # a user id: shown only to that user in a channel
    join_code: str | None = None  # offer a "Take part" link that enrols people with this code
    purpose: Purpose = Purpose.REPLY
    round_id: int | None = None  # the round an invitation, reminder, summary or debrief is about
    community_id: int | None = None  # the community a message about no round is from (an action)
    # A one-time link's token, made as the message is sent (a sign-in link, a join request's
    # confirmation) and carried to the platform in memory only: the outbox refuses to keep it.
    token: str | None = field(default=None, repr=False)
    # The message asks for a typed reply (a comment): a platform that can opens a reply box
    # with this placeholder (Telegram's ForceReply).
    reply_hint: str | None = None


@dataclass(frozen=True)
class IncomingText:
    """Text someone typed, in a channel or in a DM with the bot."""

    sender: PersonRef
    chat: Address
    text: str
    delivery_id: str | None = None
    chat_admin: bool = False  # the platform says the sender administers this chat
    chat_title: str = ""  # the chat's name as the platform shows it (a channel, a group's title)
    shown_in_place: bool = False  # the platform shows the replies itself (a web page)


@dataclass(frozen=True)
class IncomingChoice:
    """A button someone pressed; message_id is the message that carried it."""

    sender: PersonRef
    chat: Address
    choice_id: str
    message_id: str | None = None
    delivery_id: str | None = None
    comment: str | None = None  # typed beside the choice in a form (the web): added to its answer
    shown_in_place: bool = False  # the platform shows the replies itself (a web page)
    # Posted from a form that shows the answer whole (the web): its comment replaces the one
    # stored ("" removes it), and an answered question can be changed straight from the review.
    whole_answer: bool = False
    picks: tuple[str, ...] | None = None  # with whole_answer: the priorities ticked, with Done


@dataclass(frozen=True)
class IncomingJoin:
    """Someone followed a community's "Take part" link to their DM with the bot (Telegram's
    /start deep link); code None: they started a chat with the bot without one."""

    sender: PersonRef
    chat: Address
    code: str | None
    delivery_id: str | None = None
    shown_in_place: bool = False  # the platform shows the replies itself (a web page)


Incoming = IncomingText | IncomingChoice | IncomingJoin
