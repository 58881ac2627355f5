"""Parsing of the lead commands (`/round <sub> ...`), shared by every platform.

Parsing never raises: bad input becomes a UsageError carrying that command's help.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.conversation.choices import MAX_ID_DIGITS
from bot.digits import whole_number
from bot.model import Cadence, Category, Rubric, Unit
from bot.platform_text import ROUND_TITLE_CHARS, one_line
from bot.schedule.cadence import WEEKDAYS, WORKING_HOUR
from bot.timezones import zone_named

HELP = {
    "help": "/round help — this list",
    "setup": "/round setup [name] — make this chat a community; you become its lead",
    "open": "/round open [title] [for 14 days | until 2027-01-15] — open a round and invite "
    "everyone (default: two weeks)",
    "status": "/round status — who has been invited, started and completed",
    "remind": "/round remind — nudge everyone who has not finished",
    "close": "/round close — close the open round and post its summary",
    "summary": "/round summary [round number] — the summary of the latest (or that) round",
    "leads": "/round leads add|remove <user> — choose who may run these commands",
    "schedule": "/round schedule every 3 months | every 6 weeks | monthly | quarterly "
    "[on monday] [at 09:00] [Europe/London] [for 14 days] — open rounds on a cadence; "
    "/round schedule shows it, /round schedule off stops it",
    "link": "/round link — a one-time code to bring a group on another platform into this "
    "community; /round link CODE there",
    "settings": "/round settings [anonymous on|off | min_responses 3..10 | priorities on|off | "
    "email_summary on|off] — show or change the community's settings",
    "debrief": "/round debrief [round number] — the debrief pack (a PDF) of the latest (or that) "
    "round, sent to you privately",
    "action": "/round action add <category> <what> [owner <person or name>] [due 2027-02-01] — "
    "note an action the partnership agreed; /round action done N, /round action drop N",
    "actions": "/round actions — the open actions and those done recently",
    "people": "/round people add|remove ana@example.org, ben@example.org — people who take "
    "part by email; /round people counts everyone (the addresses come to you privately)",
    "join-link": "/round join-link — a web page where anyone can ask to take part by email",
    "board": "/round board — a read-only web page of the latest summary, trend, priorities and "
    "actions for the partnership board, sent to you privately; /round board reset replaces "
    "its link, /round board off turns it off",
}
MAX_DAYS = 366
DEFAULT_DURATION = timedelta(days=14)
_COMMAND = re.compile(r"^/round(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.DOTALL | re.IGNORECASE)
_FOR = re.compile(r"\s*\bfor\s+(\d{1,4})\s+(day|days|week|weeks)\s*$", re.IGNORECASE)
_UNTIL = re.compile(r"\s*\buntil\s+(\S+)\s*$", re.IGNORECASE)
_STRAY_DURATION = re.compile(r"\buntil\b|\bfor\s+\S*\d", re.IGNORECASE)
UNREADABLE_CLOSE = (
    "I couldn't read when the round should close. End the command with “for 14 days”, "
    "“for 3 weeks” or “until 2027-01-15”."
)


class UsageError(Exception):
    """Bad input for a command; the message says what was wrong and shows good input."""

    def __init__(self, problem: str, sub: str) -> None:
        example = HELP.get(sub, "")
        super().__init__(f"{problem}\nUsage: {example}" if example else problem)


@dataclass(frozen=True)
class Command:
    sub: str
    args: str


def parse_command(text: str) -> Command | None:
    """`/round open Spring 2027` -> Command('open', 'Spring 2027'); None if not a /round line."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    rest = (match.group(1) or "").strip()
    sub, _, args = rest.partition(" ")
    return Command(sub.lower() or "help", args.strip())


def help_text() -> str:
    return "Lead commands:\n" + "\n".join(HELP.values())


@dataclass(frozen=True)
class OpenArgs:
    title: str | None
    closes_at: datetime


def parse_open(args: str, now: datetime, timezone: str = "UTC") -> OpenArgs:
    """Title and close time from `[title] [for N days|weeks | until YYYY-MM-DD]`; a date means
    the end of that day where the community is."""
    closes_at = now + DEFAULT_DURATION
    if match := _FOR.search(args):
        amount = int(match.group(1)) * (7 if match.group(2).lower().startswith("week") else 1)
        if not 1 <= amount <= MAX_DAYS:
            raise UsageError(f"A round lasts between 1 and {MAX_DAYS} days.", "open")
        closes_at = now + timedelta(days=amount)
        args = args[: match.start()]
    elif match := _UNTIL.search(args):
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            raise UsageError(f"“{match.group(1)}” is not a date like 2027-01-15.", "open") from None
        zone = ZoneInfo(timezone)
        today = now.astimezone(zone).date()
        if day <= today:
            raise UsageError("The closing date must be after today.", "open")
        # Dates first: the end of 9999-12-31 in a zone west of UTC is no datetime at all.
        too_late = UsageError(f"A round lasts at most {MAX_DAYS} days.", "open")
        if (day - today).days > MAX_DAYS:
            raise too_late
        closes_at = datetime.combine(day, time(23, 59), zone).astimezone(UTC)
        if closes_at - now > timedelta(days=MAX_DAYS):
            raise too_late
        args = args[: match.start()]
    if _STRAY_DURATION.search(args):
        raise UsageError(UNREADABLE_CLOSE, "open")
    title = one_line(args).strip("\"'“”").strip()
    if len(title) > ROUND_TITLE_CHARS:
        raise UsageError(f"Please keep the title under {ROUND_TITLE_CHARS} characters.", "open")
    return OpenArgs(title or None, closes_at)


@dataclass(frozen=True)
class UserMention:
    """A user as written in a command: platform:user_id (adapters turn their own mention syntax
    into this), @name or name."""

    platform: str | None
    user_id: str | None
    name: str | None


def parse_mention(text: str) -> UserMention | None:
    text = text.strip()
    if not text or " " in text:
        return None
    if match := re.fullmatch(r"([a-z]+):([A-Za-z0-9_.-]{1,64})", text):
        return UserMention(match.group(1), match.group(2), None)
    return UserMention(None, None, text.lstrip("@"))


# /round schedule

NAMED_CADENCES = {
    "monthly": (1, Unit.MONTH),
    "quarterly": (3, Unit.MONTH),
    "weekly": (1, Unit.WEEK),
}
SCHEDULE_EXAMPLE = "/round schedule every 3 months on monday at 09:00 Europe/London for 14 days"


def _bad_schedule(problem: str) -> UsageError:
    return UsageError(f"{problem}\nFor example: {SCHEDULE_EXAMPLE}", "schedule")


def parse_cadence(args: str, default_timezone: str) -> Cadence:
    """`every 3 months | every 6 weeks | monthly | quarterly [on monday] [at 09:00] [Zone]
    [for 14 days]`."""
    text = " ".join(args.lower().split())
    rest = text
    if match := re.match(r"every (\d{1,3}) (month|months|week|weeks)\b", rest):
        every, unit = int(match.group(1)), Unit(match.group(2).rstrip("s"))
    elif match := re.match(r"(monthly|quarterly|weekly)\b", rest):
        every, unit = NAMED_CADENCES[match.group(1)]
    else:
        raise _bad_schedule("Say how often: every 3 months, every 6 weeks, monthly or quarterly.")
    rest = rest[match.end() :].strip()
    limit = 24 if unit is Unit.MONTH else 104
    if not 1 <= every <= limit:
        raise _bad_schedule(f"Every 1 to {limit} {unit}s, please.")
    weekday = None
    if match := re.search(r"\bon (\w+)", rest):
        if match.group(1) not in WEEKDAYS:
            raise _bad_schedule(f"“{match.group(1)}” is not a day of the week.")
        weekday = WEEKDAYS.index(match.group(1))
        rest = (rest[: match.start()] + rest[match.end() :]).strip()
    at = WORKING_HOUR
    if match := re.search(r"\bat (\d{1,2}):(\d{2})\b", rest):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise _bad_schedule(f"“{match.group(1)}:{match.group(2)}” is not a time of day.")
        at = time(hour, minute)
        rest = (rest[: match.start()] + rest[match.end() :]).strip()
    period_days = every * (28 if unit is Unit.MONTH else 7)
    duration = min(14, period_days - 1)  # weekly rounds default to six days
    if match := re.search(r"\bfor (\d{1,3}) (day|days|week|weeks)\b", rest):
        duration = int(match.group(1)) * (7 if match.group(2).startswith("week") else 1)
        rest = (rest[: match.start()] + rest[match.end() :]).strip()
    timezone = default_timezone
    for word in args.split():  # timezones keep their case: Europe/London
        if "/" in word or word.upper() == "UTC":
            timezone = "UTC" if word.upper() == "UTC" else word
            rest = rest.replace(word.lower(), "").strip()
    if rest:
        raise _bad_schedule(f"I did not understand “{rest}”.")
    check_timezone(timezone)
    if not 1 <= duration < period_days:
        raise _bad_schedule(
            f"A round must close before the next opens: 1 to {period_days - 1} days."
        )
    return Cadence(every, unit, weekday, at, timezone, duration)


def check_timezone(name: str) -> ZoneInfo:
    zone = zone_named(name)
    if zone is None:
        raise _bad_schedule(f"“{name}” is not a timezone I know (like Europe/London).")
    return zone


# /round action

WHAT_LIMIT = 300
OWNER_LIMIT = 100
MAX_DUE_DAYS = 2 * 366
# At the end, in either order; a date starts with a digit ("due diligence" stays in the text),
# and the last "owner" is the clause ("find an owner for X owner Sam": Sam).
_DUE = re.compile(r"^(.*)\s+due\s+(\d\S*)\s*$", re.IGNORECASE | re.DOTALL)
_OWNER = re.compile(r"^(.*)\s+owner\s+(\S.*?)\s*$", re.IGNORECASE | re.DOTALL)
ACTION_EXAMPLE = "/round action add finance Set up a joint budget meeting owner @sam due 2027-02-01"


@dataclass(frozen=True)
class ActionArgs:
    """`/round action add`: the category, what was agreed, who leads it and by when."""

    category: Category
    what: str
    owner: UserMention | None  # a person on a platform, or (name only) perhaps just a name
    due: date | None


def _bad_action(problem: str) -> UsageError:
    return UsageError(f"{problem}\nFor example: {ACTION_EXAMPLE}", "action")


def parse_category(word: str, rubric: Rubric) -> Category:
    """A category by its number, its id, or the first word of its title ("6", "finance",
    "service")."""
    wanted = word.strip().lower().rstrip(".:,")
    for category in rubric.categories:
        first_word = category.title.lower().replace(",", " ").split()[0]
        if wanted in (str(category.number), category.id, first_word):
            return category
    names = ", ".join(f"{c.number} {c.id}" for c in rubric.categories)
    raise _bad_action(f"“{word}” is not a category. Name one by number or name: {names}.")


def parse_action_add(args: str, rubric: Rubric, today: date) -> ActionArgs:
    """`<category> <what> [owner <person or name>] [due YYYY-MM-DD]`, owner and due in either
    order at the end; today is the date where the community is."""
    rest = f" {args.strip()}"
    owner: UserMention | None = None
    due: date | None = None
    for _ in range(2):
        if due is None and (match := _DUE.match(rest)):
            due = _due_date(match.group(2), today)
            rest = match.group(1)
        elif owner is None and (match := _OWNER.match(rest)):
            owner = _owner(match.group(2))
            rest = match.group(1)
    word, _, what = rest.strip().partition(" ")
    if not word:
        raise _bad_action("Say which category the action is for, and what was agreed.")
    category = parse_category(word, rubric)
    what = one_line(what).strip("\"'“”").strip()
    if not what:
        raise _bad_action(f"Say what was agreed for {category.title}.")
    if len(what) > WHAT_LIMIT:
        raise _bad_action(f"Please keep an action under {WHAT_LIMIT} characters.")
    return ActionArgs(category, what, owner, due)


def _due_date(text: str, today: date) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _bad_action(f"“{text}” is not a date like 2027-02-01.") from None
    if day < today:
        raise _bad_action("The due date has passed already; give one from today on.")
    if (day - today).days > MAX_DUE_DAYS:
        raise _bad_action("Please give a due date within the next two years.")
    return day


def _owner(text: str) -> UserMention:
    name = one_line(text)
    if len(name) > OWNER_LIMIT:
        raise _bad_action(f"Please keep the owner's name under {OWNER_LIMIT} characters.")
    if re.search(r"\sdue\s", name, re.IGNORECASE):  # "owner Sam due friday"
        raise _bad_action("Write the due date like 2027-02-01, at the end.")
    return parse_mention(name) or UserMention(None, None, name.lstrip("@"))


def parse_action_number(args: str, sub: str = "action") -> int:
    """The N of `/round action done N` (a leading # is fine)."""
    number = whole_number(args.strip().lstrip("#"), MAX_ID_DIGITS)
    if not number:
        shown = f"“{args.strip()}”" if args.strip() else "Nothing"
        raise UsageError(
            f"{shown} is not an action number. /round actions lists them with theirs.", sub
        )
    return number
