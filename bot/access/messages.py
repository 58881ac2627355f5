"""The emails the access rules owe, worked out as they are sent: a lead's sign-in link (made
now, so the outbox never holds it), a join request's confirmation (its link derived again from
the request's salt) and a person's page link (made by the email platform as it sends, like
every personal link)."""

from __future__ import annotations

from datetime import datetime

from bot.access.joining import CONFIRM_TEXT, confirmation_token, join_request_fresh
from bot.access.sign_in import SIGN_IN_TEXT, mint_sign_in
from bot.messages import Address, Outgoing, Purpose
from bot.outbox.item import OutboxItem, OutboxKind
from bot.ports import Repository

ACCESS_KINDS = frozenset({OutboxKind.SIGN_IN, OutboxKind.CONFIRM_JOIN, OutboxKind.PERSONAL_LINK})
LINK_TEXT = (
    "Here is your personal link to {community}'s self-assessment. Keep it to yourself: anyone "
    "with it can answer as you."
)


async def access_message(repo: Repository, item: OutboxItem, now: datetime) -> Outgoing | None:
    """The message an access item owes now; None when nothing is owed any more (the person
    was forgotten, the request confirmed or expired)."""
    if item.kind is OutboxKind.CONFIRM_JOIN:
        request = await repo.link_by_hash(item.note) if item.note else None
        if request is None or request.address is None or item.platform is None:
            return None
        community = await repo.community_by_id(request.community_id)
        token = confirmation_token(repo.deployment_secret(), request)
        if community is None or token is None or not join_request_fresh(request, now):
            return None
        # The address that asked is where it goes: nobody is stored until they confirm.
        to = Address(item.platform, request.address, direct=True)
        text = CONFIRM_TEXT.format(community=community.name)
        return Outgoing(
            to, text, purpose=Purpose.CONFIRM_JOIN, community_id=community.id, token=token
        )
    person = await repo.person_by_id(item.person_id) if item.person_id else None
    if person is None:
        return None
    dm = Address(person.platform, person.platform_user_id, direct=True)
    if item.kind is OutboxKind.SIGN_IN:
        token = await mint_sign_in(repo, person.id, now)
        return Outgoing(dm, SIGN_IN_TEXT, purpose=Purpose.SIGN_IN, token=token)
    community = await repo.community_by_id(item.community_id) if item.community_id else None
    if community is None:
        return None
    text = LINK_TEXT.format(community=community.name)
    return Outgoing(dm, text, purpose=Purpose.PERSONAL_LINK, community_id=community.id)
