"""Settings: every bad value named at once, .env files, and secrets never printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.registry import PLATFORMS
from adapters.telegram.settings import TelegramSettings
from bot.config import (
    SETTING_PREFIXES,
    ConfigError,
    Settings,
    describe,
    known_names,
    read_env_file,
    unknown_settings,
)
from bot.config import load_settings as load_core_settings


def load_settings(env: dict[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Settings as the command line reads them: with every platform's own."""
    return load_core_settings(env, env_file, PLATFORMS)


def test_every_problem_is_named_on_its_own_line() -> None:
    env = {
        "PORT": "http",
        "BOT_TIMEZONE": "Mars/Olympus",
        "BOT_ADMINS": "U123",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "TELEGRAM_BOT_TOKEN": "1:AAE-telegram-token-of-35-characters",
        "TELEGRAM_WEBHOOK_URL": "http://insecure",
        "LOG_FORMAT": "xml",
        "RETENTION_DAYS": "-3",
        "QUORUM_EXTENSION_DAYS": "999",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    lines = str(caught.value).splitlines()
    assert [line.split(":")[0].split()[0] for line in lines] == [
        "BOT_ADMINS",
        "PORT",
        "BOT_TIMEZONE",
        "QUORUM_EXTENSION_DAYS",
        "RETENTION_DAYS",
        "LOG_FORMAT",
        "SLACK_SIGNING_SECRET",
        "TELEGRAM_WEBHOOK_SECRET",
        "TELEGRAM_WEBHOOK_URL",
    ]


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        '# settings\nexport PORT=4000\nBOT_TIMEZONE="Europe/London"\n'
        "DATABASE_URL='sqlite:///x.db'\n\nnot a setting\n"
    )
    assert read_env_file(dotenv) == {
        "PORT": "4000",
        "BOT_TIMEZONE": "Europe/London",
        "DATABASE_URL": "sqlite:///x.db",
    }
    os.environ["BOT_TIMEZONE"] = "America/Chicago"
    try:
        settings = load_settings(env_file=dotenv)
    finally:
        del os.environ["BOT_TIMEZONE"]
    assert (settings.port, settings.timezone) == (4000, "America/Chicago")


def test_config_check_masks_every_secret() -> None:
    secrets = {
        "SLACK_BOT_TOKEN": "xoxb-very-secret-token",
        "SLACK_SIGNING_SECRET": "sign-me-0",
        "TELEGRAM_BOT_TOKEN": "123:AAE-telegram-secret-token-xyz",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "hook-secret-1",
        "DATABASE_URL": "postgresql://bot:db-password@db/bot",
    }
    text = describe(load_settings(secrets), PLATFORMS)
    for name, value in secrets.items():
        if name not in ("TELEGRAM_WEBHOOK_URL",):
            assert value not in text, name
    assert "db-password" not in text and "postgresql://bot:***@db/bot" in text
    assert "Telegram: on, webhook https://bot.example/telegram/webhook" in text
    result = subprocess.run(
        [sys.executable, "-m", "bot", "config", "check"],
        env={**os.environ, **secrets},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0 and "xoxb-very-secret-token" not in result.stdout
    assert repr(load_settings(secrets)).count("secret") == 0


def test_env_files_with_a_bom_and_comments_after_values(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        '\ufeffPORT=4100\nSLACK_BOT_TOKEN="xoxb-1"  # the bot token\n'
        "BOT_TIMEZONE=Europe/Paris # where we are\n",
        encoding="utf-8",
    )
    assert read_env_file(dotenv) == {
        "PORT": "4100",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "BOT_TIMEZONE": "Europe/Paris",
    }
    with pytest.raises(ConfigError, match="RETENTION_DAYS"):
        load_settings({"RETENTION_DAYS": "5000000"})


def test_an_empty_value_with_a_comment_is_empty(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("RETENTION_DAYS=   # keep everything\nLOG_LEVEL=DEBUG\t# noisy\n")
    assert read_env_file(dotenv) == {"RETENTION_DAYS": "", "LOG_LEVEL": "DEBUG"}


@pytest.mark.parametrize(
    ("api_url", "allowed"),
    [
        ("", False),  # the public Bot API posts only to https
        ("https://api.telegram.org/bot", False),
        ("http://telegram-bot-api:8081/bot", True),  # self-hosted: plain http on its network
        ("https://tg.internal.example/bot", True),
    ],
)
def test_a_plain_http_webhook_is_refused_only_for_the_public_bot_api(
    api_url: str, allowed: bool
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "1:AAE-telegram-token-of-35-characters",
        "TELEGRAM_API_URL": api_url,
        "TELEGRAM_WEBHOOK_URL": "http://maturity-bot:3000/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "hook-secret-1",
    }
    if not allowed:
        with pytest.raises(ConfigError, match=r"TELEGRAM_WEBHOOK_URL: .* must be an https:// URL"):
            load_settings(env)
        return
    telegram = load_settings(env).platform("telegram")
    assert isinstance(telegram, TelegramSettings)
    assert telegram.webhook_url == "http://maturity-bot:3000/telegram/webhook"
    with pytest.raises(ConfigError, match="must be an https:// or http:// URL"):
        load_settings({**env, "TELEGRAM_WEBHOOK_URL": "ftp://maturity-bot/hook"})


def cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The real command line, in its own process, with only these settings (and no TTY)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**kept, **env},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_setting_with_a_typo_is_named_with_the_nearest_known_name(tmp_path: Path) -> None:
    # Defect 12 of issue 21: SLACK_BOT_TOKN made `run` fall back to the console and exit 0.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SLACK_BOT_TOKN": "xoxb-1"}
    env |= {"LOG_LEVL": "DEBUG", "HOME_DIR": "/x"}  # not one of ours: no prefix of ours
    checked = cli("config", "check", env=env)
    assert checked.returncode == 2
    assert "SLACK_BOT_TOKN is not a setting this bot knows; did you mean SLACK_BOT_TOKEN?" in (
        checked.stderr
    )
    assert "did you mean LOG_LEVEL?" in checked.stderr and "HOME_DIR" not in checked.stderr
    assert "xoxb-1" not in checked.stderr  # a value is never shown
    ran = cli("run", env=env)  # no TTY, as under systemd: not a clean stop
    assert ran.returncode != 0
    assert "did you mean SLACK_BOT_TOKEN?" in ran.stderr and "Not starting" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_the_known_names_come_from_each_platforms_own_reader() -> None:
    # A platform's new setting is known as soon as its reader reads it: no list to keep.
    known = known_names(PLATFORMS)
    assert {"SLACK_APP_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SMTP_URL", "PUBLIC_URL"} <= known
    assert {"LOG_LEVEL", "DATABASE_URL", "RUBRIC_PATH", "BOT_ADMINS"} <= known
    assert unknown_settings({"TELEGRAM_BOT_TOKEN": "1:x", "PATH": "/bin"}, PLATFORMS) == []


def test_a_telegram_token_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "TELEGRAM_BOT_TOKEN": "not-a-token"}
    checked = cli("config", "check", env=env)
    assert checked.returncode == 2
    assert "TELEGRAM_BOT_TOKEN: does not look like a bot token" in checked.stderr
    assert "not-a-token" not in checked.stderr
    good = {**env, "TELEGRAM_BOT_TOKEN": "7000000001:AAFakeTokenForTests_abcdefghijklmnopq"}
    assert cli("config", "check", env=good).returncode == 0
