"""Every platform the bot knows: one line each. The assembly builds those the settings
configure; `config check`, the rubric's size limits and the help texts cover them all."""

from __future__ import annotations

from typing import Any

from adapters import console, slack, telegram, web
from adapters.platform import Platform
from bot.config import SETTINGS, Setting

PLATFORMS: tuple[Platform[Any], ...] = (
    slack.PLUGIN,
    telegram.PLUGIN,
    web.PLUGIN,
    console.PLUGIN,
)


def all_settings() -> tuple[Setting, ...]:
    """Every environment variable the bot reads: its own, then each platform's."""
    return SETTINGS + tuple(each for platform in PLATFORMS for each in platform.settings)
