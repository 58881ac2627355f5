"""Settings from the environment, checked once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.rubric import default_rubric_path

DEFAULT_DATABASE_URL = "sqlite:///maturity.db"
_ADMIN = re.compile(r"^[a-z]+:[A-Za-z0-9_.-]+$")


class ConfigError(Exception):
    """A setting has a value the bot cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    rubric_path: Path
    admins: frozenset[str]
    slack_configured: bool
    telegram_configured: bool


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; a bad value raises ConfigError naming the variable."""
    env = os.environ if env is None else env
    admins = frozenset(a.strip() for a in env.get("BOT_ADMINS", "").split(",") if a.strip())
    for admin in admins:
        if not _ADMIN.match(admin):
            raise ConfigError(
                f"BOT_ADMINS: “{admin}” is not platform:user_id (e.g. slack:U123,telegram:456)"
            )
    rubric = env.get("RUBRIC_PATH")
    return Settings(
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        rubric_path=Path(rubric) if rubric else default_rubric_path(),
        admins=admins,
        slack_configured=bool(env.get("SLACK_BOT_TOKEN")),
        telegram_configured=bool(env.get("TELEGRAM_BOT_TOKEN")),
    )
