"""An email, as the core works it out when it is sent: the address it goes to, the message,
the community and round it is about, and the token of the link it carries. That token is a
personal link minted now (so the outbox never holds one, and with it a link that can only
unsubscribe, for List-Unsubscribe), or the message's own one-time token
(a sign-in link, a join request's confirmation). The email platform only lays it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.access.links import mint_link
from bot.messages import Outgoing, Purpose
from bot.model import LinkKind, Round
from bot.ports import Repository, Unreachable


@dataclass(frozen=True)
class Letter:
    """One email to one address."""

    address: str
    message: Outgoing
    community: str  # its name; "" for a sign-in link (it opens whatever the lead leads)
    round: Round | None
    token: str = field(repr=False)
    personal: bool  # the token opens the person's page (and stops their emails)
    unsubscribe: str | None = field(default=None, repr=False)  # a link that only unsubscribes


async def letter(repo: Repository, message: Outgoing, now: datetime) -> Letter:
    """The letter a message to a person by email becomes; Unreachable when there is nobody
    (any more) to send it to."""
    if message.purpose is Purpose.CONFIRM_JOIN:
        community = await repo.community_by_id(message.community_id or 0)
        if community is None or message.token is None:
            raise Unreachable("the join request is gone")
        return Letter(message.to.chat_id, message, community.name, None, message.token, False)
    person = await repo.person(message.to.platform, message.to.chat_id)
    address = await repo.address_of(person.id) if person else None
    if person is None or address is None:
        raise Unreachable("no address for this person")
    if message.purpose is Purpose.SIGN_IN and message.token is not None:
        return Letter(address, message, "", None, message.token, False)
    round_ = await repo.round_by_id(message.round_id) if message.round_id else None
    community_id = round_.community_id if round_ else message.community_id
    community = await repo.community_by_id(community_id) if community_id else None
    if community is None:
        raise Unreachable("the community this was about is gone")
    if round_ is None and message.purpose not in (Purpose.ACTION, Purpose.PERSONAL_LINK):
        raise Unreachable("the round this was about is gone")
    token = await mint_link(repo, person.id, community.id, now)
    stop = await mint_link(repo, person.id, community.id, now, LinkKind.UNSUBSCRIBE)
    return Letter(address, message, community.name, round_, token, True, stop)
