"""Community administration by leads: leads, settings, link and schedule.

A round copies the community's settings when it opens, so a change applies to later rounds.
`/round link` gives a one-time code in one chat, and `/round link CODE` in a chat on another
platform joins that chat to the same community.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot import dates
from bot.access.sign_in import queue_sign_in
from bot.commands.context import LeadContext
from bot.commands.outcomes import Outcome, SettingWarning, announced, said
from bot.commands.parser import (
    MIN_RESPONSES_RANGE,
    SCHEDULE_EXAMPLE,
    UsageError,
    cadence_of,
    checked_schedule,
    parse_setting,
)
from bot.commands.people import WEB_OFF, person_by_email
from bot.commands.requests import (
    AddLead,
    ChangeSetting,
    EmailAddress,
    EmailEntry,
    LinkCode,
    ListLeads,
    RemoveLead,
    ScheduleOff,
    SetSchedule,
    Setting,
    ShowSchedule,
    ShowSettings,
    UserMention,
)
from bot.model import WORKING_WEEK, Cadence, ChatRef, Community, Person, Role, Schedule, Unit
from bot.platform_text import COMMUNITY_NAME_CHARS, clip, one_line
from bot.ports import ConcurrentUpdate, Repository, Storage
from bot.schedule import cadence
from bot.summary.disclosure import PEOPLE_FLOOR, what_a_pair_learns

LINK_CODE_LIFETIME = timedelta(hours=1)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are typed by hand


# setup


async def new_name(repo: Repository, args: str, chat_title: str) -> str:
    """The name of a community being set up: the one the lead gave (cleaned, and refused when
    taken or too long), else the chat's own title (numbered when another community has it)."""
    given = one_line(args).strip("\"'“”").strip()
    if given:
        return await _free_name(repo, given, "setup")
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


async def _free_name(repo: Repository, given: str, sub: str) -> str:
    if len(given) > COMMUNITY_NAME_CHARS:
        raise UsageError(
            f"Please keep the community name under {COMMUNITY_NAME_CHARS} characters.", sub
        )
    if await repo.community_by_name(given) is not None:
        raise UsageError(f"There is already a community called {given}; choose another name.", sub)
    return given


async def create_community(
    repo: Repository,
    name: str,
    leads: Sequence[EmailEntry],
    email_platform: str,
    now: datetime,
) -> Community:
    """A community in no chat (an operator's first step), led by these people by email: each
    is sent a link to sign in to the leads' pages. Answers are anonymous by default."""
    given = one_line(name).strip("\"'“”").strip()
    if not given:
        raise UsageError("Give the community a name.", "")
    if not leads:
        raise UsageError("Name its first lead by email address: --lead ana@example.org.", "")
    community = await repo.create_community(await _free_name(repo, given, ""), None, True, now)
    for entry in leads:
        lead = await person_by_email(repo, email_platform, entry)
        await repo.set_role(community.id, lead.id, Role.LEAD)
        await queue_sign_in(repo, lead.id, now)
    return community


# leads


async def leads(ctx: LeadContext, request: ListLeads | AddLead | RemoveLead) -> Outcome:
    """`/round leads`: who leads; add or remove one, by a platform id or an email address."""
    if isinstance(request, ListLeads):
        return said(await leads_text(ctx))
    if isinstance(request, AddLead):
        if isinstance(request.who, EmailAddress):
            return await _add_lead_by_email(ctx, request.who.address)
        return await _add_lead(ctx, request.who)
    person = await _named(ctx, request.who)
    if person is None:
        raise UsageError(f"I can't find {_written(request.who)} in {ctx.community.name}.", "leads")
    role = await ctx.repo.role(ctx.community.id, person.id)
    leads = [p for p, r in await ctx.repo.members(ctx.community.id) if r is Role.LEAD]
    if role is not Role.LEAD:
        return said(f"{person.name} is not a lead.")
    if len(leads) == 1:
        return said("A community needs at least one lead; add another first.")
    await ctx.repo.set_role(ctx.community.id, person.id, Role.PARTICIPANT)
    return announced(f"{person.name} is no longer a lead of {ctx.community.name}.")


async def leads_text(ctx: LeadContext) -> str:
    leads = [p for p, r in await ctx.repo.members(ctx.community.id) if r is Role.LEAD]
    names = ", ".join(
        f"{p.name} ({ctx.platforms[p.platform].title})" for p in sorted(leads, key=_by_name)
    )
    return f"Leads of {ctx.community.name}: {names or 'none'}."


def _by_name(person: Person) -> str:
    return person.name.lower()


def _written(who: UserMention | EmailAddress) -> str:
    if isinstance(who, EmailAddress):
        return who.address
    if who.written:
        return who.written
    if who.platform and who.user_id:
        return f"{who.platform}:{who.user_id}"
    return who.name or ""


async def _named(ctx: LeadContext, who: UserMention | EmailAddress) -> Person | None:
    if isinstance(who, EmailAddress):
        email = ctx.platforms.by_email()
        return await ctx.repo.person_by_address(email.name, who.address) if email else None
    named = await identify(ctx.repo, ctx.community, who)
    return await ctx.repo.person(*named) if named else None


async def _add_lead(ctx: LeadContext, who: UserMention) -> Outcome:
    found = ctx.new_lead.ref if ctx.new_lead is not None else None
    if found is None:
        raise UsageError(
            f"I can't find {_written(who)} in {ctx.community.name}'s "
            f"{ctx.words.chat_word}s, so nobody was added.",
            "leads",
        )
    lead = await ctx.repo.upsert_person(found)
    await ctx.repo.set_role(ctx.community.id, lead.id, Role.LEAD)
    return announced(f"{lead.name} is now a lead of {ctx.community.name}.")


async def _add_lead_by_email(ctx: LeadContext, address: str) -> Outcome:
    """A lead who works by email: they get a link to sign in to the leads' pages."""
    email = ctx.platforms.by_email()
    if email is None:
        raise UsageError(WEB_OFF, "leads")
    lead = await person_by_email(ctx.repo, email.name, EmailEntry(address))
    await ctx.repo.set_role(ctx.community.id, lead.id, Role.LEAD)
    await queue_sign_in(ctx.repo, lead.id, ctx.now)
    return Outcome(
        said=(f"{address} gets an email with a link to sign in to the leads' pages.",),
        announced=(f"{lead.name} is now a lead of {ctx.community.name}.",),
    )


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


async def settings(ctx: LeadContext, request: ShowSettings | ChangeSetting) -> Outcome:
    if isinstance(request, ShowSettings):
        return said(describe_settings(ctx.community))
    changed, sentence = apply_setting(ctx.community, request)
    risk = what_a_pair_learns(changed.min_responses)
    if request.setting is Setting.MIN_RESPONSES and risk and not request.confirmed:
        # Nothing changes until the lead has read what a small threshold gives away.
        value = changed.min_responses
        ask = (
            f"Set min_responses to {value}? {risk} From {PEOPLE_FLOOR} on, no one's answers "
            "can be read off like this. To set it anyway, "
            f"/round settings min_responses {value} confirm"
        )
        return SettingWarning(said=(ask,), setting=request.setting.value, value=value)
    await ctx.repo.update_community(changed)
    return announced(sentence)


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
    """The community with one setting changed (as typed), and a sentence saying so."""
    return apply_setting(community, parse_setting(args))


def apply_setting(community: Community, request: ChangeSetting) -> tuple[Community, str]:
    """The community with the setting changed, and a sentence saying so."""
    value = request.value
    if request.setting is Setting.MIN_RESPONSES:
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value not in MIN_RESPONSES_RANGE
        ):
            first, last = MIN_RESPONSES_RANGE[0], MIN_RESPONSES_RANGE[-1]
            raise UsageError(f"min_responses is a whole number from {first} to {last}.", "settings")
        changed = replace(community, min_responses=value)
        shown = str(value)
    elif request.setting is Setting.WORKING_DAYS:
        if not isinstance(value, tuple) or not value or any(not 0 <= d <= 6 for d in value):
            raise UsageError("Say at least one working day, like mon-fri.", "settings")
        changed = replace(community, working_days=value)
        shown = dates.weekdays_words(value)
        return changed, (
            f"{community.name}: reminders now go on working days only, {shown}, at 9am in "
            "each person's own time. It applies to rounds opened from now on."
        )
    else:
        on = bool(value)
        if request.setting is Setting.ANONYMOUS:
            changed = replace(community, anonymous=on)
        elif request.setting is Setting.PRIORITIES:
            changed = replace(community, priorities=on)
        else:
            changed = replace(community, email_summary=on)
        shown = "on" if on else "off"
    sentence = (
        f"{community.name}: {request.setting} is now {shown}. It applies to rounds opened from "
        "now on; an open round keeps its setting."
    )
    return changed, sentence


# link


async def link(ctx: LeadContext, _request: LinkCode) -> Outcome:
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    await ctx.repo.create_link_code(ctx.community.id, code, ctx.now + LINK_CODE_LIFETIME)
    return said(
        f"To bring another group into {ctx.community.name}, an admin of that group types\n"
        f"/round link {code}\nthere within the next hour. The code works once."
    )


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


async def schedule(ctx: LeadContext, request: ShowSchedule | SetSchedule | ScheduleOff) -> Outcome:
    """`/round schedule ...` sets the cadence; bare shows it; `off` stops it."""
    current = await ctx.repo.schedule(ctx.community.id)
    if isinstance(request, ShowSchedule):
        if current is None:
            return said(f"{ctx.community.name} has no schedule. {SCHEDULE_EXAMPLE}")
        return said(describe_schedule(current, ctx.community.working_days))
    if isinstance(request, ScheduleOff):
        await ctx.repo.delete_schedule(ctx.community.id)
        return announced(f"{ctx.community.name}: scheduled rounds are off.")
    default_zone = current.cadence.timezone if current else await ctx.community_timezone()
    plan = cadence_of(checked_schedule(request), default_zone)
    if current is not None and current.occurrence > 0 and _same_rhythm(current, plan):
        # A new time, zone or length keeps the cycle: the next opening stays in step.
        anchor, start = current.anchor, current.occurrence
    else:  # never opened yet, or a new rhythm: start afresh from today
        anchor, start = cadence.first_day(plan, ctx.now), 0
    occurrence = cadence.next_occurrence(plan, anchor, ctx.now, start)
    saved = Schedule(
        ctx.community.id, plan, anchor, occurrence, cadence.opening(plan, anchor, occurrence)
    )
    await ctx.repo.save_schedule(saved)
    return announced(describe_schedule(saved, ctx.community.working_days))


def _same_rhythm(current: Schedule, plan: Cadence) -> bool:
    old = current.cadence
    if (old.unit, old.every) != (plan.unit, plan.every):
        return False
    return plan.unit is Unit.MONTH or old.weekday == plan.weekday


def describe_schedule(saved: Schedule, working_days: Sequence[int] = WORKING_WEEK) -> str:
    """The cadence and the next opening, reminders and close, in the community's timezone."""
    plan = saved.cadence
    unit = plan.unit if plan.every == 1 else f"{plan.every} {plan.unit}s"
    day = f" on {cadence.WEEKDAYS[plan.weekday].title()}" if plan.weekday is not None else ""
    opens = saved.next_open_at
    closes = cadence.closing_time(plan, opens)
    reminders = ", ".join(
        f"{d:%a} {d.day} {d:%b}"
        for d in cadence.reminder_days(opens, closes, plan.timezone, working_days)
    )

    def local(moment: datetime) -> str:
        return dates.moment_words(moment, plan.timezone)

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
