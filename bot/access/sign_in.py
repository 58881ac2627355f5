"""Leads sign in to the web pages without a password, by a link: asked for with an email
address on the sign-in page (emailed), or given privately in a chat by `/round web`.

- A sign-in link works once, for SIGN_IN_LIFETIME, and only its hash is stored. An emailed
  one is made as the email is sent (the outbox never holds it); one given in a chat travels in
  that chat's reply, which is why it is single-use and short-lived.
- Asking is limited per address and per IP, and the answer is the same whether or not the
  address belongs to a lead: the page never tells who leads.
- Each sign-in starts a new session (a new random token in the browser's cookie, only its hash
  stored): a session token known before signing in is never one after it. A session ends after
  SESSION_IDLE unused, after SESSION_LONGEST whatever happens, or at sign-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access.limits import AccessLimits, allow, mailbox
from bot.access.tokens import mint, token_hash, well_formed
from bot.model import Community, LeadSession, Person, Role, SignInLink
from bot.outbox.item import OutboxItem, OutboxKind
from bot.outbox.keys import OutboxKey
from bot.ports import Repository

SIGN_IN_LIFETIME = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=2)
SESSION_LONGEST = timedelta(hours=12)
SESSION_TOUCH = timedelta(minutes=1)  # seen_at is written at most this often
SIGN_IN_TEXT = (
    "Here is your link to sign in to the leads' pages of the self-assessment. It works once, "
    "within 15 minutes. If you did not ask for it, ignore this email: nobody can sign in "
    "without it."
)


async def led_by(repo: Repository, person: Person) -> list[Community]:
    """The communities the person leads."""
    led = []
    for community_id, role in await repo.roles_of(person.id):
        if role is Role.LEAD and (community := await repo.community_by_id(community_id)):
            led.append(community)
    return sorted(led, key=lambda c: c.name.lower())


async def ask_to_sign_in(
    repo: Repository,
    address: str,
    ip: str,
    email_platform: str,
    now: datetime,
    limits: AccessLimits,
) -> bool:
    """Someone asked for a sign-in link for this (checked) address: one is emailed if it is a
    lead's. False when over a rate limit (then nothing is sent); True otherwise, lead or not."""
    checks = [(limits.sign_in_per_address, mailbox(address)), (limits.sign_in_per_ip, ip)]
    if not await allow(repo, checks, now):
        return False
    person = await repo.person_by_address(email_platform, address)
    if person is not None and await led_by(repo, person):
        await queue_sign_in(repo, person.id, now)
    return True


async def queue_sign_in(repo: Repository, person_id: int, now: datetime) -> None:
    """A sign-in link owed to a lead by email; the link is made when it is sent."""
    key = str(OutboxKey.sign_in())
    await repo.queue([OutboxItem(key, OutboxKind.SIGN_IN, None, now, person_id=person_id)])


async def mint_sign_in(repo: Repository, person_id: int, now: datetime) -> str:
    """A new one-time sign-in link's token (only its hash is stored)."""
    token = mint()
    await repo.save_sign_in(SignInLink(token_hash(token), person_id, now))
    return token


async def sign_in(repo: Repository, token: str, now: datetime) -> str | None:
    """Use up a sign-in link: a new session's token, or None when the link is unknown, used,
    expired or its person leads nothing any more."""
    if not well_formed(token):
        return None
    link = await repo.take_sign_in(token_hash(token))  # gone now, whatever follows
    if link is None or now >= link.created_at + SIGN_IN_LIFETIME:
        return None
    person = await repo.person_by_id(link.person_id)
    if person is None or not await led_by(repo, person):
        return None
    session = mint()
    await repo.save_session(LeadSession(token_hash(session), person.id, now, now))
    return session


@dataclass(frozen=True)
class SignedIn:
    """A lead with a live session, and what they lead."""

    session: LeadSession
    person: Person
    communities: tuple[Community, ...]

    def leads(self, community_id: int) -> Community | None:
        return next((c for c in self.communities if c.id == community_id), None)


async def signed_in(repo: Repository, token: str, now: datetime) -> SignedIn | None:
    """The lead whose live session token this is; None for anything else (unknown, ended,
    idle too long, or they lead nothing any more)."""
    if not well_formed(token):
        return None
    session = await repo.lead_session(token_hash(token))
    if session is None:
        return None
    if now - session.seen_at >= SESSION_IDLE or now - session.created_at >= SESSION_LONGEST:
        await repo.drop_session(session.token_hash)
        return None
    person = await repo.person_by_id(session.person_id)
    communities = tuple(await led_by(repo, person)) if person else ()
    if person is None or not communities:
        return None
    if now - session.seen_at >= SESSION_TOUCH:
        await repo.touch_session(session.token_hash, now)
    return SignedIn(session, person, communities)


async def sign_out(repo: Repository, token: str) -> None:
    if well_formed(token):
        await repo.drop_session(token_hash(token))
