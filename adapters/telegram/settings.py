"""Telegram's settings: the bot token, and a webhook URL and secret (else long polling)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.config import Setting, mask

PLATFORM = "telegram"
DEFAULT_API_URL = "https://api.telegram.org/bot"

SETTINGS = (
    Setting("TELEGRAM_BOT_TOKEN", "", "the token from @BotFather: turns Telegram on"),
    Setting(
        "TELEGRAM_WEBHOOK_URL",
        "",
        "a public https URL reaching `/telegram/webhook`: a webhook instead of long polling",
    ),
    Setting(
        "TELEGRAM_WEBHOOK_SECRET",
        "",
        "the webhook's secret, 8 to 256 of `A-Z a-z 0-9 _ -` (needed with the webhook URL)",
    ),
    Setting(
        "TELEGRAM_API_URL",
        DEFAULT_API_URL,
        "the Bot API (a self-hosted server, where the webhook may be plain http; a fake in tests)",
    ),
)


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    webhook_url: str = ""  # set: webhook at /telegram/webhook instead of long polling
    webhook_secret: str = field(repr=False, default="")
    timeout: float = 10.0  # seconds to wait for Telegram's answer to one call
    platform: str = PLATFORM


def read_settings(env: Mapping[str, str], problems: list[str]) -> TelegramSettings | None:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        return None
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if webhook_url and not re.fullmatch(r"[A-Za-z0-9_-]{8,256}", secret):
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET must be 8 to 256 characters of A-Z, a-z, 0-9, _ and - "
            "when TELEGRAM_WEBHOOK_URL is set"
        )
    api_url = env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL
    # The public Bot API posts updates only to https; a self-hosted one (telegram-bot-api
    # --local) also posts to plain http on its own network.
    allowed = ("https://",) if public_api(api_url) else ("https://", "http://")
    if webhook_url and not webhook_url.startswith(allowed):
        kinds = " or ".join(allowed)
        problems.append(f"TELEGRAM_WEBHOOK_URL: “{webhook_url}” must be an {kinds} URL")
    return TelegramSettings(token, api_url, webhook_url, secret)


def public_api(api_url: str) -> bool:
    """True when api_url is Telegram's own Bot API (not a self-hosted server)."""
    return urlsplit(api_url).hostname == urlsplit(DEFAULT_API_URL).hostname


def describe(settings: TelegramSettings | None) -> list[str]:
    if settings is None:
        return ["Telegram: off (no TELEGRAM_BOT_TOKEN)"]
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"
    return [
        f"Telegram: on, {mode}, API {settings.api_url}",
        f"  TELEGRAM_BOT_TOKEN: {mask(settings.bot_token)}",
        f"  TELEGRAM_WEBHOOK_SECRET: {mask(settings.webhook_secret)}",
    ]
