"""Settings from the environment, checked once at start-up: the process's own here, each
platform's in its package under adapters/ (passed in as PlatformConfigs).

Secrets are kept out of repr(), so a settings object printed or logged shows no token.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.digits import whole_number
from bot.rubric.loader import default_rubric_path
from bot.timezones import zone_named

DEFAULT_DATABASE_URL = "sqlite:///maturity.db"
_ADMIN = re.compile(r"^[a-z]+:[A-Za-z0-9_.-]+$")
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")  # user:password@ in a database URL


@dataclass(frozen=True)
class Setting:
    """One environment variable as an operator sees it: docs/operating.md's settings table is
    made from these (tests/test_docs.py checks that it is, and that every variable the code
    reads has one)."""

    name: str
    default: str  # as the operator would write it; "" when unset means off or none
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "`sqlite:///path` or `postgresql://user:password@host:5432/db`; the async driver is "
        "chosen for you. Migrations run at every start",
    ),
    Setting(
        "RUBRIC_PATH",
        "`rubric.toml` in the project",
        "the maturity model for new rounds; another model in the same format works unchanged "
        "(`maturity-bot rubric check PATH`)",
    ),
    Setting(
        "BOT_ADMINS",
        "",
        "`platform:user_id` list, e.g. `slack:U123,telegram:456`: leads in every community",
    ),
    Setting("HOST", "0.0.0.0", "the HTTP server's address (`127.0.0.1` behind a proxy)"),
    Setting(
        "PORT",
        "3000",
        "the HTTP server's port: `/healthz`, `/readyz`, `/metrics`, Slack events, the Telegram "
        "webhook, the web pages",
    ),
    Setting(
        "BOT_TIMEZONE",
        "Europe/London",
        "the default timezone of communities, schedules and reminders (IANA name), where the "
        "lead's platform profile gives none at setup",
    ),
    Setting(
        "QUORUM_EXTENSION_DAYS",
        "7",
        "days a round with too few responses stays open (once) before it closes; 0 never",
    ),
    Setting(
        "RETENTION_DAYS",
        "",
        "purge comments and who-answered-what of rounds closed longer ago (1 to 36500); "
        "summaries stay. Unset: keep everything",
    ),
    Setting("LOG_FORMAT", "text", "`text`, or `json` for one JSON object per line"),
    Setting("LOG_LEVEL", "INFO", "`DEBUG`, `INFO`, `WARNING` or `ERROR`"),
)


def settings_table(settings: Sequence[Setting]) -> str:
    """The settings as a Markdown table (what `maturity-bot config table` prints)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for each in settings:
        default = each.default if each.default.startswith("`") else f"`{each.default}`"
        rows.append(f"| `{each.name}` | {default if each.default else '(none)'} | {each.meaning} |")
    return "\n".join(rows) + "\n"


class ConfigError(Exception):
    """A setting has a value the bot cannot use; the message names it."""


class PlatformSettings(Protocol):
    """One platform's own settings, read and checked by its package under adapters/."""

    @property
    def platform(self) -> str:
        """The platform's name ("slack")."""
        ...


class PlatformConfig(Protocol):
    """How a platform package reads its settings from the environment and reports them."""

    @property
    def name(self) -> str: ...

    def read_settings(self, env: Mapping[str, str], problems: list[str]) -> PlatformSettings | None:
        """The platform's settings, or None when it is not configured; bad values are added
        to problems (one line each)."""
        ...

    def describe(self, settings: PlatformSettings | None) -> list[str]:
        """Lines for `config check`, secrets masked."""
        ...


DEFAULT_TIMEZONE = "Europe/London"  # where a community is, until its lead's profile says


@dataclass(frozen=True)
class Settings:
    database_url: str
    rubric_path: Path
    admins: frozenset[str] = frozenset()
    host: str = "0.0.0.0"
    port: int = 3000
    timezone: str = "Europe/London"
    quorum_extension_days: int = 7
    retention_days: int | None = None  # None: keep comments and identities
    log_format: str = "text"
    log_level: str = "INFO"
    platforms: tuple[PlatformSettings, ...] = ()  # the configured chat platforms

    def platform(self, name: str) -> PlatformSettings | None:
        """The settings of the named platform, if it is configured."""
        return next((p for p in self.platforms if p.platform == name), None)


def _number(
    env: Mapping[str, str], name: str, default: int, top: int, problems: list[str], what: str
) -> int:
    text = env.get(name, "").strip() or str(default)
    number = whole_number(text, len(str(top)))
    if number is None or number > top:
        problems.append(f"{name}: “{text}” is not {what}")
        return default
    return number


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines skipped, quotes removed);
    ConfigError when it cannot be read as text."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM is not a key
    except UnicodeDecodeError as error:
        broken = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {broken} is not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    for line in text.splitlines():
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


def environment(env_file: Path | None = None) -> dict[str, str]:
    """The settings' source: the process's environment over a .env file."""
    return {**read_env_file(env_file or Path(".env")), **os.environ}


def load_settings(
    env: Mapping[str, str] | None = None,
    env_file: Path | None = None,
    platforms: Sequence[PlatformConfig] = (),
) -> Settings:
    """Read the environment (over a .env file), with each platform's own settings; raise
    ConfigError naming every bad value, one per line."""
    if env is None:
        env = environment(env_file)
    problems: list[str] = []
    admins = frozenset(a.strip() for a in env.get("BOT_ADMINS", "").split(",") if a.strip())
    problems += [
        f"BOT_ADMINS: “{admin}” is not platform:user_id (e.g. slack:U123,telegram:456)"
        for admin in sorted(admins)
        if not _ADMIN.match(admin)
    ]
    port = _number(env, "PORT", 3000, 65535, problems, "a port number (0 to 65535)")
    timezone = env.get("BOT_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
    if zone_named(timezone) is None:
        problems.append(f"BOT_TIMEZONE: “{timezone}” is not a timezone (e.g. Europe/London)")
        timezone = DEFAULT_TIMEZONE
    extension = _number(env, "QUORUM_EXTENSION_DAYS", 7, 60, problems, "0 to 60 days")
    retention = env.get("RETENTION_DAYS", "").strip()
    retention_days = whole_number(retention, 5)
    if retention and not (retention_days is not None and 1 <= retention_days <= 36_500):
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
        retention_days=retention_days or None,
        log_format=log_format,
        log_level=log_level,
        platforms=tuple(
            found for config in platforms if (found := config.read_settings(env, problems))
        ),
    )
    if problems:
        raise ConfigError("\n".join(one_line(problem) for problem in problems))
    return settings


# Variables that look like ours: one of these that no reader asks for is a typo, such as
# SLACK_BOT_TOKN (the bot would start without Slack and say nothing).
SETTING_PREFIXES = (
    "SLACK_",
    "TELEGRAM_",
    "TEAMS_",
    "SMTP_",
    "EMAIL_",
    "BOT_",
    "PUBLIC_",
    "DATABASE_",
    "RUBRIC_",
    "LOG_",
)


class _Asked(Mapping[str, str]):
    """An environment in which every name is set (to a plausible value), remembering which
    names were asked for: reading settings from it lists the names the readers know."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return "https://probe.example.org/1"  # a URL, a number and a token all at once

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.asked.add(name)
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def known_names(platforms: Sequence[PlatformConfig] = ()) -> frozenset[str]:
    """Every setting the bot reads: its own and each platform's, found by asking the readers
    themselves, so a platform's new setting is known as soon as it reads it."""
    probe = _Asked()
    with contextlib.suppress(ConfigError):  # the probe's values need not make sense
        load_settings(probe, platforms=platforms)
    return frozenset(probe.asked)


def unknown_settings(env: Mapping[str, str], platforms: Sequence[PlatformConfig] = ()) -> list[str]:
    """One line for each variable that looks like a setting but is none, with the nearest
    known name."""
    known = known_names(platforms)
    lines = []
    for name in sorted(env):
        if not name.startswith(SETTING_PREFIXES) or name in known:
            continue
        nearest = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {nearest[0]}?" if nearest else " and is ignored."
        lines.append(one_line(f"{name} is not a setting this bot knows{hint}"))
    return lines


PROBLEM_CHARS = 240  # a problem line quotes the value: a long value is cut


def one_line(problem: str) -> str:
    """A problem as one printable line: values quoted in it may hold line breaks, control or
    direction-changing characters, which would split the line or disguise it in a terminal."""
    shown = "".join(
        char
        if unicodedata.category(char)[0] != "C" and char not in "\u2028\u2029"
        else f"\\u{ord(char):04x}"
        for char in problem
    )
    return shown if len(shown) <= PROBLEM_CHARS else shown[: PROBLEM_CHARS - 1] + "…"


def mask(secret: str) -> str:
    """How a secret shows in `config check`."""
    return "(not set)" if not secret else f"set, {len(secret)} characters (hidden)"


def describe(settings: Settings, platforms: Sequence[PlatformConfig] = ()) -> str:
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
    for config in platforms:
        lines += config.describe(settings.platform(config.name))
    return "\n".join(lines)
