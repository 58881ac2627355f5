"""One community across platforms: `/round link` gives a one-time code in one chat, and
`/round link CODE` in a chat on another platform joins that chat to the same community."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.model import ChatRef, Community
from bot.ports import ConcurrentUpdate, Repository

CODE_LIFETIME = timedelta(hours=1)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are typed by hand


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


async def create_code(repo: Repository, community: Community, now: datetime) -> str:
    code = new_code()
    await repo.create_link_code(community.id, code, now + CODE_LIFETIME)
    return code


def instructions(community: Community, code: str) -> str:
    return (
        f"To bring another group into {community.name}, an admin of that group types\n"
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
