"""Microsoft Teams: the Teams SDK (microsoft-teams-apps) on the bot's aiohttp server, Adaptive
Cards updated in place, 1:1 chats opened with createConversation, paced to Teams' limits.

Modules: settings (TEAMS_*), adapter (activities in, JWTs checked by the SDK), activities
(translation), cards (Adaptive Cards), sender (messages out), limits (the pacer), directory (a
team's members and owners), package (the app package for Teams), fake (a fake Bot Connector
with its own token issuer, for tests and benches).
"""

from __future__ import annotations

from adapters.platform import AdapterContext, Platform, PlatformAdapter
from adapters.teams import settings
from bot.platforms import MessageLimits, PlatformTraits

TRAITS = PlatformTraits(
    name=settings.PLATFORM,
    title="Microsoft Teams",
    limits=MessageLimits(text_chars=4000, detail_chars=3000),
    lists_members=True,
    knows_chat_admins=True,  # a team's owners (and whoever installed the app) may set it up
    chat_word="team",
    invite_bot="Add the maturity-bot app to the team (Apps, then Add to a team)",
    take_part="Everyone in this team gets the questions in a 1:1 chat with me.",
    mention_example="@maturity-bot round leads add @name",
)


def _build(configured: settings.TeamsSettings, context: AdapterContext) -> PlatformAdapter:
    from adapters.teams.adapter import TeamsAdapter  # the SDK loads only when Teams is used

    return TeamsAdapter(configured, context.dispatch, context.http)


PLUGIN = Platform(
    name=settings.PLATFORM,
    traits=TRAITS,
    how_to_enable="For Teams set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID.",
    settings_type=settings.TeamsSettings,
    read=settings.read_settings,
    lines=settings.describe,
    build=_build,
    settings=settings.SETTINGS,
    quiet_loggers=("microsoft_teams", "httpx", "httpcore", "msal"),  # URLs, bodies, tokens
)
