"""Plain dataclasses the core works with: rubric, communities, people, rounds, answers.

Nothing here knows about a database or a chat platform; storage/ and adapters/ convert
their own objects into these at the boundary.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.platform_text import PERSON_NAME_CHARS, known_timezone, one_line

LEVELS = (1, 2, 3, 4, 5)
WORKING_WEEK = (0, 1, 2, 3, 4)  # Monday to Friday
PREFER_NOT_TO_SAY = "Prefer not to say"  # always among a community's groups, always last
DEFAULT_GROUPS: tuple[str, ...] = (
    "Council",
    "NHS and health",
    "Voluntary and community sector",
    "People with lived experience",
    "Other public service",
    PREFER_NOT_TO_SAY,
)


@dataclass(frozen=True)
class Category:
    """One category of the maturity model with its five level descriptors."""

    id: str
    number: int
    title: str
    levels: dict[int, str]

    def descriptor(self, level: int) -> str:
        return self.levels[level]


@dataclass(frozen=True)
class Rubric:
    """A whole maturity model: the question, the scale labels and the categories in order."""

    name: str
    question: str
    low_label: str
    high_label: str
    categories: tuple[Category, ...]

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def index_of(self, category_id: str) -> int | None:
        for index, category in enumerate(self.categories):
            if category.id == category_id:
                return index
        return None


@dataclass(frozen=True)
class PersonRef:
    """Who someone is on a platform, as an adapter sees them. The name and zone come from the
    person's profile, so they are cleaned as the reference is made: the name on one line and
    bounded, a zone this machine does not know dropped (the community's is used instead)."""

    platform: str
    user_id: str
    display_name: str = ""
    timezone: str = ""  # an IANA zone when the platform tells us (Slack's user tz)

    def __post_init__(self) -> None:
        object.__setattr__(self, "display_name", one_line(self.display_name, PERSON_NAME_CHARS))
        object.__setattr__(self, "timezone", known_timezone(self.timezone))

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class ChatRef:
    """A channel or group on a platform."""

    platform: str
    chat_id: str


class Role(enum.StrEnum):
    LEAD = "lead"
    PARTICIPANT = "participant"


@dataclass(frozen=True)
class Person:
    id: int
    platform: str
    platform_user_id: str
    display_name: str
    timezone: str = "UTC"

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.platform_user_id}"

    @property
    def name(self) -> str:
        return self.display_name or self.platform_user_id


# What a new community starts with. Issue 21 (defect 3) asks for 5: below 5, two people
# comparing notes learn a third person's answers (bot/summary/disclosure.py), and a lead who
# sets 3 or 4 is now told so and must confirm. Raising this default is one line here, but the
# test suite's three- and four-person rounds must first set `min_responses 3 confirm`
# (tests/support.py allow_three): not finished on this branch.
DEFAULT_MIN_RESPONSES = 3


@dataclass(frozen=True)
class Community:
    id: int
    name: str
    anonymous: bool
    chats: tuple[ChatRef, ...] = ()
    export_salt: str = ""
    min_responses: int = DEFAULT_MIN_RESPONSES  # fewer scored answers: a category is hidden
    join_code: str = ""  # unguessable: a "Take part" deep link enrols people with it
    priorities: bool = True  # after Submit, ask which areas to work on first
    email_summary: bool = True  # people in none of its chats get the summary directly at close
    timezone: str = ""  # where it is, from its lead's profile at setup ("": the bot's default)
    working_days: tuple[int, ...] = WORKING_WEEK  # weekdays (0 Monday) reminders may go on
    perspectives: bool = False  # results by group: off until a lead turns them on
    groups: tuple[str, ...] = DEFAULT_GROUPS  # whom people may say they speak for
    export_groups: bool = False  # a named round's per-person export carries each group


@dataclass(frozen=True)
class Round:
    id: int
    community_id: int
    number: int
    title: str
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    anonymous: bool
    rubric: Rubric
    min_responses: int = DEFAULT_MIN_RESPONSES  # the community's setting when it opened
    extended: bool = False  # closing was put off once for want of responses
    manual_reminded_at: datetime | None = None  # the last /round remind
    tallies: dict[str, Any] | None = None  # kept at close: the summary as posted
    timezone: str = "UTC"  # the community's when the round opened: times are shown in it
    priorities: bool = True  # the community's setting when the round opened
    groups: tuple[str, ...] | None = None  # the community's when the round opened; None: off

    def __post_init__(self) -> None:
        if self.groups is not None and not isinstance(self.groups, tuple):
            object.__setattr__(self, "groups", tuple(self.groups))  # stored as a JSON list

    def is_open(self, now: datetime) -> bool:
        return self.closed_at is None and now < self.closes_at

    def ended_at(self) -> datetime:
        """When the round stopped taking answers (closed by hand or by its deadline)."""
        if self.closed_at is not None and self.closed_at < self.closes_at:
            return self.closed_at
        return self.closes_at


@dataclass(frozen=True)
class Answer:
    """One person's answer to one category; level None means "Not sure"."""

    round_id: int
    person_id: int
    category_id: str
    level: int | None
    comment: str | None
    answered_at: datetime
    updated_at: datetime

    @property
    def not_sure(self) -> bool:
        return self.level is None


@dataclass(frozen=True)
class OptOutKey:
    """How an opt-out is stored: a keyed hash of the platform id, and the unkeyed hash rows
    stored before there was a key still hold."""

    keyed: str
    unkeyed: str


class Stage(enum.StrEnum):
    """Where a participant is in a round's conversation."""

    INVITED = "invited"  # has the invitation, has not pressed Start
    GROUP = "group"  # pressed Start; saying whom they speak for before the first card
    ANSWERING = "answering"  # stepping through the cards in order
    CHANGING = "changing"  # redoing one card picked from the review
    PICKING = "picking"  # choosing which answer to change
    REVIEW = "review"  # all cards answered, not yet submitted
    SUBMITTED = "submitted"
    PRIORITIES = "priorities"  # submitted, picking the areas to work on first


@dataclass(frozen=True)
class Participation:
    """A participant's position in a round; version guards against concurrent updates."""

    round_id: int
    person_id: int
    stage: Stage
    position: int = 0
    comment_category: str | None = None
    comment_until: datetime | None = None
    invited_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    unreachable: bool = False
    version: int = 0
    reminders_off: bool = False  # "Stop reminders" for this round
    remind_after: datetime | None = None  # "Remind me tomorrow"
    priorities: tuple[str, ...] = ()  # category ids picked as what to work on first (up to 2)
    group: str | None = None  # whom they speak for in this round, fixed once they start
    # A comment typed on a card before its level was chosen, kept until that card is answered.
    draft_category: str | None = None
    draft_comment: str | None = None


@dataclass(frozen=True)
class ParticipantState:
    """One participant in one round with their answers: what the engine needs, in one load."""

    person: Person
    participation: Participation
    round: Round
    answers: tuple[Answer, ...]


class LinkKind(enum.StrEnum):
    """What a personal link opens."""

    PAGE = "page"  # the person's page: answer, see their data, unsubscribe, forget
    UNSUBSCRIBE = "unsubscribe"  # only "stop emails from this community" (List-Unsubscribe)


@dataclass(frozen=True)
class AccessLink:
    """The stored side of a personal link: a hash of its token (never the token), whom and
    which community it opens. A join request is a link with no person yet, only the address
    that asked, until they confirm it."""

    token_hash: str
    community_id: int
    created_at: datetime
    person_id: int | None = None
    address: str | None = None  # a join request's address, until it is confirmed
    salt: str | None = None  # a join request's: its token is derived again when emailed
    kind: LinkKind = LinkKind.PAGE

    @property
    def is_join_request(self) -> bool:
        return self.person_id is None


@dataclass(frozen=True)
class SignInLink:
    """The stored side of a lead's one-time sign-in link: a hash of its token (never the
    token), whose it is and when it was made (it works once, for a short while)."""

    token_hash: str
    person_id: int
    created_at: datetime


@dataclass(frozen=True)
class LeadSession:
    """A lead signed in to the web pages: a hash of the session's token (the browser keeps the
    token in a cookie), whose it is, when it began and when it was last used."""

    token_hash: str
    person_id: int
    created_at: datetime
    seen_at: datetime


@dataclass(frozen=True)
class BoardLink:
    """The stored side of a community's board link: a hash of its token (never the token)
    and the salt the bot derives the token from with this deployment's secret, so that a
    lead asking again gets the same link. One per community; replaced by a reset."""

    community_id: int
    token_hash: str
    salt: str
    created_at: datetime


class Unit(enum.StrEnum):
    """What a cadence counts in."""

    MONTH = "month"
    WEEK = "week"


@dataclass(frozen=True)
class Cadence:
    """How often rounds open: every `every` months or weeks, on a weekday (or the anchor's own
    day), at a local time in a timezone, each open for duration_days."""

    every: int
    unit: Unit
    weekday: int | None  # 0 = Monday; None: the anchor's own day
    at: time  # local time of opening
    timezone: str
    duration_days: int


@dataclass(frozen=True)
class Schedule:
    """A community's cadence and where it has got to."""

    community_id: int
    cadence: Cadence
    anchor: date  # local date of the first opening: later ones count from it
    occurrence: int  # index of the next opening (0 = the anchor)
    next_open_at: datetime


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


@dataclass(frozen=True)
class AgreedAction:
    """Something the partnership agreed to do about a category, numbered per community. Its
    owner is a person on a platform (owner_person_id; owner_name is then their name as
    loaded) or just a name (owner_person_id None), or nobody."""

    id: int
    community_id: int
    number: int
    category_id: str
    what: str
    created_at: datetime
    owner_person_id: int | None = None
    owner_name: str = ""
    due: date | None = None
    status: ActionStatus = ActionStatus.OPEN
    status_at: datetime | None = None  # when it was done or dropped

    @property
    def has_owner(self) -> bool:
        return self.owner_person_id is not None or bool(self.owner_name)
