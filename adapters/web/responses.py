"""What every page of the web channel shares: the headers every response carries, HTML and
redirect responses, reading a posted form (bounded, and refused when it is not one of ours),
the hidden fields and CSRF check of every form, and the client's address."""

from __future__ import annotations

import ipaddress
import re
import secrets
from urllib.parse import parse_qsl

from aiohttp import web

from adapters.http import SECURITY_HEADERS
from adapters.web import pages
from bot.access.tokens import form_token, form_token_matches

MAX_BODY = 32 * 1024  # a form with a 2,000-character comment fits with room to spare
MAX_FIELDS = 12
HEADERS = SECURITY_HEADERS  # every response gets them (adapters/http.py); named for clarity
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class BadRequest(Exception):
    """Input the pages never send (a forged or broken form): a 4xx page, one log line."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def html_response(body: str, status: int = 200) -> web.Response:
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**HEADERS, "Location": location})


def new_form(action: str, secret: str) -> pages.Form:
    """A form's hidden fields: a fresh nonce, and the CSRF token only the holder of `secret`
    (a link's token, a session's) can make for it."""
    nonce = secrets.token_urlsafe(18)
    return pages.Form(action, nonce, form_token(secret, nonce))


def checked_nonce(form: dict[str, str], secret: str) -> str:
    """The form's nonce, once its CSRF token is the one `secret` makes; BadRequest else."""
    nonce, csrf = form.get("nonce", ""), form.get("csrf", "")
    if not _NONCE.match(nonce) or not re.fullmatch(r"[0-9a-f]{32}", csrf):
        raise BadRequest(400, "no nonce or CSRF token")
    if not form_token_matches(secret, nonce, csrf):
        raise BadRequest(403, "CSRF token does not match")
    return nonce


async def whole_body(request: web.Request) -> bytes:
    """The whole body, however many packets it comes in; BadRequest(413) past MAX_BODY.
    (One `content.read(n)` returns only what has arrived so far: half a form from a slow
    link.)"""
    body = bytearray()
    while chunk := await request.content.read(MAX_BODY + 1 - len(body)):
        body += chunk
        if len(body) > MAX_BODY:
            raise BadRequest(413, "body over the cap")
    return bytes(body)


async def read_form(request: web.Request) -> dict[str, str]:
    """The posted form's fields; BadRequest for anything a page of ours never sends."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadRequest(413, "body over the cap")
    body = await whole_body(request)
    if request.content_type != "application/x-www-form-urlencoded":
        raise BadRequest(415, "not a form")
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, "unreadable form") from None
    form = dict(fields)
    if len(form) != len(fields):
        raise BadRequest(400, "a field given twice")
    return form


def client_ip(request: web.Request) -> str:
    """The client's address; behind a reverse proxy on this host, the one it forwards."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and forwarded:
        return forwarded.split(",")[-1].strip()[:64]
    return peer
