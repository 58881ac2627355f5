"""The Slack adapter: Slack's requests in, the core's events out; translation only.

Built on slack_bolt's AsyncApp. In HTTP mode Bolt answers `POST /slack/events` on the bot's web
server and verifies every request's signature (401 when wrong or stale); with SLACK_APP_TOKEN it
uses Socket Mode instead. A request is acknowledged only once the core has stored what it did
and the replies it caused: milliseconds of database work, since the replies are sent afterwards
from the outbox. If the database is too slow for Slack's 3 seconds, the person is asked to
press again (a command gets that as its ack; a typed message is answered 500, so Slack
redelivers it). Slack redelivers late events with the same event_id; the core recognises a
repeated delivery id and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.http import WebServer
from adapters.platform import NOT_FOLLOWED, ChatMoved
from adapters.slack import gate
from adapters.slack.blocks import text_input_choice, unescape
from adapters.slack.directory import PLATFORM, SlackDirectory, SlackUsers
from adapters.slack.sender import Pacer, SlackSender, SlackSendError, error_code
from adapters.slack.settings import SlackSettings
from bot.config import ConfigError
from bot.messages import Address, Incoming, IncomingChoice, IncomingText
from bot.model import ChatRef, PersonRef

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
COMMAND = "/round"
RATE_LIMIT_RETRIES = 5
DRAIN_SECONDS = 10.0
ACK_BUDGET = 2.5  # seconds to store an event before Slack's 3-second deadline
NAME_BUDGET = 0.5  # seconds a name lookup may take: a name is nice to have
# Events handed to the core at once; the rest wait their turn (within the ack budget). A crowd
# clicking together must not open hundreds of transactions at once: SQLite would time out on
# its write lock and PostgreSQL's pool would run dry.
PARALLEL_EVENTS = 8
PRESS_AGAIN = "Sorry, I was too slow to save that and nothing was changed. Please try again."
BAD_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
Mode = Literal["socket", "http"]
Payload = Mapping[str, Any]
_ANY = re.compile(r".*")  # Bolt constraint matching every action id / event type
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")


def choose_mode(settings: SlackSettings) -> Mode:
    """Socket Mode when an app-level token is configured, HTTP otherwise."""
    return "socket" if settings.socket_mode else "http"


def command_event(command: Payload, name: str, channel_title: str = "") -> IncomingText:
    """`/round open …` -> the lead's text in that channel (a DM: the sender's DM with us)."""
    sender = PersonRef(PLATFORM, str(command["user_id"]), name)
    channel = str(command["channel_id"])
    chat = Address.dm(sender) if channel.startswith("D") else Address(PLATFORM, channel)
    text = f"{COMMAND} {neutral_mentions(unescape(str(command.get('text') or '')))}".strip()
    return IncomingText(
        sender, chat, text, delivery_id=str(command["trigger_id"]), chat_title=channel_title
    )


def neutral_mentions(text: str) -> str:
    """Slack's user mentions (<@U123> or <@U123|name>) as the core writes people: slack:U123;
    email addresses Slack made links of (<mailto:a@b.org|a@b.org>) as typed."""
    text = _MAILTO.sub(lambda match: match.group(1), text)
    return _MENTION.sub(lambda match: f"{PLATFORM}:{match.group(1)}", text)


def action_event(body: Payload, action: Payload, name: str) -> IncomingChoice:
    """A pressed button -> the choice, naming the message that carried it ("channel:ts")."""
    user = str(body["user"]["id"])
    sender = PersonRef(PLATFORM, user, name)
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    message_id = f"{channel}:{message_ts}" if channel and message_ts else None
    typed = text_input_choice(str(action.get("block_id") or ""))
    if action.get("type") == "plain_text_input" and typed is not None:
        choice_id, comment = typed, str(action.get("value") or "")  # a box: not escaped
    else:
        choice_id, comment = str(action.get("value") or ""), None
    return IncomingChoice(
        sender,
        Address.dm(sender),
        choice_id=choice_id,
        message_id=message_id,
        delivery_id=f"{body.get('trigger_id')}:{action['action_ts']}",  # no person id in it
        comment=comment,
    )


def typed_by(body: Payload) -> str | None:
    """The user who typed this message in their DM with the bot; None for any other message
    (channels, bots, edits, joins and other subtypes)."""
    event = body.get("event") or {}
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
        return None
    return str(event["user"]) if event.get("user") else None


def message_event(body: Payload, name: str) -> IncomingText | None:
    """Text a person typed in their DM with the bot; None for anything else."""
    user = typed_by(body)
    if user is None:
        return None
    event = body["event"]
    sender = PersonRef(PLATFORM, user, name)
    text = unescape(str(event.get("text") or ""))
    return IncomingText(sender, Address.dm(sender), text, delivery_id=str(body["event_id"]))


def channel_moved(event: Payload) -> tuple[ChatRef, ChatRef] | None:
    """(old channel, new channel) from a channel_id_changed event."""
    old, new = event.get("old_channel_id"), event.get("new_channel_id")
    if not (isinstance(old, str) and isinstance(new, str) and old and new):
        return None
    return ChatRef(PLATFORM, old), ChatRef(PLATFORM, new)


class CountedRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's wait-and-retry on 429, counted in /metrics."""

    def __init__(self, web_server: WebServer, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._counter = web_server.metrics.rate_limited.labels(PLATFORM)

    async def prepare_for_next_attempt_async(self, **kwargs: Any) -> None:
        self._counter.inc()
        await super().prepare_for_next_attempt_async(**kwargs)


class NotStored(Exception):
    """An event could not be stored in time: Slack is answered 500 and redelivers it."""


class SlackAdapter:
    """Implements the assembly's PlatformAdapter for Slack."""

    platform = PLATFORM

    def __init__(
        self,
        settings: SlackSettings,
        dispatch: Callable[[Incoming], Awaitable[object]],
        web_server: WebServer,
        *,
        pacer: Pacer | None = None,
        chat_moved: ChatMoved = NOT_FOLLOWED,
    ) -> None:
        self._settings, self._dispatch = settings, dispatch
        self._chat_moved = chat_moved
        self.client = AsyncWebClient(
            token=settings.bot_token,
            base_url=settings.api_url,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(),  # a pooled connection the server closed
                CountedRateLimitRetry(web_server, max_retry_count=RATE_LIMIT_RETRIES),
            ],
        )
        self.users = SlackUsers(self.client)
        self.sender = SlackSender(self.client, pacer)
        self.directory = SlackDirectory(self.client, self.users)
        self.mode = choose_mode(settings)
        # process_before_response: Bolt answers Slack once a listener returns, and our listeners
        # ack only after the core has stored the event.
        self._app = AsyncApp(
            name="maturity-bot",
            client=self.client,
            signing_secret=settings.signing_secret,
            process_before_response=True,
            # Checked before Bolt sees a request (adapters/slack/gate.py): Bolt's own check
            # logs a refused request's whole body.
            request_verification_enabled=False,
        )
        self._refusals = gate.RefusalLog()
        self._app.command(COMMAND)(self._on_command)
        self._app.block_action(_ANY)(self._on_action)
        self._app.event("message")(self._on_message)
        self._app.event("channel_id_changed")(self._on_channel_id_changed)
        self._app.event(_ANY)(self._ignore)  # every other subscribed event: no 404s
        self._app.error(self._on_error)
        self._socket: AsyncSocketModeHandler | None = None
        self._session: aiohttp.ClientSession | None = None
        self._in_hand = 0  # events being stored now
        self._all_stored = asyncio.Event()
        self._all_stored.set()
        self._slots = asyncio.Semaphore(PARALLEL_EVENTS)
        self.ack_budget = ACK_BUDGET
        self._authenticated = False
        self._stopping = False
        if self.mode == "http":
            web_server.app.router.add_post(EVENTS_PATH, self._http)

    async def start(self) -> None:
        """Check the token (auth.test), then connect the socket in Socket Mode."""
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._settings.timeout)
        )
        self.client.session = self._session  # one connection pool for every Web API call
        try:
            auth = await self.client.auth_test()
        except SlackApiError as error:
            code = error_code(error)
            if code in BAD_TOKEN:
                raise ConfigError(f"SLACK_BOT_TOKEN: Slack refused it ({code})") from None
            raise SlackSendError("auth.test", code) from None
        self.directory.bot_user_id = str(auth.get("user_id") or "")
        self._authenticated = True
        log.info("slack: signed in as %s (%s mode)", self.directory.bot_user_id, self.mode)
        if self.mode == "socket":
            self._socket = AsyncSocketModeHandler(self._app, self._settings.app_token)
            connect: Callable[[], Awaitable[None]] = self._socket.connect_async  # untyped in Bolt
            await connect()

    async def ready(self) -> bool:
        if not self._authenticated or self._stopping:
            return False
        return self._socket is None or bool(await self._socket.client.is_connected())

    async def stop(self) -> None:
        """Stop taking events, let the ones being handled finish, then close connections."""
        self._stopping = True
        if self._socket is not None:
            close: Callable[[], Awaitable[None]] = self._socket.close_async  # untyped in Bolt
            await close()
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                await self.drain()
        except TimeoutError:
            log.warning("slack: %d events still being stored at stop", self._in_hand)
        if self._session is not None:
            self.client.session = None
            await self._session.close()

    async def drain(self) -> None:
        """Wait until every event taken so far has been stored (callers bound the wait)."""
        await self._all_stored.wait()

    async def _http(self, request: web.Request) -> web.Response:
        if self._stopping:  # not taken: Slack redelivers an event that got no 2xx
            return web.Response(status=503, text="stopping\n")
        body = await request.read()  # over the server's size cap: 413, before this line
        refusal = gate.signed(
            body, request.headers, self._settings.signing_secret, time.time()
        ) or gate.well_formed(body, request.content_type)
        if refusal is not None:
            self._refusals.refused(refusal, len(body))
            return web.Response(status=refusal.status)
        response = await self._app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _stored_in_time(self, kind: str, event: Incoming) -> bool:
        """Hand the event to the core; True once it is stored, False if that did not happen
        within the ack budget (then nothing is acknowledged as received)."""
        self._in_hand += 1
        self._all_stored.clear()
        try:
            async with asyncio.timeout(self.ack_budget), self._slots:
                log.debug("slack %s %s", kind, event.delivery_id)
                await self._dispatch(event)
            return True
        except TimeoutError:
            log.warning("slack: a %s could not be stored within %.1f s", kind, self.ack_budget)
            return False
        finally:
            self._in_hand -= 1
            if not self._in_hand:
                self._all_stored.set()

    async def _name(self, user_id: str, given: str = "") -> str:
        try:
            async with asyncio.timeout(NAME_BUDGET):
                return await self.users.name(user_id, given)
        except TimeoutError:
            return given

    async def _title(self, channel: str, given: str) -> str:
        try:
            async with asyncio.timeout(NAME_BUDGET):
                return await self.directory.title(channel, given)
        except TimeoutError:
            return given

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        """`/round …`: acknowledged with nothing once stored, so Slack shows only the reply."""
        self.sender.remember_response_url(
            str(command.get("channel_id")),
            str(command.get("user_id")),
            str(command.get("response_url") or ""),
        )
        name = await self._name(str(command["user_id"]), str(command.get("user_name") or ""))
        title = await self._title(
            str(command["channel_id"]), str(command.get("channel_name") or "")
        )
        if await self._stored_in_time("command", command_event(command, name, title)):
            await ack()
        else:
            await ack(text=PRESS_AGAIN)  # shown to the lead alone

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body["user"]
        name = await self._name(str(user["id"]), str(user.get("name") or ""))
        stored = await self._stored_in_time("block_actions", action_event(body, action, name))
        await ack()  # a click is never redelivered: say so rather than leave it hanging
        if not stored:
            await self._press_again(str(body.get("response_url") or ""))

    async def _press_again(self, response_url: str) -> None:
        """Tell the person who clicked, only them, that the click did not count."""
        if not response_url:
            return
        hook = AsyncWebhookClient(response_url, session=self.client.session)
        try:
            await hook.send(text=PRESS_AGAIN, response_type="ephemeral", replace_original=False)
        except Exception as error:
            log.warning("slack: could not ask for a second press (%s)", type(error).__name__)

    async def _on_message(self, body: dict[str, Any]) -> None:
        user = typed_by(body)
        if user is None:
            return
        event = message_event(body, await self._name(user))
        if event is not None and not await self._stored_in_time("message", event):
            # Unacknowledged (500): Slack redelivers the event with the same event_id.
            raise NotStored("a typed message could not be stored in time")

    async def _on_error(self, error: Exception) -> None:
        """A listener failed: Slack is answered 500 (and redelivers events). One line, no
        request body: it could hold what someone wrote."""
        log.warning("slack: an event was not taken (%s: %s)", type(error).__name__, error)

    async def _on_channel_id_changed(self, event: dict[str, Any]) -> None:
        """A private channel shared with another organisation gets a new id for good: its
        community follows it."""
        moved = channel_moved(event)
        if moved is not None:
            await self._chat_moved(*moved)  # stored before the ack: else Slack sends it again

    async def _ignore(self) -> None:
        """Acknowledged by Bolt; nothing for the core."""
