"""A community's board link: who holds it may read the board, nothing more.

The token is 256 bits derived from a random salt with this deployment's secret (HMAC-SHA256),
so a lead who asks again gets the same link; only the token's SHA-256 and the salt are stored.
The stored row alone cannot give the link back (that needs the secret too, as with the
opt-outs); a reset draws a new salt, after which the old link matches nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

from bot.model import BoardLink, Community
from bot.ports import Repository

SALT_BYTES = 16
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes, unpadded URL-safe base64


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_TOKEN.match(token))


def _derive(secret: bytes, salt: str) -> str:
    digest = hmac.new(secret, f"board:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def board_token(
    repo: Repository, community_id: int, now: datetime, *, fresh: bool = False
) -> str:
    """The community's board token: the one it has, or (fresh, or none yet) a new one that
    replaces it."""
    secret = repo.deployment_secret()
    link = await repo.board_link(community_id)
    if link is not None and not fresh:
        token = _derive(secret, link.salt)
        if hmac.compare_digest(token_hash(token), link.token_hash):
            return token
        # The deployment's secret is not the one the link was made with: a new link.
    salt = secrets.token_hex(SALT_BYTES)
    token = _derive(secret, salt)
    await repo.save_board_link(BoardLink(community_id, token_hash(token), salt, now))
    return token


async def board_community(repo: Repository, token: str) -> Community | None:
    """The community whose board this token opens; None for anything else (unknown, altered,
    replaced or turned off: the caller says the same for all of them)."""
    if not well_formed(token):
        return None
    link = await repo.board_link_by_hash(token_hash(token))
    return None if link is None else await repo.community_by_id(link.community_id)
