"""A community's board link: who holds it may read the board, nothing more.

The token is 256 bits derived from a random salt with this deployment's secret (HMAC-SHA256),
so a lead who asks again gets the same link; only the token's SHA-256 and the salt are stored.
The stored row alone cannot give the link back (that needs the secret too, as with the
opt-outs); a reset draws a new salt, after which the old link matches nothing.
"""

from __future__ import annotations

from datetime import datetime

from bot.access.tokens import derive, matches, new_salt, token_hash, well_formed
from bot.model import BoardLink, Community
from bot.ports import Repository

PURPOSE = "board"


async def board_token(
    repo: Repository, community_id: int, now: datetime, *, fresh: bool = False
) -> str:
    """The community's board token: the one it has, or (fresh, or none yet) a new one that
    replaces it."""
    secret = repo.deployment_secret()
    link = await repo.board_link(community_id)
    if link is not None and not fresh:
        token = derive(secret, PURPOSE, link.salt)
        if matches(token, link.token_hash):
            return token
        # The deployment's secret is not the one the link was made with: a new link.
    salt = new_salt()
    token = derive(secret, PURPOSE, salt)
    await repo.save_board_link(BoardLink(community_id, token_hash(token), salt, now))
    return token


async def board_community(repo: Repository, token: str) -> Community | None:
    """The community whose board this token opens; None for anything else (unknown, altered,
    replaced or turned off: the caller says the same for all of them)."""
    if not well_formed(token):
        return None
    link = await repo.board_link_by_hash(token_hash(token))
    return None if link is None else await repo.community_by_id(link.community_id)
