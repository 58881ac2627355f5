"""The Teams adapter: Teams' activities in, the core's events out; translation only.

Built on the Teams SDK (microsoft-teams-apps). Its App owns `POST /api/messages` on the bot's
one aiohttp server (through AiohttpRoutes, the SDK's HttpServerAdapter seam) and validates
every request's JWT: signed by the Bot Framework's keys, for our app id, issued by the Bot
Framework, naming the serviceUrl of the activity. Anything else is answered 401 before any
handler runs. A handler answers only once the core has stored the event and its replies, so
Teams' retry of an unanswered activity is recognised by its id and changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiohttp import web
from microsoft_teams.api.activities.conversation import ConversationUpdateActivity
from microsoft_teams.api.activities.message import MessageActivity
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.apps import ActivityContext, App
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler
from microsoft_teams.common import ClientOptions

from adapters.http import WebServer
from adapters.teams import activities
from adapters.teams.directory import TeamsDirectory
from adapters.teams.limits import Pacer
from adapters.teams.sender import TeamsSender
from adapters.teams.settings import PLATFORM, TeamsSettings
from bot.messages import Incoming, IncomingText

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
BODY_LIMIT = 256 * 1024  # an activity is a few KB; Teams caps a message at about 28 KB
ROLE_BUDGET = 2.0  # seconds to ask Teams whether a lead-command's sender owns the team
TOKEN_SCOPE = "https://api.botframework.com/.default"


class AiohttpRoutes:
    """The SDK's HttpServerAdapter on the bot's own aiohttp server (no FastAPI, no second
    port). The route exists from the start (aiohttp's router is frozen once the server runs);
    until the SDK registers its handler at app.initialize(), it answers 503 and Teams retries."""

    def __init__(self, server: WebServer, path: str = MESSAGES_PATH) -> None:
        self._handlers: dict[str, HttpRouteHandler] = {}
        self._path = path
        server.app.router.add_post(path, self._route)

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if method != "POST" or path != self._path:
            raise ValueError(f"the bot serves Teams only at POST {self._path}")
        self._handlers[path] = handler

    async def _route(self, request: web.Request) -> web.Response:
        handler = self._handlers.get(self._path)
        if handler is None:
            return web.Response(status=503, text="starting\n")
        if request.content_length is not None and request.content_length > BODY_LIMIT:
            return web.Response(status=413)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="not JSON\n")
        if not isinstance(body, dict):
            return web.Response(status=400, text="not an activity\n")
        answer = await handler(HttpRequest(body=body, headers=dict(request.headers)))
        payload = answer["body"]
        if payload is None:
            return web.Response(status=answer["status"])
        return web.json_response(payload, status=answer["status"])

    def serve_static(self, path: str, directory: str) -> None:
        """Not used: the bot serves no static files for Teams."""

    async def start(self, port: int) -> None:
        """The bot's WebServer starts and stops the server."""

    async def stop(self) -> None:
        """The bot's WebServer starts and stops the server."""


def client_credentials(settings: TeamsSettings) -> Callable[[str, str | None], Awaitable[str]]:
    """Tokens for calling the Bot Connector from the token endpoint in TEAMS_TOKEN_URL, by the
    OAuth 2.0 client-credentials grant (the fake's own issuer, or a sovereign cloud's)."""
    cache: dict[str, tuple[float, str]] = {}

    async def token(scope: str | list[str], _tenant: str | None = None) -> str:
        key = scope if isinstance(scope, str) else " ".join(scope)
        loop = asyncio.get_running_loop()
        held = cache.get(key)
        if held is not None and held[0] > loop.time():
            return held[1]
        async with httpx.AsyncClient(timeout=settings.timeout) as client:
            answer = await client.post(
                settings.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": settings.app_id,
                    "client_secret": settings.app_password,
                    "scope": key,
                },
            )
            answer.raise_for_status()
            data = answer.json()
        value = str(data["access_token"])
        cache[key] = (loop.time() + float(data.get("expires_in", 3600)) - 300, value)
        return value

    return token


def build_app(settings: TeamsSettings, server: WebServer) -> App:
    """The SDK's App for these settings, its messaging endpoint on the bot's server."""
    # The SDK reads generic names (CLIENT_ID, SERVICE_URL, ...) from the environment: ours are
    # TEAMS_*, passed explicitly, and an unauthenticated mode is never what an operator meant.
    os.environ.pop("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", None)
    cloud = PUBLIC
    if settings.openid_metadata_url:
        cloud = with_overrides(PUBLIC, openid_metadata_url=settings.openid_metadata_url)
    options: dict[str, Any] = {
        "client_id": settings.app_id,
        "tenant_id": settings.tenant_id,
        "service_url": settings.service_url,
        "cloud": cloud,
        "http_server_adapter": AiohttpRoutes(server),
        "client": ClientOptions(timeout=settings.timeout),
        "dangerously_allow_unauthenticated_requests": False,
        "state": False,
    }
    if settings.token_url:
        options["token"] = client_credentials(settings)
    else:
        options["client_secret"] = settings.app_password
    return App(**options)


class TeamsAdapter:
    """Implements the assembly's PlatformAdapter for Teams."""

    platform = PLATFORM

    def __init__(
        self,
        settings: TeamsSettings,
        dispatch: Callable[[Incoming], Awaitable[object]],
        server: WebServer,
        *,
        pacer: Pacer | None = None,
    ) -> None:
        self._settings, self._dispatch = settings, dispatch
        self.app = build_app(settings, server)
        self.sender = TeamsSender(self.app.api, settings.tenant_id, pacer)
        self.directory = TeamsDirectory(self.app.api)
        self._ready = False
        self._stopping = False
        self.app.on_message(self._on_message)
        self.app.on_conversation_update(self._on_conversation_update)

    async def start(self) -> None:
        await self.app.initialize()  # registers POST /api/messages with JWT validation
        self._ready = True
        log.info("teams: taking activities at %s", MESSAGES_PATH)

    async def ready(self) -> bool:
        return self._ready and not self._stopping

    async def stop(self) -> None:
        self._stopping = True

    async def _on_message(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        if activities.is_personal(activity) and activity.from_ is not None:
            self.sender.remember(activity.from_.id, activity.conversation.id)
        event = activities.message_event(activity)
        if event is None:
            return
        if isinstance(event, IncomingText) and not event.chat.direct:
            event = await self._with_role(event)
        await self._dispatch(event)

    async def _on_conversation_update(
        self, ctx: ActivityContext[ConversationUpdateActivity]
    ) -> None:
        event = activities.installed_by(ctx.activity)
        if event is not None:
            await self._dispatch(event)

    async def _with_role(self, event: IncomingText) -> IncomingText:
        """Mark a lead command's sender as an admin of this team when Teams lists them as one
        of its owners."""
        try:
            async with asyncio.timeout(ROLE_BUDGET):
                owner = await self.directory.is_owner(event.chat.chat, event.sender.user_id)
        except TimeoutError:
            owner = False
        if not owner:
            return event
        return IncomingText(
            event.sender,
            event.chat,
            event.text,
            event.delivery_id,
            chat_admin=True,
            chat_title=event.chat_title,
        )
