"""People who take part by email, not on a chat platform: `/round people add|remove|`,
`/round join-link`, and the same adding and listing for the command line and the web pages.

A person added by address gets an opaque id on the platform that reaches people by email (the
web); their address is personal data, kept beside them for sending and shown only to leads
(privately) and in their own export. Bad entries are named back; good ones are kept.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.commands.context import LeadContext
from bot.commands.outcomes import (
    Outcome,
    PeopleChange,
    PeopleChanged,
    announced,
    people_count,
    said,
)
from bot.commands.parser import UsageError, check_address
from bot.commands.requests import AddPeople, EmailEntry, JoinLink, RemovePeople, ShowPeople
from bot.model import Community, Participation, Person, PersonRef, Role, Stage
from bot.platforms import Platforms, PlatformTraits
from bot.ports import Repository
from bot.privacy.data_rights import address_opt_out_key
from bot.schedule.reminders import queue_invitations

__all__ = ["check_address"]  # where the web and the command line find it

WEB_OFF = (
    "People cannot take part by email here: the web channel is off. An administrator sets "
    "PUBLIC_URL, SMTP_URL and EMAIL_FROM (see docs/web-and-email.md)."
)


def new_person(platform: str, address: str, name: str = "") -> PersonRef:
    """A person known by address: an opaque id, and their name (else the address's local
    part)."""
    return PersonRef(platform, secrets.token_hex(8), name or address.split("@", 1)[0])


async def person_by_email(repo: Repository, platform: str, entry: EmailEntry) -> Person:
    """The person with this address (made, with the address, when there is none yet)."""
    person = await repo.person_by_address(platform, entry.address)
    if person is None:
        person = await repo.upsert_person(new_person(platform, entry.address, entry.name))
        await repo.set_address(person.id, entry.address)
    return person


async def add_people(
    repo: Repository,
    community: Community,
    entries: Iterable[EmailEntry],
    platform: str,
    now: datetime,
    invalid: Sequence[str] = (),
) -> PeopleChange:
    """Enrol these people in the community (and the round open now, inviting them), except
    those who opted out; the invalid entries are only named back."""
    change = PeopleChange(invalid=list(invalid))
    round_ = await repo.unclosed_round(community.id)
    open_now = round_ if round_ is not None and round_.is_open(now) else None
    invited = []
    for entry in entries:
        address = entry.address
        if await repo.is_opted_out(address_opt_out_key(repo.deployment_secret(), address)):
            change.opted_out.append(address)
            continue
        person = await person_by_email(repo, platform, entry)
        if await repo.role(community.id, person.id) is None:
            await repo.set_role(community.id, person.id, Role.PARTICIPANT)
            change.done.append(address)
        else:
            change.already.append(address)
        if open_now is not None and await repo.participation(open_now.id, person.id) is None:
            participation = Participation(open_now.id, person.id, Stage.INVITED, invited_at=now)
            await repo.add_participation(participation)
            invited.append(person)
    if open_now is not None:
        await queue_invitations(repo, community, open_now, invited, now)
    change.invited = len(invited)
    return change


async def remove_people(
    repo: Repository, community: Community, request: RemovePeople, platform: str
) -> PeopleChange:
    """Take these people (by address or id) out of the community: not invited to later rounds,
    and no more reminders in the round open now (where they stay counted as invited)."""
    change = PeopleChange(invalid=list(request.invalid))
    named: list[tuple[str, Person | None]] = [
        (address, await repo.person_by_address(platform, address)) for address in request.addresses
    ]
    for person_id in request.person_ids:
        named.append((f"id {person_id}", await repo.person_by_id(person_id)))
    for written, person in named:
        role = await repo.role(community.id, person.id) if person else None
        if person is None or role is None:
            change.already.append(written)
            continue
        if person.platform != platform:
            raise UsageError(
                f"{person.name} takes part in a chat: they leave when they leave it.", "people"
            )
        if role is Role.LEAD:
            raise UsageError(
                f"{person.name} is a lead: remove them as a lead first (/round leads remove).",
                "people",
            )
        await repo.remove_member(community.id, person.id)
        for participation in await repo.active_participations(person.id):
            round_ = await repo.round_by_id(participation.round_id)
            if round_ is not None and round_.community_id == community.id:
                muted = replace(participation, reminders_off=True, remind_after=None)
                await repo.save_participation(muted)
        change.done.append(written)
    return change


async def addressed_members(
    repo: Repository, community: Community, platform: str
) -> list[tuple[Person, str]]:
    """The community's members on the email platform, with their addresses."""
    found = []
    for person, _role in await repo.members(community.id):
        if person.platform == platform and (address := await repo.address_of(person.id)):
            found.append((person, address))
    return sorted(found, key=lambda pair: pair[1])


async def overview(repo: Repository, community: Community, platforms: Platforms) -> str:
    """How many people the community has on each platform."""
    counts = Counter(person.platform for person, _role in await repo.members(community.id))
    parts = [f"{count} on {platforms[name].title}" for name, count in sorted(counts.items())]
    return (
        f"{community.name} has {people_count(counts.total())}: {', '.join(parts) or 'nobody yet'}."
    )


# the lead use cases


def email_platform(ctx: LeadContext, sub: str = "people") -> PlatformTraits:
    traits = ctx.platforms.by_email()
    if traits is None:
        raise UsageError(WEB_OFF, sub)
    return traits


async def people(ctx: LeadContext, request: ShowPeople | AddPeople | RemovePeople) -> Outcome:
    """`/round people add|remove <addresses>`; bare, how many people are on each platform."""
    if isinstance(request, ShowPeople):
        text = await overview(ctx.repo, ctx.community, ctx.platforms)
        traits = ctx.platforms.by_email()
        if traits is not None:
            listed = await addressed_members(ctx.repo, ctx.community, traits.name)
            if listed:
                text += "\nBy email: " + ", ".join(address for _p, address in listed)
        return said(text)
    platform = email_platform(ctx).name
    if isinstance(request, AddPeople):
        change = await add_people(
            ctx.repo, ctx.community, request.entries, platform, ctx.now, request.invalid
        )
        verb = "Added"
    else:
        change = await remove_people(ctx.repo, ctx.community, request, platform)
        verb = "Removed"
    return PeopleChanged(said=(change.sentence(ctx.community.name, verb),), change=change)


async def join_link(ctx: LeadContext, _request: JoinLink) -> Outcome:
    """`/round join-link`: the community's join page, for a lead to share anywhere."""
    traits = email_platform(ctx, "join-link")
    if not traits.join_page:
        raise UsageError(WEB_OFF, "join-link")
    url = traits.join_page.format(code=ctx.community.join_code)
    return announced(
        f"Anyone can take part in {ctx.community.name}'s self-assessment by email: open "
        f"{url} and enter your email address. You get your personal link by email."
    )
