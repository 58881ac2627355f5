"""Sends the core's outgoing messages to Slack: DMs, edits, ephemeral replies and files.

New messages are paced (about one a second per channel, a few hundred a minute per workspace,
as Slack asks); a 429 that still happens is retried after its Retry-After by slack_sdk's retry
handler, inside the pacing slot, so nothing is lost or sent twice. Errors are re-raised without
Slack's response body, which can quote the message: logs carry method and error code only.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import MAX_BLOCKS, clip, escape, fallback_text, render_blocks
from bot.messages import Attachment, Outgoing
from bot.ports import MaybeSent, Refused, TryAgain, Unreachable

log = logging.getLogger(__name__)

# A DM that cannot be opened or written to: the person left, was deactivated, or is a bot.
UNREACHABLE = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "user_not_found",
        "account_inactive",
        "cannot_dm_bot",
        "user_disabled",
        "is_archived",
    }
)
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
RETRYABLE = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable"})
CLOSED_CHANNEL = frozenset({"is_archived"})  # takes no posts until it is unarchived
STALE_MESSAGE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
COMMENT_LIMIT = 4000  # a file's comment is a message: keep it to what a message shows
RESPONSE_URL_LIFETIME = 25 * 60  # Slack honours a command's response_url for 30 minutes
NOT_A_MEMBER_HINT = "_(I am not in this channel yet: add me with /invite so I can post here.)_"
BURST = 20  # messages the workspace pace lets through at once before keeping to its rate
CHANNELS_KEPT = 10_000  # channels whose last post time is remembered before quiet ones go


class SlackSendError(Exception):
    """A Web API call failed; the message names the method and Slack's error code only."""

    def __init__(self, method: str, code: str) -> None:
        super().__init__(f"{method}: {code}")
        self.method, self.code = method, code


def error_code(error: SlackApiError) -> str:
    data = error.response.data  # not JSON when a proxy in front of Slack answered
    code = data.get("error") if isinstance(data, dict) else None
    return str(code or f"http_{error.response.status_code}")


class Pacer:
    """Spaces new messages: min per_channel seconds apart in one channel, and per_minute in the
    whole workspace with a short burst allowed (a GCRA). The clock and sleep are injectable."""

    def __init__(
        self,
        per_channel: float = 1.0,
        per_minute: float = 300,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._per_channel = per_channel
        self._gap = 60 / per_minute if per_minute > 0 else 0.0
        self._tolerance = self._gap * max(burst - 1, 0)
        self._clock, self._sleep = clock, sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}
        self._workspace = asyncio.Lock()
        self._next = -math.inf  # GCRA: theoretical arrival time of the next message

    @classmethod
    def off(cls) -> Pacer:
        """No spacing at all (tests and benchmarks against a fake Slack)."""
        return cls(per_channel=0, per_minute=0)

    @asynccontextmanager
    async def slot(self, channel: str) -> AsyncIterator[None]:
        """Hold the channel's turn to post; released once the message is sent."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            wait = self._last.get(channel, -math.inf) + self._per_channel - self._clock()
            if wait > 0:
                await self._sleep(wait)
            await self._workspace_turn()
            try:
                yield
            finally:
                self._last[channel] = self._clock()
        if len(self._last) > CHANNELS_KEPT:  # every DM channel ever posted to, otherwise
            self._forget_quiet_channels()

    def _forget_quiet_channels(self) -> None:
        quiet_since = self._clock() - self._per_channel
        for channel in [c for c, at in self._last.items() if at < quiet_since]:
            lock = self._locks.get(channel)
            if lock is None or not lock.locked():
                self._locks.pop(channel, None)
                del self._last[channel]

    async def _workspace_turn(self) -> None:
        if self._gap == 0:
            return
        async with self._workspace:
            now = self._clock()
            due = max(self._next, now)
            wait = due - now - self._tolerance
            if wait > 0:
                await self._sleep(wait)
            self._next = due + self._gap


@dataclass(frozen=True)
class _Response:
    user: str
    url: str
    until: float


class SlackSender:
    """Implements the Sender protocol for Slack."""

    def __init__(
        self,
        client: AsyncWebClient,
        pacer: Pacer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._pacer = pacer or Pacer()
        self._clock = clock
        self._dms: dict[str, str] = {}  # user id -> their DM channel with the bot
        self._responses: dict[str, _Response] = {}  # channel -> latest command's response_url

    def remember_response_url(self, channel: str, user: str, url: str) -> None:
        """A slash command's response_url: the way to answer where the bot is not a member."""
        if url:
            self._responses[channel] = _Response(user, url, self._clock() + RESPONSE_URL_LIFETIME)

    async def send(self, message: Outgoing) -> None:
        """Post, edit or upload one message. Says how it failed in the core's terms:
        Unreachable (a DM that cannot be delivered), TryAgain (Slack did not take it: 5xx,
        rate limited, no connection), MaybeSent (no answer in time), Refused (anything else
        Slack will not take)."""
        try:
            await self._send(message)
        except SlackApiError as error:
            code = error_code(error)
            if message.to.direct and code in UNREACHABLE:
                self._dms.pop(message.to.chat_id, None)
                raise Unreachable(code) from None
            if code in NOT_A_MEMBER and not message.to.direct and await self._respond(message):
                return
            if code in CLOSED_CHANNEL and not message.to.direct:
                raise Unreachable(code) from None  # trying again later would not help
            status = error.response.status_code
            if status >= 500 or status == 429 or code in RETRYABLE:
                raise TryAgain(f"{_method_of(error)}: {code}", _retry_after(error)) from None
            raise Refused(f"{_method_of(error)}: {code}") from None
        except (TimeoutError, aiohttp.ServerTimeoutError, aiohttp.ServerDisconnectedError):
            raise MaybeSent("slack did not answer in time") from None
        except aiohttp.ClientError as error:  # no connection: nothing reached Slack
            raise TryAgain(type(error).__name__) from None

    async def _send(self, message: Outgoing) -> None:
        if message.replaces and ":" in message.replaces and message.attachment is None:
            channel, ts = message.replaces.split(":", 1)
            try:
                await self._client.chat_update(
                    channel=channel,
                    ts=ts,
                    text=fallback_text(message),
                    blocks=render_blocks(message),
                )
                return
            except SlackApiError as error:
                if error_code(error) not in STALE_MESSAGE:
                    raise
                # The message is gone or too old to edit: say it in a new one instead.
        channel = await self._channel(message)
        async with self._pacer.slot(channel):
            if message.attachment is not None:
                await self._upload(channel, message, message.attachment)
            elif message.private_to and not message.to.direct:
                await self._client.chat_postEphemeral(
                    channel=channel,
                    user=message.private_to,
                    text=fallback_text(message),
                    blocks=render_blocks(message),
                )
            else:
                await self._post(channel, message)

    async def _channel(self, message: Outgoing) -> str:
        if not message.to.direct:
            return message.to.chat_id
        user = message.to.chat_id
        if user not in self._dms:
            opened = await self._client.conversations_open(users=user)
            self._dms[user] = str(_get(opened.data, "channel", "id"))
        return self._dms[user]

    async def _post(self, channel: str, message: Outgoing) -> None:
        await self._client.chat_postMessage(
            channel=channel, text=fallback_text(message), blocks=render_blocks(message)
        )

    async def _upload(self, channel: str, message: Outgoing, attachment: Attachment) -> None:
        """The file (a chart or a PDF) with the text as its comment; a text too long for a
        comment goes first as a message of its own, and the file follows with its first line."""
        comment = escape(message.text)
        if len(comment) > COMMENT_LIMIT:
            await self._post(channel, message)
            comment = clip(escape(message.text.split("\n", 1)[0]), 200)
        await self._client.files_upload_v2(
            channel=channel,
            file=attachment.content,
            filename=attachment.name,
            title=attachment.name,
            initial_comment=comment or None,
        )

    async def _respond(self, message: Outgoing) -> bool:
        """Answer through the latest command's response_url (the bot is not in the channel)."""
        response = self._responses.get(message.to.chat_id)
        if response is None or response.until < self._clock():
            return False
        if message.private_to and message.private_to != response.user:
            return False
        hook = AsyncWebhookClient(response.url, session=self._client.session)
        sent = await hook.send(
            text=f"{fallback_text(message)}\n{NOT_A_MEMBER_HINT}",
            blocks=[
                *render_blocks(message)[: MAX_BLOCKS - 1],
                {"type": "context", "elements": [{"type": "mrkdwn", "text": NOT_A_MEMBER_HINT}]},
            ],
            response_type="ephemeral" if message.private_to else "in_channel",
        )
        if sent.status_code != 200:
            log.warning("slack response_url answered %s", sent.status_code)
            return False
        return True


def _retry_after(error: SlackApiError) -> float | None:
    value = error.response.headers.get("Retry-After") if error.response.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _method_of(error: SlackApiError) -> str:
    """The Web API method that failed, from the URL it was called at (never its arguments)."""
    return str(getattr(error.response, "api_url", "") or "slack").rsplit("/", 1)[-1]


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data[key]
    return data
