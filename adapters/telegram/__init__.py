"""Telegram: python-telegram-bot with long polling or a checked webhook, HTML cards with inline
keyboards, "Take part" deep links, sending within Telegram's flood limits.

Modules: settings (TELEGRAM_*), adapter (updates in), updates (translation), render (HTML and
keyboards), sender (messages out), limits (the rate limiter), fake (a fake Bot API for tests).
"""

from __future__ import annotations

from adapters.platform import AdapterContext, Platform, PlatformAdapter
from adapters.telegram import settings
from bot.platforms import MessageLimits, PlatformTraits

TRAITS = PlatformTraits(
    name=settings.PLATFORM,
    title="Telegram",
    limits=MessageLimits(text_chars=4096, detail_chars=4096),
    lists_members=False,  # bots cannot list a group: people press "Take part"
    knows_chat_admins=True,
    chat_word="group",
    invite_bot="Add the bot to the group",
    take_part="People press “Take part” below to join; leads should press it too.",
    mention_example="/round leads add telegram:123456789",
)


def _build(configured: settings.TelegramSettings, context: AdapterContext) -> PlatformAdapter:
    from adapters.telegram.adapter import TelegramAdapter  # PTB loads only when Telegram is used

    return TelegramAdapter(
        configured, context.dispatch, context.http, chat_moved=context.chat_moved
    )


PLUGIN = Platform(
    name=settings.PLATFORM,
    traits=TRAITS,
    how_to_enable="For Telegram set TELEGRAM_BOT_TOKEN.",
    settings_type=settings.TelegramSettings,
    read=settings.read_settings,
    lines=settings.describe,
    settings=settings.SETTINGS,
    build=_build,
    quiet_loggers=("httpx", "httpcore", "telegram"),  # httpx logs URLs holding the token
)
