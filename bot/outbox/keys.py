"""Outbox keys: every owed message has one, and the outbox refuses a second item with the same
key, so a retried fan-out or a second replica never queues a message twice.

Keys are built here and nowhere else, and nothing reads them back: an item's kind, round,
person and chat columns say what it is.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from bot.model import ChatRef


class Purpose(enum.StrEnum):
    ANNOUNCEMENT = "opened"  # a round opened: posted to each chat
    SUMMARY = "summary"  # a round closed: its summary, posted to each chat
    PERSONAL_SUMMARY = "summary-to"  # a round closed: its summary, to someone in no chat
    TREND = "trend"  # a round closed: the trend chart after its summary
    REPLY = "reply"  # an answer to something someone did: unique each time
    NOTE = "note"  # something the leads should know, posted to each chat
    INVITATION = "invite"
    REMINDER = "remind"
    SNOOZED = "snoozed"  # "remind me tomorrow"
    ACTION_DUE = "action-due"  # an action's owner, before it is due
    DEBRIEF = "debrief"  # a closed round's debrief pack, to a lead
    SIGN_IN = "sign-in"  # a lead's sign-in link, once per request
    CONFIRM_JOIN = "confirm-join"  # a join request's confirmation, once per request
    PERSONAL_LINK = "link"  # a person's page link, once per request


class Note(enum.StrEnum):
    """Why the scheduler wrote to a community's chats."""

    UNREADABLE = "unreadable"  # the channel's members could not be listed: no round opened
    SKIPPED = "skipped"  # a round was still open at the next scheduled opening
    EXTENDED = "extended"  # too few responses: the round stays open longer
    ODD_RECORDS = "odd"  # a scheduled round opened; some member records were odd


@dataclass(frozen=True)
class OutboxKey:
    purpose: Purpose
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ":".join((self.purpose.value, *self.parts))

    @classmethod
    def announcement(cls, round_id: int, chat: ChatRef) -> OutboxKey:
        return cls(Purpose.ANNOUNCEMENT, (str(round_id), chat.platform, chat.chat_id))

    @classmethod
    def summary(cls, round_id: int, chat: ChatRef) -> OutboxKey:
        return cls(Purpose.SUMMARY, (str(round_id), chat.platform, chat.chat_id))

    @classmethod
    def personal_summary(cls, round_id: int, person_id: int) -> OutboxKey:
        return cls(Purpose.PERSONAL_SUMMARY, (str(round_id), str(person_id)))

    @classmethod
    def trend(cls, round_id: int, chat: ChatRef) -> OutboxKey:
        return cls(Purpose.TREND, (str(round_id), chat.platform, chat.chat_id))

    @classmethod
    def reply(cls) -> OutboxKey:
        """A key of its own: replies are de-duplicated by their event's delivery id instead."""
        return cls(Purpose.REPLY, (secrets.token_hex(12),))

    @classmethod
    def note(cls, why: Note, about: str, chat: ChatRef) -> OutboxKey:
        """`about` names what the note is about (a round, or a community's missed opening)."""
        return cls(Purpose.NOTE, (why.value, about, chat.platform, chat.chat_id))

    @classmethod
    def invitation(cls, round_id: int, person_id: int) -> OutboxKey:
        return cls(Purpose.INVITATION, (str(round_id), str(person_id)))

    @classmethod
    def reminder(cls, round_id: int, person_id: int, number: int) -> OutboxKey:
        return cls(Purpose.REMINDER, (str(round_id), str(person_id), str(number)))

    @classmethod
    def action_due(cls, action_id: int, person_id: int, due: date) -> OutboxKey:
        """Once per owner and due date: a new owner, or a new date, is reminded afresh."""
        return cls(Purpose.ACTION_DUE, (str(action_id), str(person_id), due.isoformat()))

    @classmethod
    def debrief(cls, round_id: int, person_id: int) -> OutboxKey:
        return cls(Purpose.DEBRIEF, (str(round_id), str(person_id)))

    @classmethod
    def snoozed(cls, round_id: int, person_id: int, due: datetime) -> OutboxKey:
        return cls(Purpose.SNOOZED, (str(round_id), str(person_id), due.isoformat()))

    @classmethod
    def sign_in(cls) -> OutboxKey:
        """A key of its own: each request (a form, de-duplicated by its nonce) owes one."""
        return cls(Purpose.SIGN_IN, (secrets.token_hex(12),))

    @classmethod
    def confirm_join(cls, request_hash: str) -> OutboxKey:
        return cls(Purpose.CONFIRM_JOIN, (request_hash[:40],))

    @classmethod
    def personal_link(cls) -> OutboxKey:
        return cls(Purpose.PERSONAL_LINK, (secrets.token_hex(12),))
