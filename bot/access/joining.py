"""Joining from a community's join page, by double opt-in: someone enters an address, and only
once they open the confirmation link emailed to it (within JOIN_REQUEST_LIFETIME) are they
enrolled. Until then the request is the only thing kept, with the address; it goes after a day.

The confirmation's token is derived from a salt kept with the request and the deployment's
secret, so the outbox item that owes the email holds neither the token nor the address, and
the link is made again when it is sent. Asking is limited per address and per IP, and the page
says the same whether or not the address is enrolled already.

Confirming turns the request into the person's personal link (its address goes), so a
doubled or repeated confirmation finds it done and opens the same page: one person, one
email.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.access.limits import AccessLimits, allow, mailbox
from bot.access.links import queue_link_email
from bot.access.tokens import derive, new_salt, token_hash, well_formed
from bot.commands.people import new_person
from bot.conversation.participants import enrol
from bot.model import AccessLink, Community, PersonRef
from bot.outbox.item import OutboxItem, OutboxKind
from bot.outbox.keys import OutboxKey
from bot.platforms import Platforms
from bot.ports import Repository

JOIN_REQUEST_LIFETIME = timedelta(hours=24)
PURPOSE = "join"
CONFIRM_TEXT = (
    "Someone (we hope you) asked to take part in {community}'s self-assessment with this "
    "address. To confirm, open the link below within 24 hours. If it was not you, ignore this "
    "email: nothing is kept."
)


async def ask_to_join(
    repo: Repository,
    community: Community,
    address: str,
    ip: str,
    email_platform: str,
    now: datetime,
    limits: AccessLimits,
) -> bool:
    """A join request for this (checked) address: its confirmation is owed by email. False
    when over a rate limit (then nothing is kept or sent)."""
    checks = [(limits.join_per_address, mailbox(address)), (limits.join_per_ip, ip)]
    if not await allow(repo, checks, now):
        return False
    await repo.prune_join_requests(now - JOIN_REQUEST_LIFETIME)
    salt = new_salt()
    hashed = token_hash(derive(repo.deployment_secret(), PURPOSE, salt))
    await repo.save_link(AccessLink(hashed, community.id, now, address=address, salt=salt))
    item = OutboxItem(
        str(OutboxKey.confirm_join(hashed)),
        OutboxKind.CONFIRM_JOIN,
        community.id,
        now,
        note=hashed,
        platform=email_platform,
    )
    await repo.queue([item])
    return True


def confirmation_token(secret: bytes, request: AccessLink) -> str | None:
    """A join request's confirmation token, made again from its salt (None for a request
    made before salts were kept: its email went long ago)."""
    return None if request.salt is None else derive(secret, PURPOSE, request.salt)


async def join_request(repo: Repository, token: str, now: datetime) -> AccessLink | None:
    """The join request behind a confirmation token while it is fresh; else None."""
    if not well_formed(token):
        return None
    link = await repo.link_by_hash(token_hash(token))
    if link is None or not link.is_join_request or link.address is None:
        return None
    return link if join_request_fresh(link, now) else None


def join_request_fresh(request: AccessLink, now: datetime) -> bool:
    return now < request.created_at + JOIN_REQUEST_LIFETIME


async def confirm(
    repo: Repository, token: str, email_platform: str, now: datetime, platforms: Platforms
) -> bool:
    """Confirm a join request: the address becomes a member (and joins the round open now),
    its page link is owed by email, and the confirmation token opens their page from now on.
    True when the token opens a page (confirmed now, or before); False: unknown or expired."""
    if not well_formed(token):
        return False
    asked = await repo.link_by_hash(token_hash(token))
    if asked is None:
        return False
    if not asked.is_join_request:
        return True  # confirmed already: a double click, or the email opened again
    community = await repo.community_by_id(asked.community_id)
    if asked.address is None or community is None or not join_request_fresh(asked, now):
        return False
    person = await repo.person_by_address(email_platform, asked.address)
    if person is None:
        person = await repo.upsert_person(new_person(email_platform, asked.address))
        await repo.set_address(person.id, asked.address)  # a concurrent twin fails here
    who = PersonRef(person.platform, person.platform_user_id, person.display_name)
    await enrol(repo, who, community, now, platforms)  # its page shows what it says
    await repo.drop_link(asked.token_hash)
    await repo.save_link(AccessLink(asked.token_hash, community.id, now, person.id))
    await queue_link_email(repo, person.id, community.id, now)
    return True
