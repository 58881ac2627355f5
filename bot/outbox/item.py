"""What the outbox holds: an item per owed message, what kind it is, and how it ended."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.messages import Outgoing
from bot.model import ChatRef


class OutboxKind(enum.StrEnum):
    """What an owed message is. A MESSAGE is decided in full when it is queued; the others are
    worked out when they are sent (a reminder says how far the person has got by then, a
    summary is drawn then)."""

    MESSAGE = "message"
    INVITE = "invite"
    REMIND = "remind"
    SUMMARY = "summary"  # a round's summary in words, with its chart
    TREND = "trend"  # the medians over time up to a round, with its chart
    DEBRIEF = "debrief"  # a round's debrief pack (a PDF), to one lead privately
    ACTION_DUE = "action due"  # an action's owner, three days before it is due
    SIGN_IN = "sign in"  # a lead's one-time sign-in link, made when sent
    CONFIRM_JOIN = "confirm join"  # a join request's confirmation link (double opt-in)
    PERSONAL_LINK = "personal link"  # a person's page link, after joining or asked for again


# Fan-outs to everyone in a round. Only the replica that leads the scheduler sends them: each
# replica paces its sending to the platform's whole limit, so two sending one opening would
# together go over it (bench/region.py measured 1.88 of Slack's limit).
FAN_OUT = frozenset({OutboxKind.INVITE, OutboxKind.REMIND})


class Outcome(enum.StrEnum):
    """How an item ended."""

    SENT = "sent"
    SKIPPED = "skipped"  # nothing was owed any more (finished, closed, already reminded)
    UNREACHABLE = "unreachable"  # the platform will not deliver to that person
    GAVE_UP = "gave up"  # the platform kept failing for longer than we wait
    UNCERTAIN = "uncertain"  # a post that may or may not have gone out: the leads were told


@dataclass(frozen=True)
class OutboxItem:
    """A message owed; its key makes it unique, so it is queued once."""

    key: str
    kind: OutboxKind
    community_id: int | None
    due_at: datetime
    round_id: int | None = None
    person_id: int | None = None
    chat: ChatRef | None = None  # where it goes, when known at queueing (posts, replies)
    note: str | None = None  # a summary's heading
    message: Outgoing | None = None  # a MESSAGE: the message itself
    action_id: int | None = None  # the agreed action an ACTION_DUE reminder is about
    platform: str | None = None  # where it goes when neither a chat nor a person says (a join
    # request's confirmation: nobody is stored until they confirm)
    id: int = 0
    claimed_at: datetime | None = None
    claimed_by: str | None = None  # the process sending it
    sent_at: datetime | None = None  # when it ended (sent or not: see outcome)
    attempts: int = 0  # failed tries so far
    outcome: Outcome | None = None

    @property
    def is_post(self) -> bool:
        """A post to a channel or group for everyone there: never sent twice. Everything else
        (direct messages, a reply only one person sees) is sent at least once."""
        if self.message is not None:
            return not self.message.to.direct and self.message.private_to is None
        return self.kind in (OutboxKind.SUMMARY, OutboxKind.TREND) and self.person_id is None
