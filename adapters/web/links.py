"""Personal links: long random tokens, of which only a hash is stored, each bound to one person
and one community. A link works while the person's latest round in that community is open, and
for a grace period after it closes (long enough to see that it closed and read the summary);
a join request's link works for a day, once. Anything else is "not valid", whatever it is."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.web.settings import PLATFORM
from bot.conversation.participants import Standing, standing
from bot.model import AccessLink, Community, Person, PersonRef
from bot.ports import Repository

TOKEN_BYTES = 32  # 256 random bits: 43 characters of [A-Za-z0-9_-]
GRACE = timedelta(days=30)  # after the person's last round closes
JOIN_REQUEST_LIFETIME = timedelta(hours=24)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class Access(enum.Enum):
    OPEN = "open"
    EXPIRED = "expired"  # genuine, but its time is over: a new one may be emailed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_TOKEN.match(token))


async def mint(repo: Repository, person_id: int, community_id: int, now: datetime) -> str:
    """A new personal link's token (stored hashed; the token itself goes only into an email or
    a redirect to the person who asked)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await repo.save_link(AccessLink(token_hash(token), community_id, now, person_id))
    return token


async def mint_join_request(
    repo: Repository, community_id: int, address: str, now: datetime
) -> str:
    """A token that confirms a join request from the join page (double opt-in)."""
    await repo.prune_join_requests(now - JOIN_REQUEST_LIFETIME)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await repo.save_link(AccessLink(token_hash(token), community_id, now, address=address))
    return token


@dataclass(frozen=True)
class Visit:
    """A personal link that is genuine: whose it is, where they stand, whether it still works."""

    token_hash: str
    person: Person
    community: Community
    standing: Standing | None
    access: Access

    @property
    def who(self) -> PersonRef:
        return PersonRef(PLATFORM, self.person.platform_user_id, self.person.display_name)


def expires_at(link: AccessLink, where: Standing | None) -> datetime | None:
    """When the link stops working; None while the person's latest round is open."""
    if where is None:
        return link.created_at + GRACE
    if where.prompt is not None:
        return None
    return max(where.round.ended_at(), link.created_at) + GRACE


async def holder(repo: Repository, token: str) -> tuple[AccessLink, Person] | None:
    """Whose genuine personal link a token is: (the link, its person); None when it is
    unknown, altered, or its person is gone."""
    if not well_formed(token):
        return None
    link = await repo.link_by_hash(token_hash(token))
    if link is None or link.person_id is None:
        return None
    person = await repo.person_by_id(link.person_id)
    if person is None or person.platform != PLATFORM:
        return None
    return link, person


async def visit(repo: Repository, token: str, now: datetime) -> Visit | None:
    """The genuine personal link behind a token with where its person stands, or None: the
    caller shows the same "not valid" page for every None."""
    found = await holder(repo, token)
    if found is None:
        return None
    link, person = found
    community = await repo.community_by_id(link.community_id)
    if community is None:
        return None
    where = await standing(repo, person, community.id, now)
    ends = expires_at(link, where)
    access = Access.OPEN if ends is None or now < ends else Access.EXPIRED
    return Visit(link.token_hash, person, community, where, access)


async def join_request(repo: Repository, token: str, now: datetime) -> AccessLink | None:
    """The join request behind a confirmation token while it is fresh; else None."""
    if not well_formed(token):
        return None
    link = await repo.link_by_hash(token_hash(token))
    if link is None or not link.is_join_request or link.address is None:
        return None
    return link if now < link.created_at + JOIN_REQUEST_LIFETIME else None
