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

from bot.rubric.loader import default_rubric_path

DEFAULT_DATABASE_URL = "sqlite:///maturity.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
_ADMIN = re.compile(r"^[a-z]+:[A-Za-z0-9_.-]+$")
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")  # user:password@ in a database URL


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
    retention_days: int | None = None  # None: keep comments and identities
    log_format: str = "text"
    log_level: str = "INFO"
    slack: SlackSettings | None = None
    telegram: TelegramSettings | None = None


class _Problems(list[str]):
    """Every bad setting, so start-up names them all at once, one line each."""


def _slack(env: Mapping[str, str], problems: _Problems) -> SlackSettings | None:
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return None
    secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    app_token = env.get("SLACK_APP_TOKEN", "").strip()
    if not secret and not app_token:
        problems.append(
            "SLACK_SIGNING_SECRET is needed to check Slack's requests in HTTP mode "
            "(or set SLACK_APP_TOKEN for Socket Mode)"
        )
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.startswith(("https://", "http://")):
        problems.append(f"SLACK_API_URL: “{api_url}” is not an http(s) URL")
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto it
    return SlackSettings(token, secret, app_token, api_url)


def _telegram(env: Mapping[str, str], problems: _Problems) -> TelegramSettings | None:
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
    if webhook_url and not webhook_url.startswith("https://"):
        problems.append(f"TELEGRAM_WEBHOOK_URL: “{webhook_url}” must be an https:// URL")
    api_url = env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_TELEGRAM_API_URL
    return TelegramSettings(token, api_url, webhook_url, secret)


def _number(
    env: Mapping[str, str], name: str, default: int, top: int, problems: _Problems, what: str
) -> int:
    text = env.get(name, "").strip() or str(default)
    if not text.isdigit() or int(text) > top:
        problems.append(f"{name}: “{text}” is not {what}")
        return default
    return int(text)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines skipped, quotes removed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8-sig").splitlines():  # a BOM is not a key
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and value[0] in value[1:]:
            value = value[1 : value.index(value[0], 1)]  # "x"  # a comment -> x
        elif value.startswith("#"):
            value = ""  # KEY=   # a comment
        else:
            value = re.split(r"\s#", value, maxsplit=1)[0].rstrip()
        values[key.strip()] = value
    return values


def load_settings(env: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Read the environment (over a .env file); raise ConfigError naming every bad value."""
    if env is None:
        env = {**read_env_file(env_file or Path(".env")), **os.environ}
    problems = _Problems()
    admins = frozenset(a.strip() for a in env.get("BOT_ADMINS", "").split(",") if a.strip())
    problems += [
        f"BOT_ADMINS: “{admin}” is not platform:user_id (e.g. slack:U123,telegram:456)"
        for admin in sorted(admins)
        if not _ADMIN.match(admin)
    ]
    port = _number(env, "PORT", 3000, 65535, problems, "a port number (0 to 65535)")
    timezone = env.get("BOT_TIMEZONE", "").strip() or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"BOT_TIMEZONE: “{timezone}” is not a timezone (e.g. Europe/London)")
        timezone = "UTC"
    extension = _number(env, "QUORUM_EXTENSION_DAYS", 7, 60, problems, "0 to 60 days")
    retention = env.get("RETENTION_DAYS", "").strip()
    if retention and not (retention.isdigit() and 1 <= int(retention) <= 36_500):
        problems.append(f"RETENTION_DAYS: “{retention}” is not a number of days (1 to 36500)")
    log_format = env.get("LOG_FORMAT", "").strip().lower() or "text"
    if log_format not in ("text", "json"):
        problems.append(f"LOG_FORMAT: “{log_format}” is not text or json")
    log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"LOG_LEVEL: “{log_level}” is not DEBUG, INFO, WARNING or ERROR")
    rubric = env.get("RUBRIC_PATH")
    settings = Settings(
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        rubric_path=Path(rubric) if rubric else default_rubric_path(),
        admins=admins,
        host=env.get("HOST", "").strip() or "0.0.0.0",
        port=port,
        timezone=timezone,
        quorum_extension_days=extension,
        retention_days=int(retention) if retention.isdigit() and int(retention) >= 1 else None,
        log_format=log_format,
        log_level=log_level,
        slack=_slack(env, problems),
        telegram=_telegram(env, problems),
    )
    if problems:
        raise ConfigError("\n".join(problems))
    return settings


def _mask(secret: str) -> str:
    return "(not set)" if not secret else f"set, {len(secret)} characters (hidden)"


def describe(settings: Settings) -> str:
    """The effective settings, secrets masked: what `maturity-bot config check` prints."""
    lines = [
        "DATABASE_URL: " + _PASSWORD.sub(r"\1***@", settings.database_url),
        f"RUBRIC_PATH: {settings.rubric_path}",
        f"BOT_ADMINS: {', '.join(sorted(settings.admins)) or '(none)'}",
        f"HOST, PORT: {settings.host}, {settings.port}",
        f"BOT_TIMEZONE: {settings.timezone}",
        f"QUORUM_EXTENSION_DAYS: {settings.quorum_extension_days}",
        f"RETENTION_DAYS: {settings.retention_days or '(keep everything)'}",
        f"LOG_FORMAT, LOG_LEVEL: {settings.log_format}, {settings.log_level}",
    ]
    slack, telegram = settings.slack, settings.telegram
    if slack is None:
        lines.append("Slack: off (no SLACK_BOT_TOKEN)")
    else:
        mode = "Socket Mode" if slack.socket_mode else "HTTP mode at /slack/events"
        lines += [
            f"Slack: on, {mode}, API {slack.api_url}",
            f"  SLACK_BOT_TOKEN: {_mask(slack.bot_token)}",
            f"  SLACK_SIGNING_SECRET: {_mask(slack.signing_secret)}",
            f"  SLACK_APP_TOKEN: {_mask(slack.app_token)}",
        ]
    if telegram is None:
        lines.append("Telegram: off (no TELEGRAM_BOT_TOKEN)")
    else:
        mode = f"webhook {telegram.webhook_url}" if telegram.webhook_url else "long polling"
        lines += [
            f"Telegram: on, {mode}, API {telegram.api_url}",
            f"  TELEGRAM_BOT_TOKEN: {_mask(telegram.bot_token)}",
            f"  TELEGRAM_WEBHOOK_SECRET: {_mask(telegram.webhook_secret)}",
        ]
    return "\n".join(lines)
