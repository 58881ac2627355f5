"""The one token helper: every link the bot hands out (personal pages, join confirmations,
sign-in links, lead sessions, the board) is a 256-bit random or derived token, of which only a
SHA-256 is stored.

A token made at random (mint) is given out once and never kept. A token derived from a salt
with the deployment's secret (derive) can be given out again, by the bot only: the salt alone,
or the table alone, cannot give it back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32  # 256 random bits: 43 characters of [A-Za-z0-9_-]
SALT_BYTES = 16
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_FORM_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def mint() -> str:
    """A new random token (URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """Whether text could be one of our tokens at all (anything else is not looked up)."""
    return bool(_TOKEN.match(token))


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def derive(secret: bytes, purpose: str, salt: str) -> str:
    """The token for this purpose and salt: the same every time for this deployment."""
    digest = hmac.new(secret, f"{purpose}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def matches(token: str, stored_hash: str) -> bool:
    """Whether token is the one stored as stored_hash (in constant time)."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def form_token(secret: str, nonce: str) -> str:
    """A form's CSRF token: only someone who holds the secret (a link's token, a session's
    token) can make it for that form's nonce."""
    return hmac.new(secret.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def form_token_matches(secret: str, nonce: str, given: str) -> bool:
    return bool(_FORM_TOKEN.match(given)) and hmac.compare_digest(given, form_token(secret, nonce))


def keyed(secret: bytes, purpose: str, value: str) -> str:
    """A keyed hash of a value that must not be kept in the clear (an address, an IP)."""
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
