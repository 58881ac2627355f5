"""Who is who in Slack: users.info (cached) and the human members of a channel.

The same cache serves the member directory (at every /round open) and display names of people
who write to the bot, so a round's participants cost one users.info each, once an hour at most.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.sender import SlackSendError, error_code
from bot.model import ChatRef, PersonRef
from bot.timezones import zone_named

PLATFORM = "slack"
USER_TTL = 3600.0  # seconds a users.info answer is trusted (names change, people leave)
PAGE_SIZE = 200  # conversations.members: Slack recommends no more than 200 per page
PARALLEL_LOOKUPS = 8
SLACKBOT = "USLACKBOT"  # Slackbot is in every channel, and is not flagged as a bot


def display_name(user: dict[str, Any]) -> str:
    """real_name (the name people know), else the handle."""
    profile = user.get("profile") or {}
    return str(user.get("real_name") or profile.get("real_name") or user.get("name") or "")


class SlackUsers:
    """users.info with a time-limited cache."""

    def __init__(self, client: AsyncWebClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._client, self._clock = client, clock
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def cached(self, user_id: str) -> dict[str, Any] | None:
        """The user's profile if it is cached and fresh; never calls Slack."""
        entry = self._cache.get(user_id)
        return entry[1] if entry is not None and entry[0] > self._clock() else None

    async def info(self, user_id: str) -> dict[str, Any] | None:
        """The user's profile, or None when Slack does not know them."""
        entry = self._cache.get(user_id)
        if entry is not None and entry[0] > self._clock():
            return entry[1]
        try:
            answer = await self._client.users_info(user=user_id)
            user: dict[str, Any] | None = dict(answer.get("user") or {})
        except SlackApiError as error:
            if error_code(error) != "user_not_found":
                raise SlackSendError("users.info", error_code(error)) from None
            user = None
        self._cache[user_id] = (self._clock() + USER_TTL, user)
        return user

    async def name(self, user_id: str, given: str = "") -> str:
        """A display name: the cached real name, else the name the payload gave, else ask."""
        cached = self.cached(user_id)
        if cached is not None:
            return display_name(cached)
        if given:
            return given
        try:
            user = await self.info(user_id)
        except SlackSendError:
            return ""  # a name is nice to have; the event goes on without one
        return display_name(user) if user else ""


class SlackDirectory:
    """A channel's human members: conversations.members minus bots, deactivated users and us."""

    def __init__(self, client: AsyncWebClient, users: SlackUsers) -> None:
        self._client, self._users = client, users
        self.bot_user_id = ""  # set once auth.test has answered

    async def members(self, chat: ChatRef) -> Sequence[PersonRef]:
        if chat.platform != PLATFORM:
            return []
        ids = await self._member_ids(chat.chat_id)
        lookups = asyncio.Semaphore(PARALLEL_LOOKUPS)

        async def person(user_id: str) -> PersonRef | None:
            if user_id in (self.bot_user_id, SLACKBOT):
                return None
            async with lookups:
                user = await self._users.info(user_id)
            if not user or user.get("deleted") or user.get("is_bot"):
                return None
            # Slack knows each person's timezone: reminders then come at their working hour.
            zone = user.get("tz")
            return PersonRef(
                PLATFORM, user_id, display_name(user), zone if isinstance(zone, str) else ""
            )

        found = await asyncio.gather(*(person(user_id) for user_id in ids))
        return [ref for ref in found if ref is not None]

    async def _member_ids(self, channel: str) -> list[str]:
        ids: list[str] = []
        cursor = ""
        while True:
            try:
                page = await self._client.conversations_members(
                    channel=channel, limit=PAGE_SIZE, cursor=cursor or None
                )
            except SlackApiError as error:
                raise SlackSendError("conversations.members", error_code(error)) from None
            ids.extend(str(member) for member in page.get("members") or [])
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return list(dict.fromkeys(ids))  # pages can overlap while people join


def known_zone(zone: object) -> str:
    """Slack's tz when this machine knows it; "" (the community's) otherwise."""
    if not isinstance(zone, str) or not zone:
        return ""
    return zone if zone_named(zone) is not None else ""
