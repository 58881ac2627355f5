"""Personal links: the page of one person (reached by email) in one community. Only a hash of
each link's token is stored. A new link is minted whenever one is emailed, so the outbox never
holds a token. A link works while the person's latest round in that community is open, and for
a grace period after it closes (long enough to see that it closed and read the summary); then
its page offers a new one by email. Anything else is "not valid", whatever it is."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access.tokens import mint, token_hash, well_formed
from bot.conversation.participants import Standing, standing
from bot.model import AccessLink, Community, LinkKind, Person, PersonRef
from bot.outbox.item import OutboxItem, OutboxKind
from bot.outbox.keys import OutboxKey
from bot.platforms import Platforms
from bot.ports import Repository

GRACE = timedelta(days=30)  # after the person's last round closes
STOPS_EMAILS = frozenset({LinkKind.PAGE, LinkKind.UNSUBSCRIBE})  # the links /u/ accepts
RENEW_WINDOW = timedelta(days=90)  # an expired link still offers a new one this long
LINKS_KEPT = 20  # the newest of a person's links in a community: older emails' links stop
PRUNED_AT_ONCE = 500  # expired links looked at in one pass (the rest wait for the next)


class Access(enum.Enum):
    OPEN = "open"
    EXPIRED = "expired"  # genuine, but its time is over: a new one may be emailed


async def mint_link(
    repo: Repository,
    person_id: int,
    community_id: int,
    now: datetime,
    kind: LinkKind = LinkKind.PAGE,
) -> str:
    """A new personal link's token (stored hashed; the token itself goes only into an email
    being sent, or a redirect to the person who has just confirmed). An UNSUBSCRIBE link
    can only stop the person's emails from the community: it is the one in List-Unsubscribe,
    which mail providers fetch and post to by themselves."""
    token = mint()
    await repo.save_link(AccessLink(token_hash(token), community_id, now, person_id, kind=kind))
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
        person = self.person
        return PersonRef(person.platform, person.platform_user_id, person.display_name)


def expires_at(link: AccessLink, where: Standing | None) -> datetime | None:
    """When the link stops working; None while the person's latest round is open."""
    if where is None:
        return link.created_at + GRACE
    if where.prompt is not None:
        return None
    return max(where.round.ended_at(), link.created_at) + GRACE


async def holder(
    repo: Repository, token: str, kinds: frozenset[LinkKind] = frozenset({LinkKind.PAGE})
) -> tuple[AccessLink, Person] | None:
    """Whose genuine personal link of one of these kinds a token is: (the link, its person);
    None when it is unknown, altered, a join request's, of another kind, or its person is
    gone."""
    if not well_formed(token):
        return None
    link = await repo.link_by_hash(token_hash(token))
    if link is None or link.person_id is None or link.kind not in kinds:
        return None
    person = await repo.person_by_id(link.person_id)
    return None if person is None else (link, person)


async def visit(
    repo: Repository,
    token: str,
    now: datetime,
    platforms: Platforms,
    kinds: frozenset[LinkKind] = frozenset({LinkKind.PAGE}),
) -> Visit | None:
    """The genuine personal link behind a token with where its person stands, or None: the
    caller shows the same "not valid" page for every None."""
    found = await holder(repo, token, kinds)
    if found is None:
        return None
    link, person = found
    community = await repo.community_by_id(link.community_id)
    if community is None:
        return None
    where = await standing(repo, person, community.id, now, platforms)
    ends = expires_at(link, where)
    access = Access.OPEN if ends is None or now < ends else Access.EXPIRED
    return Visit(link.token_hash, person, community, where, access)


async def queue_link_email(
    repo: Repository, person_id: int, community_id: int, now: datetime
) -> None:
    """The person's page link owed by email (after joining, or asked for again); the link is
    made as it is sent."""
    key = str(OutboxKey.personal_link())
    item = OutboxItem(key, OutboxKind.PERSONAL_LINK, community_id, now, person_id=person_id)
    await repo.queue([item])


async def prune_links(repo: Repository, now: datetime, platforms: Platforms) -> int:
    """Forget personal links past their time: those expired more than RENEW_WINDOW ago, and
    all but each person's LINKS_KEPT newest in a community (a link is made for every email,
    so without this the table grows with every reminder). How many went."""
    expired: list[str] = []
    for link in await repo.personal_links_before(now - GRACE - RENEW_WINDOW, PRUNED_AT_ONCE):
        person = await repo.person_by_id(link.person_id) if link.person_id else None
        where = await standing(repo, person, link.community_id, now, platforms) if person else None
        ends = expires_at(link, where)
        if person is None or (ends is not None and ends + RENEW_WINDOW <= now):
            expired.append(link.token_hash)
    await repo.drop_links(expired)
    return len(expired) + await repo.prune_surplus_links(LINKS_KEPT)
