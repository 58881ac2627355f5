"""Community administration by leads: leads, settings, link, schedule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.commands import linking
from bot.commands import settings as community_settings
from bot.commands.parser import UsageError, parse_mention
from bot.commands.request import Request
from bot.messages import Outgoing
from bot.model import Person, PersonRef, Role, Schedule
from bot.schedule import cadence


async def leads(req: Request) -> list[Outgoing]:
    verb, _, who = req.command.args.partition(" ")
    mention = parse_mention(who)
    if verb not in ("add", "remove") or mention is None:
        raise UsageError("Say whom to add or remove.", "leads")
    person = await find(req, mention.platform, mention.user_id, mention.name)
    if person is None:
        raise UsageError(f"I can't find {who.strip()} in {req.community.name}.", "leads")
    role = await req.repo.role(req.community.id, person.id)
    if verb == "add":
        await req.repo.set_role(req.community.id, person.id, Role.LEAD)
        return [req.public(f"{person.name} is now a lead of {req.community.name}.")]
    leads = [p for p, r in await req.repo.members(req.community.id) if r is Role.LEAD]
    if role is not Role.LEAD:
        return [req.private(f"{person.name} is not a lead.")]
    if len(leads) == 1:
        return [req.private("A community needs at least one lead; add another first.")]
    await req.repo.set_role(req.community.id, person.id, Role.PARTICIPANT)
    return [req.public(f"{person.name} is no longer a lead of {req.community.name}.")]


async def find(
    req: Request, platform: str | None, user_id: str | None, name: str | None
) -> Person | None:
    if platform and user_id:
        known = await req.repo.person(platform, user_id)
        return known or await req.repo.upsert_person(PersonRef(platform, user_id))
    matches = [
        p
        for p, _ in await req.repo.members(req.community.id)
        if name and name.lower() in (p.display_name.lower(), p.platform_user_id.lower())
    ]
    return matches[0] if len(matches) == 1 else None


async def settings(req: Request) -> list[Outgoing]:
    if not req.command.args.strip():
        return [req.private(community_settings.describe(req.community))]
    changed, sentence = community_settings.change(req.community, req.command.args)
    await req.repo.update_community(changed)
    return [req.public(sentence)]


async def link(req: Request) -> list[Outgoing]:
    if req.command.args.strip():
        text = f"This chat is already part of {req.community.name}."
        return [req.private(text)]
    code = await linking.create_code(req.repo, req.community, req.now)
    return [req.private(linking.instructions(req.community, code))]


async def schedule(req: Request) -> list[Outgoing]:
    """`/round schedule ...` sets the cadence; bare shows it; `off` stops it."""
    args = req.command.args.strip()
    current = await req.repo.schedule(req.community.id)
    if not args:
        if current is None:
            return [req.private(f"{req.community.name} has no schedule. {cadence.EXAMPLE}")]
        return [req.private(describe_schedule(current, req.now))]
    if args.lower() == "off":
        await req.repo.delete_schedule(req.community.id)
        return [req.public(f"{req.community.name}: scheduled rounds are off.")]
    default_zone = current.timezone if current else req.timezone
    plan = cadence.parse_cadence(args, default_zone)
    same_rhythm = current is not None and (current.unit, current.every) == (plan.unit, plan.every)
    if (
        current is not None
        and current.occurrence > 0  # never opened yet: start afresh from today
        and same_rhythm
        and (plan.unit == "month" or current.weekday == plan.weekday)
    ):
        # A new time, zone or length keeps the cycle: the next opening stays in step.
        anchor, start = date.fromisoformat(current.anchor), current.occurrence
    else:
        anchor, start = cadence.first_day(plan, req.now), 0
    occurrence = cadence.next_occurrence(plan, anchor, req.now, start)
    saved = Schedule(
        req.community.id,
        plan.every,
        plan.unit,
        plan.weekday,
        f"{plan.at:%H:%M}",
        plan.timezone,
        plan.duration_days,
        anchor.isoformat(),
        occurrence,
        cadence.opening(plan, anchor, occurrence),
    )
    await req.repo.save_schedule(saved)
    return [req.public(describe_schedule(saved, req.now))]


def describe_schedule(saved: Schedule, now: datetime) -> str:
    """The cadence and the next opening, reminders and close, in the community's timezone."""
    zone = ZoneInfo(saved.timezone)
    unit = saved.unit if saved.every == 1 else f"{saved.every} {saved.unit}s"
    day = f" on {cadence.WEEKDAYS[saved.weekday].title()}" if saved.weekday is not None else ""
    opens = saved.next_open_at
    closes = cadence.local_moment(
        cadence.local_date(opens, saved.timezone) + timedelta(days=saved.duration_days),
        time.fromisoformat(saved.at),
        saved.timezone,
    )
    reminders = ", ".join(
        f"{d:%a} {d.day} {d:%b}" for d in cadence.reminder_days(opens, closes, saved.timezone)
    )

    def local(moment: datetime) -> str:
        here = moment.astimezone(zone)
        return f"{here:%a} {here.day} {here:%b %Y, %H:%M %Z}"

    return "\n".join(
        [
            f"Every {unit}{day} at {saved.at} ({saved.timezone}), each round open for "
            f"{saved.duration_days} days.",
            f"Next opening: {local(opens)}",
            f"Reminders to those not finished: {reminders or 'none'} "
            f"({cadence.WORKING_HOUR:%H:%M} in each person's own time)",
            f"Closes: {local(closes)}",
        ]
    )
