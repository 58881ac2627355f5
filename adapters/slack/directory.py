"""Who is who in Slack: users.info (cached), the human members of a channel, and its name.

The same cache serves the member directory (at every /round open) and display names of people
who write to the bot, so a round's participants cost one users.info each, once an hour at most.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.sender import SlackSendError, error_code
from bot.model import ChatRef, PersonRef
from bot.platform_text import PERSON_NAME_CHARS, known_timezone, one_line
from bot.roster import Oddity, OddRecord, Roster

log = logging.getLogger(__name__)
PLATFORM = "slack"
USER_TTL = 3600.0  # seconds a users.info answer is trusted (names change, people leave)
USERS_KEPT = 5_000  # profiles cached before the stale ones are forgotten (a profile is ~1 KB)
PAGE_SIZE = 200  # conversations.members: Slack recommends no more than 200 per page
PARALLEL_LOOKUPS = 8
SLACKBOT = "USLACKBOT"  # Slackbot is in every channel, and is not flagged as a bot
# What a slash command carries as channel_name where the channel's name is not given.
UNNAMED_CHANNELS = frozenset({"", "privategroup", "directmessage"})


def display_name(user: dict[str, Any]) -> str:
    """real_name (the name people know), else the profile's display name, else the handle;
    a name of nothing but invisible or blank characters counts as none."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    for candidate in (
        user.get("real_name"),
        profile.get("real_name"),
        profile.get("display_name"),
        user.get("name"),
    ):
        name = one_line(candidate, PERSON_NAME_CHARS) if isinstance(candidate, str) else ""
        if name:
            return name
    return ""


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
        now = self._clock()
        if len(self._cache) >= USERS_KEPT:  # a region's year sees every member once a quarter
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        self._cache[user_id] = (now + USER_TTL, user)
        return user

    def __len__(self) -> int:
        return len(self._cache)

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
        self._titles: dict[str, str] = {}  # private channel -> its name

    async def title(self, channel: str, given: str) -> str:
        """The channel's name: the one a slash command gave, else conversations.info's (a
        private channel's command says only "privategroup"); "" for a DM or when unknown."""
        if channel.startswith("D") or given.startswith("mpdm-"):
            return ""
        if given not in UNNAMED_CHANNELS:
            return given
        if channel in self._titles:
            return self._titles[channel]
        try:
            answer = await self._client.conversations_info(channel=channel)
        except SlackApiError as error:
            log.info("conversations.info failed: %s", error_code(error))
            return ""
        info = answer.get("channel") or {}
        name = str(info.get("name") or "") if isinstance(info, dict) else ""
        self._titles[channel] = name
        return name

    async def members(self, chat: ChatRef) -> Roster:
        """The channel's humans. A member whose profile is odd (an unknown time zone, no name)
        or cannot be read is one odd record: it affects that member only, and the core tells
        the lead. Only when no profile at all can be read does the listing fail."""
        if chat.platform != PLATFORM:
            return Roster(())
        ids = [
            i for i in await self._member_ids(chat.chat_id) if i not in (self.bot_user_id, SLACKBOT)
        ]
        lookups = asyncio.Semaphore(PARALLEL_LOOKUPS)

        async def look_up(user_id: str) -> dict[str, Any] | Exception | None:
            async with lookups:
                try:
                    return await self._users.info(user_id)
                except Exception as error:  # one profile's trouble is that member's only
                    why = error.code if isinstance(error, SlackSendError) else type(error).__name__
                    log.warning("users.info failed for a channel member: %s", why)
                    return error

        found = await asyncio.gather(*(look_up(user_id) for user_id in ids))
        if ids and all(isinstance(user, Exception) for user in found):
            raise SlackSendError("users.info", "no member's profile could be read")
        people: list[PersonRef] = []
        odd: list[OddRecord] = []
        for user_id, user in zip(ids, found, strict=True):
            if not isinstance(user, dict) or not user:  # an error, or Slack does not know them
                odd.append(OddRecord(PLATFORM, user_id, Oddity.UNREADABLE))
            elif not (user.get("deleted") or user.get("is_bot")):
                ref, oddities = as_person(user_id, user)
                people.append(ref)
                odd.extend(oddities)
        return Roster(tuple(people), tuple(odd))

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        """The person, if Slack knows them, they are a human with an active account, and they
        are in the channel."""
        if chat.platform != PLATFORM or user_id in (self.bot_user_id, SLACKBOT):
            return None
        user = await self._users.info(user_id)
        if not user or user.get("deleted") or user.get("is_bot"):
            return None
        if user_id not in await self._member_ids(chat.chat_id):
            return None
        return as_person(user_id, user)[0]

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


def as_person(user_id: str, user: dict[str, Any]) -> tuple[PersonRef, list[OddRecord]]:
    """A human member's profile as the core's PersonRef, and what was odd about it. Slack
    knows each person's time zone, so their reminders come at their working hour; a zone
    this machine does not know is left out (the community's is used) and reported."""
    name = display_name(user)
    given = user.get("tz")
    zone = given if isinstance(given, str) else ""
    odd = []
    if zone and not known_timezone(zone):
        odd.append(OddRecord(PLATFORM, user_id, Oddity.UNKNOWN_TIMEZONE, name, zone))
    if not name:
        odd.append(OddRecord(PLATFORM, user_id, Oddity.NO_NAME))
    return PersonRef(PLATFORM, user_id, name, zone), odd
