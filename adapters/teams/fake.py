"""A fake Microsoft Teams for tests and benches: the Bot Connector REST API, a token issuer,
and Teams' side of the conversation, on loopback.

- Its own issuer: OpenID metadata and a JWKS with its own RSA key (at
  /v1/.well-known/openidconfiguration and /v1/.well-known/keys), and a client-credentials
  token endpoint (/oauth2/v2.0/token) that checks the app's id and secret. The bot is pointed
  at it with TEAMS_OPENID_METADATA_URL and TEAMS_TOKEN_URL, so the Teams SDK validates the
  fake's JWTs for real, and the fake checks every bot call's bearer token.
- The Bot Connector under /teams/ (the service URL): createConversation, activities (post,
  update), pagedMembers, a member by id. It injects 429 (with Retry-After), 5xx and timeouts.
- Teams' side: activities (messages, card presses, the app's install) signed as the Bot
  Framework signs them and posted to the bot's /api/messages.

The server runs on its own thread and event loop: the SDK fetches the JWKS with blocking
urllib, which would deadlock a server on the bot's own loop.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.teams.settings import TeamsSettings

APP_ID = "00000000-0000-4000-8000-00000000b0b0"
APP_PASSWORD = "fake-teams-client-secret"
TENANT = "00000000-0000-4000-8000-0000000071e1"
BOT_ID = f"28:{APP_ID}"
ISSUER = "https://api.botframework.com"  # the Bot Framework's issuer, as the SDK expects
TEAM = "19:riverside-general@thread.tacv2"
MESSAGE_LIMIT = 28 * 1024  # Teams refuses a bot's activity over this many bytes (413)
WAIT_SECONDS = 30.0  # how long a test waits for the bot to send something (a loaded CI)
Json = dict[str, Any]


@dataclass
class Activity:
    """An activity the bot posted or updated."""

    seq: int
    conversation: str
    id: str
    body: Json
    updated: bool = False
    at: float = field(default_factory=time.perf_counter)  # when the fake received it

    @property
    def text(self) -> str:
        """Its text and its card's text, as a person would read them."""
        text = str(self.body.get("text") or "")
        if self.body.get("textFormat") == "xml":  # Teams' HTML subset, shown as a person sees it
            text = html.unescape(text.replace("<br>", "\n"))
        parts = [text]
        for attachment in self.body.get("attachments") or []:
            parts.extend(_card_texts(attachment.get("content")))
        return "\n".join(p for p in parts if p)

    @property
    def card(self) -> Json | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content = attachment.get("content")
                return content if isinstance(content, dict) else None
        return None

    def buttons(self) -> list[Json]:
        """The card's Action.Submit buttons, in order."""
        return list(_submits(self.card)) if self.card else []

    def button(self, title: str) -> Json | None:
        return next((b for b in self.buttons() if b.get("title") == title), None)

    def images(self) -> list[str]:
        card = self.card
        return [str(i["url"]) for i in _walk(card) if i.get("type") == "Image"] if card else []


def _walk(node: Any) -> Iterator[Json]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _card_texts(card: Any) -> list[str]:
    return [str(n["text"]) for n in _walk(card) if n.get("type") == "TextBlock"]


def _submits(card: Any) -> Iterator[Json]:
    for node in _walk(card):
        if node.get("type") == "Action.Submit":
            yield node


@dataclass
class Member:
    id: str
    name: str
    role: str = "user"  # userRole: "owner" for a team's owners
    reachable: bool = True  # False: never installed the app / blocked it (403 on create)


@dataclass
class Fault:
    status: int  # 429, 5xx, or 0 for "no answer in time"
    retry_after: int | None = None
    applied: bool = False


@dataclass
class FakeTeams:
    """The fake, its world (a team and its members) and what the bot sent."""

    members: dict[str, Member] = field(default_factory=dict)
    team: list[str] = field(default_factory=list)  # member ids in TEAM, in roster order
    activities: list[Activity] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (operation, conversation)
    refused_tokens: int = 0
    page_size: int = 3  # small pages, so the roster is read across several
    hang_seconds: float = 30.0  # how long a "timeout" fault keeps the bot waiting

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._faults: list[tuple[str, Fault]] = []
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # the world

    def add_member(self, user_id: str, name: str, role: str = "user", **kwargs: Any) -> None:
        self.members[user_id] = Member(user_id, name, role, **kwargs)
        self.team.append(user_id)

    def fail(
        self, operation: str, status: int, times: int = 1, retry_after: int | None = None
    ) -> None:
        """The next `times` calls of operation ("create", "post", "update", "members") fail
        with status (0: no answer in time; the activity is kept, as Teams may have)."""
        with self._lock:
            self._faults.extend((operation, Fault(status, retry_after)) for _ in range(times))

    def pending_faults(self) -> int:
        """Faults asked for that no call has met yet."""
        with self._lock:
            return sum(1 for _, f in self._faults if not f.applied)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.url}/teams/"

    def settings(self, **more: Any) -> TeamsSettings:
        """The bot's settings for this fake."""
        return TeamsSettings(
            APP_ID,
            APP_PASSWORD,
            TENANT,
            service_url=self.service_url,
            openid_metadata_url=f"{self.url}/v1/.well-known/openidconfiguration",
            token_url=f"{self.url}/oauth2/v2.0/token",
            **more,
        )

    # what the bot sent

    @property
    def seq(self) -> int:
        with self._lock:
            return max((a.seq for a in self.activities), default=0)

    def personal(self, user_id: str) -> str:
        return f"a:1:{user_id}"

    def in_conversation(self, conversation: str) -> list[Activity]:
        with self._lock:
            return [a for a in self.activities if a.conversation == conversation]

    def latest(self, conversation: str, with_button: str | None = None) -> Activity | None:
        """The newest activity in the conversation (with that button, if given)."""
        found = [
            a
            for a in self.in_conversation(conversation)
            if with_button is None or a.button(with_button) is not None
        ]
        return max(found, key=lambda a: a.seq) if found else None

    async def wait_for_text(self, conversation: str, text: str, after: int = 0) -> Activity:
        """The first activity (new or updated) after seq `after` in the conversation whose text
        holds `text` (within WAIT_SECONDS)."""
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                with self._lock:
                    found = [
                        a
                        for a in self.activities
                        if a.conversation == conversation and a.seq > after and text in a.text
                    ]
                if found:
                    return found[0]
                await asyncio.sleep(0.005)

    def count(self, operation: str) -> int:
        with self._lock:
            return sum(1 for op, _ in self.calls if op == operation)

    # serving

    async def start(self) -> None:
        started = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self._thread.start()
        await asyncio.to_thread(started.wait, 10)

    def _serve(self, started: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        app.router.add_post("/oauth2/v2.0/token", self._token)
        app.router.add_post("/teams/v3/conversations", self._create)
        app.router.add_post("/teams/v3/conversations/{cid}/activities", self._post)
        app.router.add_put("/teams/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/teams/v3/conversations/{cid}/pagedMembers", self._paged)
        app.router.add_get("/teams/v3/conversations/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        started.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    async def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 10)

    # the issuer

    def jwk(self) -> Json:
        key = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {**key, "kid": self._kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: Json, key: Any = None) -> str:
        return jwt.encode(claims, key or self._key, algorithm="RS256", headers={"kid": self._kid})

    def inbound_token(self, *, audience: str = APP_ID, forged: bool = False) -> str:
        """A token as the Bot Framework signs a request to a bot (forged: with another key)."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "serviceurl": self.service_url,
        }
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048) if forged else None
        return self.sign(claims, other)

    async def _metadata(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"{self.url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.jwk()]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != APP_ID
            or form.get("client_secret") != APP_PASSWORD
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        now = int(time.time())
        token = self.sign(
            {
                "iss": f"{self.url}/{TENANT}/v2.0",
                "aud": "https://api.botframework.com",
                "appid": APP_ID,
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
            }
        )
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": token}
        )

    # the Bot Connector

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        try:
            claims = jwt.decode(
                header.removeprefix("Bearer "),
                self._key.public_key(),
                algorithms=["RS256"],
                audience="https://api.botframework.com",
            )
        except jwt.InvalidTokenError:
            with self._lock:
                self.refused_tokens += 1
            return False
        return bool(claims.get("appid") == APP_ID)

    async def _fault(self, operation: str) -> web.Response | None:
        with self._lock:
            found = next((f for op, f in self._faults if op == operation and not f.applied), None)
            if found is not None:
                found.applied = True
        if found is None:
            return None
        if found.status == 0:
            await asyncio.sleep(self.hang_seconds)
            return None  # then carries on: the bot gave up waiting, Teams did not
        headers = {"Retry-After": str(found.retry_after)} if found.retry_after is not None else {}
        return web.json_response(
            {"error": {"code": "Throttled" if found.status == 429 else "ServiceError"}},
            status=found.status,
            headers=headers,
        )

    async def _guard(self, request: web.Request, operation: str, cid: str) -> web.Response | None:
        if not self._authorised(request):
            return web.json_response({"message": "Authorization has been denied"}, status=401)
        with self._lock:
            self.calls.append((operation, cid))
        return await self._fault(operation)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or []
        user = str(members[0].get("id")) if len(members) == 1 else ""
        if (refusal := await self._guard(request, "create", user)) is not None:
            return refusal
        member = self.members.get(user)
        if body.get("tenantId") != TENANT or member is None:
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        if not member.reachable:
            return web.json_response({"error": {"code": "Forbidden"}}, status=403)
        return web.json_response({"id": self.personal(user)}, status=201)

    async def _post(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        if len(await request.read()) > MESSAGE_LIMIT:
            return web.json_response({"error": {"code": "MessageSizeTooBig"}}, status=413)
        body = await request.json()
        if (refusal := await self._guard(request, "post", cid)) is not None:
            return refusal
        activity_id = f"act-{next(self._ids)}"
        with self._lock:
            self.activities.append(Activity(next(self._seq), cid, activity_id, body))
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        if len(await request.read()) > MESSAGE_LIMIT:
            return web.json_response({"error": {"code": "MessageSizeTooBig"}}, status=413)
        body = await request.json()
        if (refusal := await self._guard(request, "update", cid)) is not None:
            return refusal
        with self._lock:
            known = any(a.id == aid and a.conversation == cid for a in self.activities)
            if known:
                self.activities.append(Activity(next(self._seq), cid, aid, body, updated=True))
        if not known:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response({"id": aid})

    def _account(self, member: Member) -> Json:
        return {
            "id": member.id,
            "name": member.name,
            "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, member.id)),
            "userRole": member.role,
            "tenantId": TENANT,
        }

    async def _paged(self, request: web.Request) -> web.Response:
        if (
            refusal := await self._guard(request, "members", request.match_info["cid"])
        ) is not None:
            return refusal
        start = int(request.query.get("continuationToken") or 0)
        size = min(int(request.query.get("pageSize") or 100), self.page_size)
        ids = [BOT_ID, *self.team]
        page = [
            self._account(self.members[i])
            if i in self.members
            else {"id": i, "name": "maturity-bot"}
            for i in ids[start : start + size]
        ]
        more = start + size < len(ids)
        return web.json_response(
            {"members": page, **({"continuationToken": str(start + size)} if more else {})}
        )

    async def _member(self, request: web.Request) -> web.Response:
        if (refusal := await self._guard(request, "member", request.match_info["cid"])) is not None:
            return refusal
        member = self.members.get(request.match_info["uid"])
        if member is None or member.id not in self.team:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(self._account(member))


class TeamsSends:
    """Teams' side: activities posted to the bot's /api/messages, signed as Teams signs them."""

    def __init__(self, fake: FakeTeams, bot_url: str, session: aiohttp.ClientSession) -> None:
        self.fake, self.bot_url, self.session = fake, bot_url, session
        self._ids = itertools.count(1)

    async def post(self, activity: Json, token: str | None = "valid") -> int:
        headers = {}
        if token == "valid":
            headers["Authorization"] = f"Bearer {self.fake.inbound_token()}"
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.session.post(
            f"{self.bot_url}/api/messages", json=activity, headers=headers
        ) as answer:
            await answer.read()
            return answer.status

    def _base(self, user: str, conversation: Json, **more: Any) -> Json:
        member = self.fake.members[user]
        return {
            "type": "message",
            "id": f"1700000000{next(self._ids):06d}",
            "timestamp": "2026-11-02T09:00:00.000Z",
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": user, "name": member.name, "aadObjectId": str(uuid.uuid4())},
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": "maturity-bot"},
            "channelData": {"tenant": {"id": TENANT}},
            **more,
        }

    def personal_body(self, user: str, **more: Any) -> Json:
        conversation = {
            "id": self.fake.personal(user),
            "conversationType": "personal",
            "tenantId": TENANT,
        }
        return self._base(user, conversation, **more)

    def channel_body(self, user: str, text: str) -> Json:
        mention = "<at>maturity-bot</at>"
        conversation = {
            "id": f"{TEAM};messageid=1700000000000",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        }
        body = self._base(
            user,
            conversation,
            text=f"{mention} {text}",
            entities=[
                {
                    "type": "mention",
                    "text": mention,
                    "mentioned": {"id": BOT_ID, "name": "maturity-bot"},
                }
            ],
        )
        body["channelData"] = {
            "tenant": {"id": TENANT},
            "team": {"id": TEAM, "name": "Riverside"},
            "channel": {"id": TEAM, "name": "General"},
        }
        return body

    async def say(self, user: str, text: str) -> int:
        """The person types in their 1:1 chat with the bot."""
        return await self.post(self.personal_body(user, text=text))

    async def command(self, user: str, text: str) -> int:
        """`@maturity-bot <text>` in the team's General channel."""
        return await self.post(self.channel_body(user, text))

    async def press(self, user: str, title: str, comment: str = "") -> int:
        """The person presses the button titled `title` on the newest card that has it."""
        card = self.fake.latest(self.fake.personal(user), with_button=title)
        assert card is not None, f"no card with {title!r} for {user}"
        button = card.button(title)
        assert button is not None
        value = dict(button["data"])
        if comment:
            value["comment"] = comment
        return await self.post(self.personal_body(user, value=value, replyToId=card.id))

    async def install(self, installer: str) -> int:
        """The app added to the team by `installer`."""
        body = self._base(
            installer,
            {"id": TEAM, "conversationType": "channel", "isGroup": True, "tenantId": TENANT},
            type="conversationUpdate",
            membersAdded=[{"id": BOT_ID}],
        )
        body["channelData"] = {
            "tenant": {"id": TENANT},
            "team": {"id": TEAM, "name": "Riverside"},
            "eventType": "teamMemberAdded",
        }
        return await self.post(body)
