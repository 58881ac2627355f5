"""Settings from the environment, checked once at start-up.

Secrets are kept out of repr(), so a settings object printed or logged shows no token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.rubric import default_rubric_path

DEFAULT_DATABASE_URL = "sqlite:///maturity.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
_ADMIN = re.compile(r"^[a-z]+:[A-Za-z0-9_.-]+$")


class ConfigError(Exception):
    """A setting has a value the bot cannot use; the message names it."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    app_token: str = field(repr=False, default="")  # set: Socket Mode instead of HTTP
    api_url: str = DEFAULT_SLACK_API_URL

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: str = field(repr=False)
    api_url: str = DEFAULT_TELEGRAM_API_URL
    webhook_url: str = ""  # set: webhook at /telegram/webhook instead of long polling
    webhook_secret: str = field(repr=False, default="")


@dataclass(frozen=True)
class Settings:
    database_url: str
    rubric_path: Path
    admins: frozenset[str] = frozenset()
    host: str = "0.0.0.0"
    port: int = 3000
    timezone: str = "UTC"
    quorum_extension_days: int = 7
    slack: SlackSettings | None = None
    telegram: TelegramSettings | None = None


def _slack(env: Mapping[str, str]) -> SlackSettings | None:
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return None
    secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    app_token = env.get("SLACK_APP_TOKEN", "").strip()
    if not secret and not app_token:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is needed to check Slack's requests in HTTP mode "
            "(or set SLACK_APP_TOKEN for Socket Mode)"
        )
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto it
    return SlackSettings(token, secret, app_token, api_url)


def _telegram(env: Mapping[str, str]) -> TelegramSettings | None:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        return None
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if webhook_url and not re.fullmatch(r"[A-Za-z0-9_-]{8,256}", secret):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET must be 8 to 256 characters of A-Z, a-z, 0-9, _ and - "
            "when TELEGRAM_WEBHOOK_URL is set"
        )
    api_url = env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_TELEGRAM_API_URL
    return TelegramSettings(token, api_url, webhook_url, secret)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; a bad value raises ConfigError naming the variable."""
    env = os.environ if env is None else env
    admins = frozenset(a.strip() for a in env.get("BOT_ADMINS", "").split(",") if a.strip())
    for admin in admins:
        if not _ADMIN.match(admin):
            raise ConfigError(
                f"BOT_ADMINS: “{admin}” is not platform:user_id (e.g. slack:U123,telegram:456)"
            )
    port_text = env.get("PORT", "").strip() or "3000"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"PORT: “{port_text}” is not a port number (0 to 65535)")
    timezone = env.get("BOT_TIMEZONE", "").strip() or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"BOT_TIMEZONE: “{timezone}” is not a timezone (e.g. Europe/London)"
        ) from None
    extension = env.get("QUORUM_EXTENSION_DAYS", "").strip() or "7"
    if not extension.isdigit() or int(extension) > 60:
        raise ConfigError(f"QUORUM_EXTENSION_DAYS: “{extension}” is not 0 to 60 days")
    rubric = env.get("RUBRIC_PATH")
    return Settings(
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        rubric_path=Path(rubric) if rubric else default_rubric_path(),
        admins=admins,
        host=env.get("HOST", "").strip() or "0.0.0.0",
        port=int(port_text),
        timezone=timezone,
        quorum_extension_days=int(extension),
        slack=_slack(env),
        telegram=_telegram(env),
    )
