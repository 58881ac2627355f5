"""Slack's settings: the bot token, and the signing secret (HTTP mode) or the app-level token
(Socket Mode)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import Setting, mask

PLATFORM = "slack"
DEFAULT_API_URL = "https://slack.com/api/"

SETTINGS = (
    Setting("SLACK_BOT_TOKEN", "", "the *Bot User OAuth Token* (`xoxb-…`): turns Slack on"),
    Setting(
        "SLACK_SIGNING_SECRET",
        "",
        "the app's *Signing Secret*: HTTP mode, at `/slack/events`",
    ),
    Setting(
        "SLACK_APP_TOKEN",
        "",
        "an app-level token (`xapp-…`, scope `connections:write`): Socket Mode instead of HTTP",
    ),
    Setting(
        "SLACK_API_URL",
        DEFAULT_API_URL,
        "the Slack Web API (GovSlack: `https://slack-gov.com/api/`; a local fake in tests)",
    ),
)


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    app_token: str = field(repr=False, default="")  # set: Socket Mode instead of HTTP
    api_url: str = DEFAULT_API_URL
    timeout: float = 10.0  # seconds to wait for Slack's answer to one call
    platform: str = PLATFORM

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


def read_settings(env: Mapping[str, str], problems: list[str]) -> SlackSettings | None:
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
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    if not api_url.startswith(("https://", "http://")):
        problems.append(f"SLACK_API_URL: “{api_url}” is not an http(s) URL")
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto it
    return SlackSettings(token, secret, app_token, api_url)


def describe(settings: SlackSettings | None) -> list[str]:
    if settings is None:
        return ["Slack: off (no SLACK_BOT_TOKEN)"]
    mode = "Socket Mode" if settings.socket_mode else "HTTP mode at /slack/events"
    return [
        f"Slack: on, {mode}, API {settings.api_url}",
        f"  SLACK_BOT_TOKEN: {mask(settings.bot_token)}",
        f"  SLACK_SIGNING_SECRET: {mask(settings.signing_secret)}",
        f"  SLACK_APP_TOKEN: {mask(settings.app_token)}",
    ]
