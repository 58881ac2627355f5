"""Who is in a team, as Teams lists it: the paged member list of the team's channel, less
bots. A member's userRole tells the team's owners, who may set the team up as a community and
run lead commands there (as may the community's leads and BOT_ADMINS)."""

from __future__ import annotations

import logging

import httpx
from microsoft_teams.api import ApiClient
from microsoft_teams.api.models.account import TeamsChannelAccount

from adapters.teams.settings import PLATFORM
from bot.model import ChatRef, PersonRef
from bot.platform_text import PERSON_NAME_CHARS, one_line
from bot.roster import Oddity, OddRecord, Roster

log = logging.getLogger(__name__)
PAGE_SIZE = 100  # pagedMembers: Teams gives at most 500 a page
OWNER = "owner"
BOT_PREFIX = "28:"  # Bot Framework ids of bots (ours and others)


class TeamsDirectory:
    """Implements the core's MemberDirectory for Teams teams and group chats."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api

    async def members(self, chat: ChatRef) -> Roster:
        """The team's people. A member without a name is invited all the same and the lead is
        told; bots are left out."""
        if chat.platform != PLATFORM:
            return Roster(())
        people: list[PersonRef] = []
        odd: list[OddRecord] = []
        for member in await self._all(chat.chat_id):
            ref = as_person(member)
            if ref is None:
                continue
            people.append(ref)
            if not ref.display_name:
                odd.append(OddRecord(PLATFORM, ref.user_id, Oddity.NO_NAME))
        return Roster(tuple(people), tuple(odd))

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        found = await self._record(chat, user_id)
        return None if found is None else as_person(found)

    async def is_owner(self, chat: ChatRef, user_id: str) -> bool:
        """Teams lists this person as an owner of the team (False when it would not say)."""
        try:
            found = await self._record(chat, user_id)
        except (httpx.HTTPError, ValueError) as error:
            log.info("teams: could not read a member's role (%s)", type(error).__name__)
            return False
        return found is not None and (found.user_role or "").lower() == OWNER

    async def _record(self, chat: ChatRef, user_id: str) -> TeamsChannelAccount | None:
        if chat.platform != PLATFORM or user_id.startswith(BOT_PREFIX):
            return None
        try:
            found: TeamsChannelAccount = await self._api.conversations.get_member_by_id(
                chat.chat_id, user_id
            )
            return found
        except httpx.HTTPStatusError as error:
            if error.response.status_code == 404:
                return None
            raise

    async def _all(self, conversation: str) -> list[TeamsChannelAccount]:
        members: list[TeamsChannelAccount] = []
        token: str | None = None
        while True:
            page = await self._api.conversations.get_paged_members(conversation, PAGE_SIZE, token)
            members.extend(page.members or [])
            token = page.continuation_token
            if not token:
                return list({m.id: m for m in members}.values())  # pages may overlap


def as_person(member: TeamsChannelAccount) -> PersonRef | None:
    """A human member as the core's PersonRef; None for a bot."""
    if member.id.startswith(BOT_PREFIX):
        return None
    name = one_line(member.name or "", PERSON_NAME_CHARS)
    return PersonRef(PLATFORM, member.id, name)
