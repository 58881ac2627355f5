"""Community administration by leads: leads, settings, link and schedule.

A round copies the community's settings when it opens, so a change applies to later rounds.
`/round link` gives a one-time code in one chat, and `/round link CODE` in a chat on another
platform joins that chat to the same community.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.commands.parser import (
    SCHEDULE_EXAMPLE,
    UsageError,
    UserMention,
    parse_cadence,
    parse_mention,
)
from bot.digits import whole_number
from bot.messages import Outgoing
from bot.model import Cadence, ChatRef, Community, PersonRef, Role, Schedule, Unit
from bot.platform_text import COMMUNITY_NAME_CHARS, clip, one_line
from bot.ports import ConcurrentUpdate, Repository, Storage
from bot.schedule import cadence

if TYPE_CHECKING:
    from bot.commands.leads import Request

MIN_RESPONSES_RANGE = range(3, 11)  # below 3, a category's numbers could single people out
LINK_CODE_LIFETIME = timedelta(hours=1)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are typed by hand


# setup


async def new_name(repo: Repository, args: str, chat_title: str) -> str:
    """The name of a community being set up: the one the lead gave (cleaned, and refused when
    taken or too long), else the chat's own title (numbered when another community has it)."""
    given = one_line(args).strip("\"'“”").strip()
    if given:
        if len(given) > COMMUNITY_NAME_CHARS:
            raise UsageError(
                f"Please keep the community name under {COMMUNITY_NAME_CHARS} characters.", "setup"
            )
        if await repo.community_by_name(given) is not None:
            raise UsageError(
                f"There is already a community called {given}; choose another name.", "setup"
            )
        return given
    title = one_line(chat_title, COMMUNITY_NAME_CHARS)
    if not title:
        raise UsageError("Give the community a name: /round setup <name>.", "setup")
    for number in range(1, 100):
        suffix = f" {number}" if number > 1 else ""
        name = clip(title, COMMUNITY_NAME_CHARS - len(suffix)) + suffix
        if await repo.community_by_name(name) is None:
            return name
    raise UsageError(
        f"There are many communities called {title}; give this one a name: /round setup <name>.",
        "setup",
    )


# leads


@dataclass(frozen=True)
class NewLead:
    """Someone named in /round leads add, as written and as the platform knows them: ref is
    None when they do not exist there, or are in none of the community's chats."""

    written: str
    ref: PersonRef | None


async def leads(req: Request) -> list[Outgoing]:
    verb, _, who = req.command.args.partition(" ")
    mention = parse_mention(who)
    if verb not in ("add", "remove") or mention is None:
        raise UsageError(
            f"Say whom to add or remove, for example {req.words.mention_example}.", "leads"
        )
    if verb == "add":
        found = req.new_lead.ref if req.new_lead is not None else None
        if found is None:
            raise UsageError(
                f"I can't find {who.strip()} in {req.community.name}'s "
                f"{req.words.chat_word}s, so nobody was added.",
                "leads",
            )
        lead = await req.repo.upsert_person(found)
        await req.repo.set_role(req.community.id, lead.id, Role.LEAD)
        return [req.public(f"{lead.name} is now a lead of {req.community.name}.")]
    named = await identify(req.repo, req.community, mention)
    person = await req.repo.person(*named) if named else None
    if person is None:
        raise UsageError(f"I can't find {who.strip()} in {req.community.name}.", "leads")
    role = await req.repo.role(req.community.id, person.id)
    leads = [p for p, r in await req.repo.members(req.community.id) if r is Role.LEAD]
    if role is not Role.LEAD:
        return [req.private(f"{person.name} is not a lead.")]
    if len(leads) == 1:
        return [req.private("A community needs at least one lead; add another first.")]
    await req.repo.set_role(req.community.id, person.id, Role.PARTICIPANT)
    return [req.public(f"{person.name} is no longer a lead of {req.community.name}.")]


async def identify(
    repo: Repository, community: Community, mention: UserMention
) -> tuple[str, str] | None:
    """(platform, user id) of the person a mention names: platform:user_id as written, or the
    one member of the community whose name or id it is."""
    if mention.platform and mention.user_id:
        return mention.platform, mention.user_id
    wanted = (mention.name or "").lower()
    matches = [
        p
        for p, _ in await repo.members(community.id)
        if wanted and wanted in (p.display_name.lower(), p.platform_user_id.lower())
    ]
    return (matches[0].platform, matches[0].platform_user_id) if len(matches) == 1 else None


# settings


async def settings(req: Request) -> list[Outgoing]:
    if not req.command.args.strip():
        return [req.private(describe_settings(req.community))]
    changed, sentence = change_setting(req.community, req.command.args)
    await req.repo.update_community(changed)
    return [req.public(sentence)]


def describe_settings(community: Community) -> str:
    return (
        f"Settings of {community.name}:\n"
        f"anonymous: {'on' if community.anonymous else 'off'}\n"
        f"min_responses: {community.min_responses} (fewer scored answers and a category "
        "is not shown)\n"
        f"priorities: {'on' if community.priorities else 'off'} (after answering, people may "
        "pick up to two areas to work on first)\n"
        f"email_summary: {'on' if community.email_summary else 'off'} (people who answer on "
        "the web get the summary by email when a round closes)"
    )


def change_setting(community: Community, args: str) -> tuple[Community, str]:
    """The community with one setting changed, and a sentence saying so."""
    words = args.lower().split()
    if len(words) != 2:
        raise UsageError("Say which setting and its new value.", "settings")
    name, value = words
    number = whole_number(value, 2)
    if name == "anonymous" and value in ("on", "off"):
        changed = replace(community, anonymous=value == "on")
    elif name == "min_responses" and number is not None and number in MIN_RESPONSES_RANGE:
        changed = replace(community, min_responses=number)
    elif name == "priorities" and value in ("on", "off"):
        changed = replace(community, priorities=value == "on")
    elif name == "email_summary" and value in ("on", "off"):
        changed = replace(community, email_summary=value == "on")
    elif name == "min_responses":
        first, last = MIN_RESPONSES_RANGE[0], MIN_RESPONSES_RANGE[-1]
        raise UsageError(f"min_responses is a whole number from {first} to {last}.", "settings")
    elif name in ("anonymous", "priorities", "email_summary"):
        raise UsageError(f"{name} is on or off.", "settings")
    else:
        raise UsageError(
            "I can change: anonymous on|off, min_responses 3..10, priorities on|off, "
            "email_summary on|off.",
            "settings",
        )
    sentence = (
        f"{community.name}: {name} is now {value}. It applies to rounds opened from now on; "
        "an open round keeps its setting."
    )
    return changed, sentence


# link


async def link(req: Request) -> list[Outgoing]:
    if req.command.args.strip():
        text = f"This chat is already part of {req.community.name}."
        return [req.private(text)]
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    await req.repo.create_link_code(req.community.id, code, req.now + LINK_CODE_LIFETIME)
    return [
        req.private(
            f"To bring another group into {req.community.name}, an admin of that group types\n"
            f"/round link {code}\nthere within the next hour. The code works once."
        )
    ]


async def join(repo: Repository, chat: ChatRef, code: str, now: datetime) -> Community | None:
    """Join the chat to the code's community; None when the code is unknown or used up."""
    community_id = await repo.take_link_code(code.strip().upper(), now)
    if community_id is None:
        return None
    try:
        await repo.add_chat(community_id, chat)
    except ConcurrentUpdate:
        return None  # linked meanwhile by someone else: the transaction is retried
    return await repo.community_by_id(community_id)


async def follow_chat(storage: Storage, old: ChatRef, new: ChatRef) -> Community | None:
    """A platform gave a chat a new id (a Telegram group upgraded to a supergroup, a private
    Slack channel shared with another organisation): its community follows it, with the
    posts still owed to it. The community, or None when there was nothing to follow."""
    async with storage.transaction() as repo:
        return await repo.move_chat(old, new)


# schedule


async def schedule(req: Request) -> list[Outgoing]:
    """`/round schedule ...` sets the cadence; bare shows it; `off` stops it."""
    args = req.command.args.strip()
    current = await req.repo.schedule(req.community.id)
    if not args:
        if current is None:
            return [req.private(f"{req.community.name} has no schedule. {SCHEDULE_EXAMPLE}")]
        return [req.private(describe_schedule(current))]
    if args.lower() == "off":
        await req.repo.delete_schedule(req.community.id)
        return [req.public(f"{req.community.name}: scheduled rounds are off.")]
    default_zone = current.cadence.timezone if current else req.timezone
    plan = parse_cadence(args, default_zone)
    if current is not None and current.occurrence > 0 and _same_rhythm(current, plan):
        # A new time, zone or length keeps the cycle: the next opening stays in step.
        anchor, start = current.anchor, current.occurrence
    else:  # never opened yet, or a new rhythm: start afresh from today
        anchor, start = cadence.first_day(plan, req.now), 0
    occurrence = cadence.next_occurrence(plan, anchor, req.now, start)
    saved = Schedule(
        req.community.id, plan, anchor, occurrence, cadence.opening(plan, anchor, occurrence)
    )
    await req.repo.save_schedule(saved)
    return [req.public(describe_schedule(saved))]


def _same_rhythm(current: Schedule, plan: Cadence) -> bool:
    old = current.cadence
    if (old.unit, old.every) != (plan.unit, plan.every):
        return False
    return plan.unit is Unit.MONTH or old.weekday == plan.weekday


def describe_schedule(saved: Schedule) -> str:
    """The cadence and the next opening, reminders and close, in the community's timezone."""
    plan = saved.cadence
    zone = ZoneInfo(plan.timezone)
    unit = plan.unit if plan.every == 1 else f"{plan.every} {plan.unit}s"
    day = f" on {cadence.WEEKDAYS[plan.weekday].title()}" if plan.weekday is not None else ""
    opens = saved.next_open_at
    closes = cadence.closing_time(plan, opens)
    reminders = ", ".join(
        f"{d:%a} {d.day} {d:%b}" for d in cadence.reminder_days(opens, closes, plan.timezone)
    )

    def local(moment: datetime) -> str:
        here = moment.astimezone(zone)
        return f"{here:%a} {here.day} {here:%b %Y, %H:%M %Z}"

    return "\n".join(
        [
            f"Every {unit}{day} at {plan.at:%H:%M} ({plan.timezone}), each round open for "
            f"{plan.duration_days} days.",
            f"Next opening: {local(opens)}",
            f"Reminders to those not finished: {reminders or 'none'} "
            f"({cadence.WORKING_HOUR:%H:%M} in each person's own time)",
            f"Closes: {local(closes)}",
        ]
    )
