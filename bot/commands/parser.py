"""Parsing of the lead commands (`/round <sub> ...`), shared by every platform: a chat line
becomes the same typed request (bot/commands/requests.py) a lead's web form builds.

Bad input never escapes as anything but a UsageError carrying that command's help.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from bot import dates
from bot.commands.requests import (
    AddAction,
    AddLead,
    AddPeople,
    BoardChange,
    BoardLink,
    ChangeSetting,
    ChatRequest,
    CloseRound,
    EditAction,
    EmailAddress,
    EmailEntry,
    FinishAction,
    Help,
    JoinByCode,
    JoinLink,
    LeadRequest,
    LinkCode,
    ListActions,
    ListLeads,
    OpenRound,
    Remind,
    RemoveLead,
    RemovePeople,
    ReopenRound,
    ScheduleOff,
    SendDebrief,
    SetGroups,
    SetSchedule,
    Setting,
    SetUp,
    ShowGroups,
    ShowPeople,
    ShowSchedule,
    ShowSettings,
    ShowStatus,
    ShowSummary,
    SwitchExportGroups,
    SwitchGroups,
    Unparsed,
    UserMention,
    WebSignIn,
)
from bot.conversation.choices import MAX_ID_DIGITS
from bot.digits import whole_number
from bot.model import PREFER_NOT_TO_SAY, ActionStatus, Cadence, Category, Rubric, Unit
from bot.platform_text import ROUND_TITLE_CHARS, one_line
from bot.platforms import PlatformTraits
from bot.schedule.cadence import WEEKDAYS, WORKING_HOUR
from bot.summary.perspectives import GROUP_NAME_CHARS, MAX_GROUPS
from bot.timezones import zone_named

HELP = {
    "help": "/round help — this list",
    "setup": "/round setup [name] — make this chat a community; you become its lead",
    "open": "/round open [title] [for 14 days | until 15/01/2027] — open a round and invite "
    "everyone (default: two weeks)",
    "status": "/round status — who has been invited, started and completed",
    "remind": "/round remind — nudge everyone who has not finished",
    "close": "/round close — close the open round and post its summary (with too few "
    "answers for one it warns first: /round close anyway)",
    "reopen": "/round reopen [for 7 days | until 15/01/2027] — open the latest round again, "
    "when it closed without a summary in the last 7 days",
    "summary": "/round summary [round number] — the summary of the latest (or that) round",
    "leads": "/round leads [add|remove <user or email address>] — who may run these "
    "commands; /round leads lists them",
    "schedule": "/round schedule every 3 months | every 6 weeks | monthly | quarterly "
    "[on monday] [at 09:00] [Europe/London] [for 14 days] — open rounds on a cadence; "
    "/round schedule shows it, /round schedule off stops it",
    "link": "/round link — a one-time code to bring a group on another platform into this "
    "community; /round link CODE there",
    "settings": "/round settings [anonymous on|off | min_responses 3..10 [confirm] | "
    "priorities on|off | email_summary on|off | working_days mon-fri] — show or change the "
    "community's settings",
    "groups": "/round groups [on | off | Council; NHS and health; … | default | export on|off] "
    "— perspectives: results by group (off until turned on); the groups people pick from, "
    "separated by “;” (“Prefer not to say” is always there)",
    "debrief": "/round debrief [round number] — the debrief pack (a PDF) of the latest (or that) "
    "round, sent to you privately",
    "action": "/round action add <category> <what> [owner <person or name>] [due 01/02/2027] — "
    "note an action the partnership agreed; /round action edit N [what] [owner <person or "
    "name> | owner none] [due 01/03/2027 | due none]; /round action done N, /round action "
    "drop N",
    "actions": "/round actions — the open actions and those done recently",
    "people": "/round people add|remove Ana Smith <ana@example.org>, ben@example.org — people "
    "who take part by email; /round people counts everyone (the addresses come to you "
    "privately)",
    "join-link": "/round join-link — a web page where anyone can ask to take part by email",
    "board": "/round board — a read-only web page of the latest summary, trend, priorities and "
    "actions for the partnership board, sent to you privately; /round board reset replaces "
    "its link, /round board off turns it off",
    "web": "/round web — a one-time link to the leads' web pages, sent to you privately",
}
MAX_DAYS = 366
DEFAULT_DURATION = timedelta(days=14)
_COMMAND = re.compile(r"^/round(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.DOTALL | re.IGNORECASE)
_FOR = re.compile(r"\s*\bfor\s+(\d{1,4})\s+(day|days|week|weeks)\s*$", re.IGNORECASE)
_DATE = r"\d\S*(?:\s+[A-Za-z]+\.?,?\s+\d{4})?"  # 15/02/2027, 2027-02-15, 15 February 2027
_UNTIL = re.compile(rf"\s*\buntil\s+({_DATE})\s*$", re.IGNORECASE)
_STRAY_DURATION = re.compile(r"\buntil\b|\bfor\s+\S*\d", re.IGNORECASE)
UNREADABLE_CLOSE = (
    "I couldn't read when the round should close. End the command with “for 14 days”, "
    "“for 3 weeks” or “until 15/01/2027”."
)


class UsageError(Exception):
    """Bad input for a command; the message says what was wrong and shows good input."""

    def __init__(self, problem: str, sub: str) -> None:
        example = HELP.get(sub, "")
        super().__init__(f"{problem}\nUsage: {example}" if example else problem)
        self.problem = problem  # without the command's help: for a page, which has a form


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
    request = parse_open_request(args)
    closes_at = closing_time(request.days, request.until, now, timezone, "open")
    default = days_from_now(DEFAULT_DURATION.days, now, timezone)
    return OpenArgs(request.title, closes_at or default)


def parse_open_request(args: str, sub: str = "open") -> OpenRound:
    """`[title] [for N days|weeks | until YYYY-MM-DD]`: the title and how long, as typed."""
    days: int | None = None
    until: date | None = None
    if match := _FOR.search(args):
        days = int(match.group(1)) * (7 if match.group(2).lower().startswith("week") else 1)
        if not 1 <= days <= MAX_DAYS:
            raise UsageError(f"A round lasts between 1 and {MAX_DAYS} days.", sub)
        args = args[: match.start()]
    elif match := _UNTIL.search(args):
        try:
            until = dates.read_date(match.group(1))
        except dates.DateProblem as problem:
            raise UsageError(str(problem), sub) from None
        args = args[: match.start()]
    if _STRAY_DURATION.search(args):
        raise UsageError(UNREADABLE_CLOSE, sub)
    title = one_line(args).strip("\"'“”").strip()
    if len(title) > ROUND_TITLE_CHARS:
        raise UsageError(f"Please keep the title under {ROUND_TITLE_CHARS} characters.", sub)
    return OpenRound(title or None, days, until)


def days_from_now(days: int, now: datetime, timezone: str) -> datetime:
    """The end of the day `days` days after today where the community is: rounds close at the
    end of a day, never at the minute they opened."""
    today = dates.local_day(now, timezone)
    return dates.end_of_day(today + timedelta(days=days), timezone).astimezone(UTC)


def closing_time(
    days: int | None, until: date | None, now: datetime, timezone: str, sub: str
) -> datetime | None:
    """When a round opened (or reopened) now closes: after `days`, or at the end of `until`
    where the community is; None when neither is given. UsageError when that is not after
    today or more than MAX_DAYS away."""
    if days is not None:
        if not 1 <= days <= MAX_DAYS:
            raise UsageError(f"A round lasts between 1 and {MAX_DAYS} days.", sub)
        return days_from_now(days, now, timezone)
    if until is None:
        return None
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if until <= today:
        raise UsageError("The closing date must be after today.", sub)
    # Dates first: the end of 9999-12-31 in a zone west of UTC is no datetime at all.
    too_late = UsageError(f"A round lasts at most {MAX_DAYS} days.", sub)
    if (until - today).days > MAX_DAYS:
        raise too_late
    closes_at = dates.end_of_day(until, timezone).astimezone(UTC)
    if closes_at - now > timedelta(days=MAX_DAYS):
        raise too_late
    return closes_at


def parse_reopen(args: str) -> ReopenRound:
    """`[for N days|weeks | until YYYY-MM-DD]`."""
    parsed = parse_open_request(args, "reopen")
    if parsed.title is not None:
        raise UsageError(
            "Say how long it stays open, or nothing: /round reopen for 7 days, or "
            "/round reopen until 15/01/2027.",
            "reopen",
        )
    return ReopenRound(parsed.days, parsed.until)


def parse_mention(text: str) -> UserMention | None:
    text = text.strip()
    if not text or " " in text:
        return None
    # A platform user id: Slack U123, Telegram 123456789, Teams 29:1AbC… (ids hold colons).
    if match := re.fullmatch(r"([a-z]+):([A-Za-z0-9_.:-]{1,200})", text):
        return UserMention(match.group(1), match.group(2), None, text)
    return UserMention(None, None, text.lstrip("@"), text)


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
    return cadence_of(parse_schedule(args), default_timezone)


def cadence_of(request: SetSchedule, default_timezone: str) -> Cadence:
    """The cadence a schedule request sets, in its timezone or else the default."""
    return Cadence(
        request.every,
        request.unit,
        request.weekday,
        request.at,
        request.timezone or default_timezone,
        request.duration_days,
    )


def parse_schedule(args: str) -> SetSchedule:
    """`every 3 months | every 6 weeks | monthly | quarterly [on monday] [at 09:00] [Zone]
    [for 14 days]`; without a zone, the community's."""
    text = " ".join(args.lower().split())
    rest = text
    if match := re.match(r"every (\d{1,3}) (month|months|week|weeks)\b", rest):
        every, unit = int(match.group(1)), Unit(match.group(2).rstrip("s"))
    elif match := re.match(r"(monthly|quarterly|weekly)\b", rest):
        every, unit = NAMED_CADENCES[match.group(1)]
    else:
        raise _bad_schedule("Say how often: every 3 months, every 6 weeks, monthly or quarterly.")
    rest = rest[match.end() :].strip()
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
    period_days = max(1, every * (28 if unit is Unit.MONTH else 7))
    duration = min(14, period_days - 1)  # weekly rounds default to six days
    if match := re.search(r"\bfor (\d{1,3}) (day|days|week|weeks)\b", rest):
        duration = int(match.group(1)) * (7 if match.group(2).startswith("week") else 1)
        rest = (rest[: match.start()] + rest[match.end() :]).strip()
    timezone: str | None = None
    for word in args.split():  # timezones keep their case: Europe/London
        if "/" in word or word.upper() == "UTC":
            timezone = "UTC" if word.upper() == "UTC" else word
            rest = rest.replace(word.lower(), "").strip()
    if rest:
        raise _bad_schedule(f"I did not understand “{rest}”.")
    return checked_schedule(SetSchedule(every, unit, weekday, at, timezone, duration))


def checked_schedule(request: SetSchedule) -> SetSchedule:
    """The schedule request, once its numbers and timezone make sense (whichever front end
    built it); UsageError otherwise."""
    limit = 24 if request.unit is Unit.MONTH else 104
    if not 1 <= request.every <= limit:
        raise _bad_schedule(f"Every 1 to {limit} {request.unit}s, please.")
    if request.timezone is not None:
        check_timezone(request.timezone)
    period_days = request.every * (28 if request.unit is Unit.MONTH else 7)
    if not 1 <= request.duration_days < period_days:
        raise _bad_schedule(
            f"A round must close before the next opens: 1 to {period_days - 1} days."
        )
    return request


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
_DUE = re.compile(rf"^(.*)\s+due\s+({_DATE})\s*$", re.IGNORECASE | re.DOTALL)
_DUE_OR_NONE = re.compile(rf"^(.*)\s+due\s+({_DATE}|none)\s*$", re.IGNORECASE | re.DOTALL)
_OWNER = re.compile(r"^(.*)\s+owner\s+(\S.*?)\s*$", re.IGNORECASE | re.DOTALL)
ACTION_EXAMPLE = "/round action add finance Set up a joint budget meeting owner @sam due 01/02/2027"


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


def parse_action(args: str, rubric: Rubric) -> AddAction | EditAction | FinishAction:
    """`/round action add …`, `edit N …`, `done N`, `drop N`."""
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if verb == "add":
        return parse_action_add(rest, rubric)
    if verb == "edit":
        return parse_action_edit(rest)
    if verb in ("done", "drop"):
        status = ActionStatus.DONE if verb == "done" else ActionStatus.DROPPED
        return FinishAction(parse_action_number(rest), status)
    raise UsageError("Say add, edit, done or drop after /round action.", "action")


def _clauses(rest: str, none_allowed: bool) -> tuple[str, str | None, str | None]:
    """The text before the owner and due clauses at the end (in either order), and the two
    clauses as written (None: not there)."""
    due_pattern = _DUE_OR_NONE if none_allowed else _DUE
    owner: str | None = None
    due: str | None = None
    for _ in range(2):
        if due is None and (match := due_pattern.match(rest)):
            due, rest = match.group(2), match.group(1)
        elif owner is None and (match := _OWNER.match(rest)):
            owner, rest = match.group(2), match.group(1)
    return rest, owner, due


def parse_action_add(args: str, rubric: Rubric) -> AddAction:
    """`<category> <what> [owner <person or name>] [due YYYY-MM-DD]`, owner and due in either
    order at the end."""
    rest, owner, due = _clauses(f" {args.strip()}", none_allowed=False)
    word, _, what = rest.strip().partition(" ")
    if not word:
        raise _bad_action("Say which category the action is for, and what was agreed.")
    category = parse_category(word, rubric)
    what = _what(what)
    if not what:
        raise _bad_action(f"Say what was agreed for {category.title}.")
    return AddAction(
        category.id,
        what,
        _owner(owner) if owner is not None else None,
        due_date(due) if due is not None else None,
    )


def parse_action_edit(args: str) -> EditAction:
    """`N [what] [owner <person or name> | owner none] [due YYYY-MM-DD | due none]`."""
    word, _, rest = args.strip().partition(" ")
    number = parse_action_number(word)
    rest, owner, due = _clauses(f" {rest.strip()}", none_allowed=True)
    what = _what(rest)
    no_owner = owner is not None and owner.strip().lower() == "none"
    no_due = due is not None and due.lower() == "none"
    edit = EditAction(
        number,
        what or None,
        _owner(owner) if owner is not None and not no_owner else None,
        due_date(due) if due is not None and not no_due else None,
        no_owner,
        no_due,
    )
    if edit == EditAction(number):
        raise _bad_action(
            f"Say what changes in action {number}: its words, owner <name>, or due <date>."
        )
    return edit


def _what(text: str) -> str:
    return check_what(one_line(text).strip("\"'“”").strip())


def check_what(what: str) -> str:
    """What an action says, within its limit."""
    if len(what) > WHAT_LIMIT:
        raise _bad_action(f"Please keep an action under {WHAT_LIMIT} characters.")
    return what


def due_date(text: str) -> date:
    """A due date as written (15/02/2027, 15 February 2027, 2027-02-15); whether it lies ahead
    is the use case's to check."""
    try:
        return dates.read_date(text)
    except dates.DateProblem as problem:
        raise _bad_action(str(problem)) from None


def check_due(day: date, today: date) -> None:
    """A due date from today (where the community is) and within two years."""
    if day < today:
        raise _bad_action("The due date has passed already; give one from today on.")
    if (day - today).days > MAX_DUE_DAYS:
        raise _bad_action("Please give a due date within the next two years.")


def _owner(text: str) -> UserMention:
    name = one_line(text)
    if len(name) > OWNER_LIMIT:
        raise _bad_action(f"Please keep the owner's name under {OWNER_LIMIT} characters.")
    if re.search(r"\sdue\s", name, re.IGNORECASE):  # "owner Sam due friday"
        raise _bad_action(f"Write the due date like {dates.EXAMPLE}, at the end.")
    return parse_mention(name) or UserMention(None, None, name.lstrip("@"), name)


def parse_action_number(args: str, sub: str = "action") -> int:
    """The N of `/round action done N` (a leading # is fine)."""
    number = whole_number(args.strip().lstrip("#"), MAX_ID_DIGITS)
    if not number:
        shown = f"“{args.strip()}”" if args.strip() else "Nothing"
        raise UsageError(
            f"{shown} is not an action number. /round actions lists them with theirs.", sub
        )
    return number


# /round people: addresses, one by one or pasted from an address book

MAX_ADDRESSES = 500  # in one request
ADDRESS_CHARS = 254  # the longest address SMTP carries (RFC 5321 path limit less <>)
ENTRY_CHARS = 400  # an entry named back as bad is cut to this
_PERSON_ID = re.compile(r"^#?(\d{1,9})$")


def check_address(text: str) -> str | None:
    """The address in its stored form (lower case), or None when it is not a valid one. Syntax
    only: nothing is looked up on the network."""
    text = text.strip().strip("<>")
    if not text or len(text) > ADDRESS_CHARS:
        return None
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def _split_list(text: str) -> list[str]:
    """Entries separated by commas, semicolons or new lines, but not inside quotes or angle
    brackets (`"Smith, Ana" <ana@example.org>; ben@example.org`)."""
    entries: list[str] = []
    current: list[str] = []
    quoted = bracketed = False
    for char in text:
        if char == '"' and not bracketed:
            quoted = not quoted
        elif char == "<" and not quoted:
            bracketed = True
        elif char == ">" and not quoted:
            bracketed = False
        if char in ",;\n\r" and not quoted and not bracketed:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


def parse_entries(text: str) -> tuple[list[EmailEntry], list[str]]:
    """People pasted as a list: `Name <address>` (as Outlook copies them) or bare addresses,
    separated by commas, semicolons, new lines (or, for bare addresses, spaces). The good
    entries (each address once) and the bad ones as written."""
    good: dict[str, EmailEntry] = {}
    bad: list[str] = []
    for entry in _split_list(text):
        if (start := entry.rfind("<")) >= 0 and entry.endswith(">"):
            address = check_address(entry[start + 1 : -1])
            name = one_line(entry[:start]).strip().strip('"').strip()
            if address is None or "<" in name:
                bad.append(entry[:ENTRY_CHARS])
            else:
                good.setdefault(address, EmailEntry(address, name))
            continue
        for word in entry.split():
            address = check_address(word)
            if address is None:
                bad.append(word[:ENTRY_CHARS])
            else:
                good.setdefault(address, EmailEntry(address))
    if len(good) > MAX_ADDRESSES:
        raise UsageError(f"At most {MAX_ADDRESSES} addresses at a time, please.", "people")
    return list(good.values()), bad


def parse_people(args: str) -> ShowPeople | AddPeople | RemovePeople:
    """`/round people`, `/round people add <list>`, `/round people remove <addresses or ids>`."""
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if not verb:
        return ShowPeople()
    if verb not in ("add", "remove") or not rest.strip():
        raise UsageError("Say add or remove, then the email addresses.", "people")
    entries, bad = parse_entries(rest)
    if verb == "add":
        return AddPeople(tuple(entries), tuple(bad))
    ids = tuple(int(m.group(1)) for word in bad if (m := _PERSON_ID.match(word)))
    invalid = tuple(word for word in bad if not _PERSON_ID.match(word))
    return RemovePeople(tuple(e.address for e in entries), ids, invalid)


# every /round command as its typed request


def _round_number(args: str, sub: str) -> int | None:
    wanted = args.strip().lstrip("#")
    number = whole_number(wanted, MAX_ID_DIGITS)
    if wanted and number is None:
        raise UsageError(f"“{wanted}” is not a round number.", sub)
    return number


def someone(text: str) -> UserMention | EmailAddress | None:
    """A lead named by email address, or by a mention."""
    text = text.strip()
    if "@" in text[1:] and (address := check_address(text)) is not None:
        return EmailAddress(address)
    return parse_mention(text)


def _leads(args: str, words: PlatformTraits) -> ListLeads | AddLead | RemoveLead:
    verb, _, who = args.strip().partition(" ")
    if not verb:
        return ListLeads()
    named = someone(who)
    if verb not in ("add", "remove") or named is None:
        raise UsageError(
            f"Say whom to add or remove, for example {words.mention_example}.", "leads"
        )
    return AddLead(named) if verb == "add" else RemoveLead(named)


def parse_setting(args: str) -> ChangeSetting:
    """`anonymous on|off`, `min_responses 3..10 [confirm]`, `priorities on|off`,
    `email_summary on|off`. `confirm` sets a min_responses below 5 the bot asked about."""
    words = args.lower().split()
    confirmed = len(words) == 3 and words[0] == Setting.MIN_RESPONSES and words[2] in CONFIRM
    if confirmed:
        words = words[:2]
    if len(words) != 2:
        raise UsageError("Say which setting and its new value.", "settings")
    name, value = words
    if name == Setting.WORKING_DAYS:
        try:
            return ChangeSetting(Setting.WORKING_DAYS, dates.read_weekdays(value))
        except dates.DateProblem as problem:
            raise UsageError(str(problem), "settings") from None
    switches = {
        s.value: s for s in Setting if s not in (Setting.MIN_RESPONSES, Setting.WORKING_DAYS)
    }
    if name in switches and value in ("on", "off"):
        return ChangeSetting(switches[name], value == "on")
    number = whole_number(value, 2)
    if name == Setting.MIN_RESPONSES and number is not None and number in MIN_RESPONSES_RANGE:
        return ChangeSetting(Setting.MIN_RESPONSES, number, confirmed)
    if name == Setting.MIN_RESPONSES:
        first, last = MIN_RESPONSES_RANGE[0], MIN_RESPONSES_RANGE[-1]
        raise UsageError(f"min_responses is a whole number from {first} to {last}.", "settings")
    if name in switches:
        raise UsageError(f"{name} is on or off.", "settings")
    raise UsageError(
        "I can change: anonymous on|off, min_responses 3..10, priorities on|off, "
        "email_summary on|off, working_days mon-fri.",
        "settings",
    )


def parse_groups(args: str) -> ShowGroups | SwitchGroups | SetGroups | SwitchExportGroups:
    """`on`, `off`, `default`, `export on|off`, or the groups separated by ";" (or lines)."""
    word = " ".join(args.split()).lower()
    if not word:
        return ShowGroups()
    if word in ("on", "off"):
        return SwitchGroups(word == "on")
    if word in ("export on", "export off"):
        return SwitchExportGroups(word == "export on")
    if word == "default":
        return SetGroups(())
    names = tuple(n for n in (" ".join(part.split()) for part in re.split(r"[;\n]", args)) if n)
    return SetGroups(check_groups(names))


def check_groups(names: Sequence[str]) -> tuple[str, ...]:
    """The groups a lead named, checked: each on one line and short, none twice, and few
    enough to pick from on a phone ("Prefer not to say" is added by the bot, wherever named)."""
    named = [n for n in names if n.casefold() != PREFER_NOT_TO_SAY.casefold()]
    if len(named) < 2:
        raise UsageError("Name at least two groups, separated by “;”.", "groups")
    if len(named) > MAX_GROUPS - 1:
        raise UsageError(
            f"At most {MAX_GROUPS - 1} groups (with “{PREFER_NOT_TO_SAY}” added, "
            f"{MAX_GROUPS}): few enough to pick from on a phone.",
            "groups",
        )
    for name in named:
        if len(name) > GROUP_NAME_CHARS:
            raise UsageError(
                f"“{name[:20]}…” is too long: a group's name has at most {GROUP_NAME_CHARS} "
                "characters.",
                "groups",
            )
    folded = [n.casefold() for n in named]
    if len(set(folded)) < len(folded):
        raise UsageError("A group is named twice.", "groups")
    return tuple(named)


MIN_RESPONSES_RANGE = range(3, 11)  # below 3, a category's numbers could single people out
CONFIRM = ("confirm", "yes")  # after a setting the bot asked about


def _board(args: str) -> BoardLink:
    changes = {"": BoardChange.SHOW, "reset": BoardChange.RESET, "off": BoardChange.OFF}
    change = changes.get(args.strip().lower())
    if change is None:
        raise UsageError("Say nothing, reset or off after /round board.", "board")
    return BoardLink(change)


def _close(args: str) -> CloseRound:
    word = args.strip().lower()
    if word not in ("", "anyway"):
        raise UsageError(
            "Say /round close, or /round close anyway to close with too few answers for a summary.",
            "close",
        )
    return CloseRound(anyway=word == "anyway")


def _schedule(args: str) -> ShowSchedule | ScheduleOff | SetSchedule:
    if not args.strip():
        return ShowSchedule()
    if args.strip().lower() == "off":
        return ScheduleOff()
    return parse_schedule(args)


def _no_args(args: str, sub: str, request: LeadRequest) -> LeadRequest:
    if args.strip():
        raise UsageError(f"/round {sub} takes nothing after it.", sub)
    return request


def parse_request(command: Command, rubric: Rubric, words: PlatformTraits) -> LeadRequest:
    """The typed request a `/round` line is (not help, setup, nor `link CODE`: those belong
    to a chat); UsageError when it is none. `rubric` names the categories of actions, `words`
    are the chat's platform's (for examples)."""
    sub, args = command.sub, command.args
    simple: dict[str, LeadRequest] = {
        "status": ShowStatus(),
        "remind": Remind(),
        "link": LinkCode(),
        "join-link": JoinLink(),
        "web": WebSignIn(),
    }
    if sub in simple:
        return simple[sub]
    if sub == "open":
        return parse_open_request(args)
    if sub == "close":
        return _close(args)
    if sub == "reopen":
        return parse_reopen(args)
    if sub == "summary":
        return ShowSummary(_round_number(args, sub))
    if sub == "debrief":
        return SendDebrief(_round_number(args, sub))
    if sub == "leads":
        return _leads(args, words)
    if sub == "settings":
        return parse_setting(args) if args.strip() else ShowSettings()
    if sub == "schedule":
        return _schedule(args)
    if sub == "action":
        return parse_action(args, rubric)
    if sub == "actions":
        return _no_args(args, sub, ListActions())
    if sub == "people":
        return parse_people(args)
    if sub == "board":
        return _board(args)
    if sub == "groups":
        return parse_groups(args)
    raise UsageError(f"I don't know “/round {sub}”.\n{help_text()}", "")


def parse_chat_line(
    command: Command, rubric: Rubric, words: PlatformTraits
) -> LeadRequest | ChatRequest:
    """What a `/round` line typed in a chat asks for; a line that asks for nothing valid is
    Unparsed, to be refused once the caller is known."""
    if command.sub == "help":
        return Help()
    if command.sub == "setup":
        return SetUp(command.args)
    if command.sub == "link" and command.args.strip():
        return JoinByCode(command.args.strip())
    try:
        return parse_request(command, rubric, words)
    except UsageError as problem:
        return Unparsed(str(problem), command.sub, command.sub in HELP)
