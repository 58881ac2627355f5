"""People who take part by email, not on a chat platform: `/round people add|remove|`,
`/round join-link`, and the same adding and listing for the command line.

A person added by address gets an opaque id on the platform that reaches people by email (the
web); their address is personal data, kept beside them for sending and shown only to leads
(privately) and in their own export. Bad addresses are listed back; good ones are kept.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from bot.commands.parser import UsageError
from bot.messages import Outgoing
from bot.model import Community, Participation, Person, PersonRef, Role, Stage
from bot.platforms import Platforms, PlatformTraits
from bot.ports import Repository
from bot.privacy.data_rights import address_opt_out_key
from bot.schedule.reminders import queue_invitations

if TYPE_CHECKING:
    from bot.commands.leads import Request

MAX_ADDRESSES = 500  # in one command
ADDRESS_CHARS = 254  # the longest address SMTP carries (RFC 5321 path limit less <>)
_SEPARATORS = re.compile(r"[,;\s]+")
WEB_OFF = (
    "People cannot take part by email here: the web channel is off. An administrator sets "
    "PUBLIC_URL, SMTP_URL and EMAIL_FROM (see the README: Run it on the web and by email)."
)


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


def split_addresses(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or new lines."""
    return [part for part in _SEPARATORS.split(text) if part]


@dataclass
class PeopleChange:
    """What adding or removing addresses did (addresses as stored, or as typed when bad)."""

    done: list[str] = field(default_factory=list)  # added, or removed
    already: list[str] = field(default_factory=list)  # members already, or not members
    opted_out: list[str] = field(default_factory=list)  # they unsubscribed or were forgotten
    invalid: list[str] = field(default_factory=list)
    invited: int = 0  # invited to the round open now

    def sentence(self, community: str, verb: str) -> str:
        """The outcome in words, for the lead (privately: it names addresses)."""
        lines = [f"{verb} {_people(len(self.done))} {_to_from(verb)} {community}."]
        if self.invited:
            lines.append(f"{_people(self.invited)} invited to the round that is open now.")
        if self.already:
            state = "already taking part" if verb == "Added" else "not members"
            lines.append(f"{state.capitalize()}: {', '.join(self.already)}")
        if self.opted_out:
            lines.append(
                "Not added, because they asked for no more emails or to be forgotten (they can "
                f"join again themselves from the join page): {', '.join(self.opted_out)}"
            )
        if self.invalid:
            lines.append(f"Not valid email addresses: {', '.join(self.invalid)}")
        return "\n".join(lines)


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _to_from(verb: str) -> str:
    return "to" if verb == "Added" else "from"


def new_person(platform: str, address: str) -> PersonRef:
    """A person known by address: an opaque id, and the address's local part as a name."""
    return PersonRef(platform, secrets.token_hex(8), address.split("@", 1)[0])


def _checked(addresses: Iterable[str], change: PeopleChange) -> list[str]:
    good: dict[str, None] = {}
    for raw in addresses:
        address = check_address(raw)
        if address is None:
            change.invalid.append(raw[:ADDRESS_CHARS])
        else:
            good.setdefault(address)
    if len(good) > MAX_ADDRESSES:
        raise UsageError(f"At most {MAX_ADDRESSES} addresses at a time, please.", "people")
    return list(good)


async def add_people(
    repo: Repository, community: Community, addresses: Iterable[str], platform: str, now: datetime
) -> PeopleChange:
    """Enrol these addresses in the community (and the round open now, inviting them), except
    those who opted out; bad addresses are listed, good ones kept."""
    change = PeopleChange()
    round_ = await repo.unclosed_round(community.id)
    open_now = round_ if round_ is not None and round_.is_open(now) else None
    invited = []
    for address in _checked(addresses, change):
        if await repo.is_opted_out(address_opt_out_key(repo.deployment_secret(), address)):
            change.opted_out.append(address)
            continue
        person = await repo.person_by_address(platform, address)
        if person is None:
            person = await repo.upsert_person(new_person(platform, address))
            await repo.set_address(person.id, address)
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
    repo: Repository, community: Community, addresses: Iterable[str], platform: str
) -> PeopleChange:
    """Take these addresses out of the community: not invited to later rounds, and no more
    reminders in the round open now (where they stay counted as invited)."""
    change = PeopleChange()
    for address in _checked(addresses, change):
        person = await repo.person_by_address(platform, address)
        role = await repo.role(community.id, person.id) if person else None
        if person is None or role is None:
            change.already.append(address)
            continue
        await repo.remove_member(community.id, person.id)
        for participation in await repo.active_participations(person.id):
            round_ = await repo.round_by_id(participation.round_id)
            if round_ is not None and round_.community_id == community.id:
                muted = replace(participation, reminders_off=True, remind_after=None)
                await repo.save_participation(muted)
        change.done.append(address)
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
    return f"{community.name} has {_people(counts.total())}: {', '.join(parts) or 'nobody yet'}."


# the lead commands


def _email_platform(req: Request) -> PlatformTraits:
    traits = req.platforms.by_email()
    if traits is None:
        raise UsageError(WEB_OFF, "people")
    return traits


async def people(req: Request) -> list[Outgoing]:
    """`/round people add|remove <addresses>`; bare, how many people are on each platform."""
    verb, _, rest = req.command.args.strip().partition(" ")
    verb = verb.lower()
    if not verb:
        text = await overview(req.repo, req.community, req.platforms)
        traits = req.platforms.by_email()
        if traits is not None:
            listed = await addressed_members(req.repo, req.community, traits.name)
            if listed:
                text += "\nBy email: " + ", ".join(address for _p, address in listed)
        return [req.private(text)]
    if verb not in ("add", "remove") or not rest.strip():
        raise UsageError("Say add or remove, then the email addresses.", "people")
    platform = _email_platform(req).name
    addresses = split_addresses(rest)
    if verb == "add":
        change = await add_people(req.repo, req.community, addresses, platform, req.now)
        return [req.private(change.sentence(req.community.name, "Added"))]
    change = await remove_people(req.repo, req.community, addresses, platform)
    return [req.private(change.sentence(req.community.name, "Removed"))]


async def join_link(req: Request) -> list[Outgoing]:
    """`/round join-link`: the community's join page, for a lead to share anywhere."""
    traits = _email_platform(req)
    if not traits.join_page:
        raise UsageError(WEB_OFF, "join-link")
    url = traits.join_page.format(code=req.community.join_code)
    return [
        req.public(
            f"Anyone can take part in {req.community.name}'s self-assessment by email: open "
            f"{url} and enter your email address. You get your personal link by email."
        )
    ]
