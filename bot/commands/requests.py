"""What a lead can ask for, as typed values, and who is asking.

Every front end builds these: the `/round …` parser from a chat line (bot/commands/parser.py),
a lead's web form from its fields, the command line from its options. Each goes to the one
entry point, LeadDesk.run (bot/commands/desk.py), which opens the one transaction, checks the
caller may act on that community and runs the use case; the outcome (bot/commands/outcomes.py)
is then shown by the front end that asked.

Values are checked where they are parsed when that needs nothing but the text (a number, a
date, an address); what needs the community (its timezone, its members, today's date there) is
checked by the use case, which refuses with a UsageError and changes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, time
from typing import ClassVar

from bot.messages import Address
from bot.model import ActionStatus, PersonRef, Unit

# who asks


@dataclass(frozen=True)
class ChatLead:
    """Someone typing `/round …` in a chat: a lead there if the community says so, or the
    platform says they administer that chat."""

    sender: PersonRef
    chat: Address
    chat_admin: bool = False
    chat_title: str = ""  # the chat's name as the platform shows it (a community's default)


@dataclass(frozen=True)
class WebLead:
    """A lead signed in to the web pages: their session's token (from the cookie)."""

    session: str = field(repr=False)


@dataclass(frozen=True)
class Operator:
    """Whoever runs the command line: they hold the database, so they may act on any
    community (`maturity-bot lead add`, `people add`, …)."""


Actor = ChatLead | WebLead | Operator


# whom a request names


@dataclass(frozen=True)
class UserMention:
    """A user as written in a command: platform:user_id (adapters turn their own mention syntax
    into this), @name or name."""

    platform: str | None
    user_id: str | None
    name: str | None
    written: str = ""  # as the lead wrote it


@dataclass(frozen=True)
class EmailAddress:
    """Someone named by email address (checked, in its stored form)."""

    address: str


@dataclass(frozen=True)
class EmailEntry:
    """One person in a pasted list: an address, with the name written beside it, if any
    (`Ana Smith <ana@example.org>`)."""

    address: str
    name: str = ""


# rounds


@dataclass(frozen=True)
class OpenRound:
    """Open a round now. It closes after `days`, or at the end of `until` where the
    community is, or (neither) after two weeks."""

    command: ClassVar[str] = "open"
    title: str | None = None
    days: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class ShowStatus:
    command: ClassVar[str] = "status"


@dataclass(frozen=True)
class Remind:
    command: ClassVar[str] = "remind"


@dataclass(frozen=True)
class CloseRound:
    """Close the open round. Below the minimum of completed answers it only warns, unless
    `anyway`."""

    command: ClassVar[str] = "close"
    anyway: bool = False


@dataclass(frozen=True)
class ReopenRound:
    """Open the latest round again (closed by mistake, without a summary, in the last days);
    it closes after `days`, at the end of `until`, or (neither) as it was due to."""

    command: ClassVar[str] = "reopen"
    days: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class ShowSummary:
    """The summary of round `number` (the latest when None), posted where it was asked for."""

    command: ClassVar[str] = "summary"
    number: int | None = None


@dataclass(frozen=True)
class SendDebrief:
    """The debrief pack of round `number` (the latest when None), to the lead who asks."""

    command: ClassVar[str] = "debrief"
    number: int | None = None


# the community


@dataclass(frozen=True)
class ListLeads:
    command: ClassVar[str] = "leads"


@dataclass(frozen=True)
class AddLead:
    command: ClassVar[str] = "leads"
    who: UserMention | EmailAddress


@dataclass(frozen=True)
class RemoveLead:
    command: ClassVar[str] = "leads"
    who: UserMention | EmailAddress


class Setting(enum.StrEnum):
    ANONYMOUS = "anonymous"
    MIN_RESPONSES = "min_responses"
    PRIORITIES = "priorities"
    EMAIL_SUMMARY = "email_summary"
    WORKING_DAYS = "working_days"  # the weekdays reminders go on


@dataclass(frozen=True)
class ShowSettings:
    command: ClassVar[str] = "settings"


@dataclass(frozen=True)
class ChangeSetting:
    """One setting changed (a number for min_responses, on or off for the others). A change
    that asks to be confirmed first is made only with `confirmed`."""

    command: ClassVar[str] = "settings"
    setting: Setting
    value: bool | int | tuple[int, ...]  # working days: weekdays, 0 is Monday
    confirmed: bool = False


@dataclass(frozen=True)
class LinkCode:
    """A one-time code that brings a chat on another platform into this community."""

    command: ClassVar[str] = "link"


@dataclass(frozen=True)
class ShowSchedule:
    command: ClassVar[str] = "schedule"


@dataclass(frozen=True)
class SetSchedule:
    """Open rounds on a cadence. timezone None: the community's own (its schedule's, else the
    bot's default)."""

    command: ClassVar[str] = "schedule"
    every: int
    unit: Unit
    weekday: int | None
    at: time
    timezone: str | None
    duration_days: int


@dataclass(frozen=True)
class ScheduleOff:
    command: ClassVar[str] = "schedule"


# perspectives (bot/commands/groups.py)


@dataclass(frozen=True)
class ShowGroups:
    command: ClassVar[str] = "groups"


@dataclass(frozen=True)
class SwitchGroups:
    """Perspectives on or off: whether rounds opened from now on ask people whom they speak
    for, and show results by group."""

    command: ClassVar[str] = "groups"
    on: bool


@dataclass(frozen=True)
class SetGroups:
    """The groups people may pick from, in order ("Prefer not to say" is always added last);
    empty: the default list."""

    command: ClassVar[str] = "groups"
    names: tuple[str, ...]


@dataclass(frozen=True)
class SwitchExportGroups:
    """Whether a named round's per-person export carries each person's group."""

    command: ClassVar[str] = "groups"
    on: bool


# actions


@dataclass(frozen=True)
class AddAction:
    command: ClassVar[str] = "action"
    category_id: str
    what: str
    owner: UserMention | None = None  # a person on a platform, or (name only) perhaps a name
    due: date | None = None


@dataclass(frozen=True)
class EditAction:
    """Change what an action says, its owner or its due date; None leaves that as it is, and
    no_owner / no_due take the owner or the date away."""

    command: ClassVar[str] = "action"
    number: int
    what: str | None = None
    owner: UserMention | None = None
    due: date | None = None
    no_owner: bool = False
    no_due: bool = False


@dataclass(frozen=True)
class FinishAction:
    command: ClassVar[str] = "action"
    number: int
    status: ActionStatus  # done or dropped


@dataclass(frozen=True)
class ListActions:
    command: ClassVar[str] = "actions"


# people by email


@dataclass(frozen=True)
class ShowPeople:
    command: ClassVar[str] = "people"


@dataclass(frozen=True)
class AddPeople:
    """People who take part by email; `invalid` holds the entries that are no address, to be
    named back (the good ones are added all the same)."""

    command: ClassVar[str] = "people"
    entries: tuple[EmailEntry, ...]
    invalid: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemovePeople:
    """People taken out, by address or by their id (as `people list` shows it)."""

    command: ClassVar[str] = "people"
    addresses: tuple[str, ...] = ()
    person_ids: tuple[int, ...] = ()
    invalid: tuple[str, ...] = ()


@dataclass(frozen=True)
class JoinLink:
    command: ClassVar[str] = "join-link"


# web pages


class BoardChange(enum.Enum):
    SHOW = "show"  # the link the board has (a new one if it has none)
    RESET = "reset"  # a new link; the old one stops working
    OFF = "off"  # no link at all


@dataclass(frozen=True)
class BoardLink:
    command: ClassVar[str] = "board"
    change: BoardChange = BoardChange.SHOW


@dataclass(frozen=True)
class WebSignIn:
    """A one-time link to the leads' web pages, for a lead in a chat."""

    command: ClassVar[str] = "web"


# what only a chat can ask (the web pages and the command line have their own ways)


@dataclass(frozen=True)
class Help:
    command: ClassVar[str] = "help"


@dataclass(frozen=True)
class SetUp:
    """Make this chat a community, named so (or after the chat), with the caller as its lead."""

    command: ClassVar[str] = "setup"
    name: str = ""


@dataclass(frozen=True)
class JoinByCode:
    """Bring this chat into the community a `/round link` code is from."""

    command: ClassVar[str] = "link"
    code: str


@dataclass(frozen=True)
class Unparsed:
    """A `/round` line that is no request: refused with its problem, once the caller is known
    (someone who may not run it hears that, not how to write it)."""

    problem: str
    sub: str
    known: bool  # a command that exists, with bad arguments (else: no such command)

    @property
    def command(self) -> str:
        return self.sub


ChatRequest = Help | SetUp | JoinByCode | Unparsed

LeadRequest = (
    OpenRound
    | ShowStatus
    | Remind
    | CloseRound
    | ReopenRound
    | ShowSummary
    | SendDebrief
    | ListLeads
    | AddLead
    | RemoveLead
    | ShowSettings
    | ChangeSetting
    | LinkCode
    | ShowSchedule
    | SetSchedule
    | ScheduleOff
    | ShowGroups
    | SwitchGroups
    | SetGroups
    | SwitchExportGroups
    | AddAction
    | EditAction
    | FinishAction
    | ListActions
    | ShowPeople
    | AddPeople
    | RemovePeople
    | JoinLink
    | BoardLink
    | WebSignIn
)
