"""Every platform the bot knows: one line each. The assembly builds those the settings
configure; `config check`, the rubric's size limits and the help texts cover them all."""

from __future__ import annotations

from typing import Any

from adapters import console, slack, teams, telegram, web
from adapters.platform import Platform

PLATFORMS: tuple[Platform[Any], ...] = (
    slack.PLUGIN,
    telegram.PLUGIN,
    teams.PLUGIN,
    web.PLUGIN,
    console.PLUGIN,
)
