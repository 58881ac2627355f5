"""Slack: Bolt in HTTP mode or Socket Mode, Block Kit cards, paced sending, the member list.

Modules: settings (SLACK_*), adapter (events in), blocks (rendering), sender (messages out),
directory (channel members and names), fake (a fake Slack for tests and benches).
"""

from __future__ import annotations

from adapters.platform import AdapterContext, Platform, PlatformAdapter
from adapters.slack import settings
from bot.platforms import MessageLimits, PlatformTraits

TRAITS = PlatformTraits(
    name=settings.PLATFORM,
    title="Slack",
    limits=MessageLimits(text_chars=4000, detail_chars=3000),  # a section holds 3,000
    lists_members=True,
    knows_chat_admins=False,
    chat_word="channel",
    invite_bot="Invite the bot to the channel (/invite @maturity-bot)",
    take_part="Everyone in this channel gets the questions by direct message.",
    mention_example="/round leads add @name",
)


def _build(configured: settings.SlackSettings, context: AdapterContext) -> PlatformAdapter:
    from adapters.slack.adapter import SlackAdapter  # the SDK loads only when Slack is used

    return SlackAdapter(configured, context.dispatch, context.http, chat_moved=context.chat_moved)


PLUGIN = Platform(
    name=settings.PLATFORM,
    traits=TRAITS,
    how_to_enable="For Slack set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.",
    settings_type=settings.SlackSettings,
    read=settings.read_settings,
    lines=settings.describe,
    settings=settings.SETTINGS,
    build=_build,
    quiet_loggers=("slack_bolt", "slack_sdk"),  # they log request bodies
)
