"""Teams' settings: the single-tenant Entra app the bot signs in as (TEAMS_APP_ID,
TEAMS_APP_PASSWORD, TEAMS_TENANT_ID) and where the Bot Connector is.

Two settings exist for the fake Bot Connector and sovereign clouds, and are empty in a normal
deployment: TEAMS_OPENID_METADATA_URL (whose keys sign Teams' requests; the SDK takes its JWKS
from beside it) and TEAMS_TOKEN_URL (an OAuth 2.0 token endpoint for the client-credentials
grant, used instead of the SDK's MSAL sign-in, which only reaches login.microsoftonline.com).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import Setting, mask

PLATFORM = "teams"
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
SETTINGS = (
    Setting("TEAMS_APP_ID", "", "the bot's Entra app (client) id: turns Teams on (docs/teams.md)"),
    Setting("TEAMS_APP_PASSWORD", "", "a client secret of that Entra app"),
    Setting("TEAMS_TENANT_ID", "", "your organisation's Entra tenant id: the app is single-tenant"),
    Setting(
        "TEAMS_SERVICE_URL",
        DEFAULT_SERVICE_URL,
        "where messages go before Teams has written from a team (its Bot Connector)",
    ),
    Setting(
        "TEAMS_OPENID_METADATA_URL",
        "",
        "whose keys sign Teams' requests (a sovereign cloud; the tests' fake); default Microsoft's",
    ),
    Setting(
        "TEAMS_TOKEN_URL",
        "",
        "an OAuth token endpoint for the app's tokens (the tests' fake); default Entra's, by MSAL",
    ),
)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str  # the Entra app (client) id: not a secret, it is in the app package
    app_password: str = field(repr=False)  # the app's client secret
    tenant_id: str  # the organisation's Entra tenant: the app is single-tenant
    service_url: str = DEFAULT_SERVICE_URL  # where proactive messages go before Teams says
    openid_metadata_url: str = ""  # empty: Microsoft's (Bot Framework's) signing keys
    token_url: str = ""  # empty: the SDK signs in with MSAL at login.microsoftonline.com
    timeout: float = 10.0  # seconds to wait for the Bot Connector's answer to one call
    platform: str = PLATFORM


def _url(env: Mapping[str, str], name: str, default: str, problems: list[str]) -> str:
    url = env.get(name, "").strip() or default
    if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        problems.append(f"{name}: “{url}” must be an https:// URL (http:// only on 127.0.0.1)")
    return url


def read_settings(env: Mapping[str, str], problems: list[str]) -> TeamsSettings | None:
    app_id = env.get("TEAMS_APP_ID", "").strip()
    if not app_id:
        return None
    password = env.get("TEAMS_APP_PASSWORD", "").strip()
    tenant = env.get("TEAMS_TENANT_ID", "").strip()
    if not _GUID.fullmatch(app_id):
        problems.append("TEAMS_APP_ID must be the Entra app's id (a GUID)")
    if not password:
        problems.append("TEAMS_APP_PASSWORD (the Entra app's client secret) is needed for Teams")
    if not _GUID.fullmatch(tenant):
        problems.append(
            "TEAMS_TENANT_ID must be your organisation's Entra tenant id (a GUID): "
            "the bot is a single-tenant app"
        )
    service_url = _url(env, "TEAMS_SERVICE_URL", DEFAULT_SERVICE_URL, problems)
    metadata = _url(env, "TEAMS_OPENID_METADATA_URL", "", problems)
    token_url = _url(env, "TEAMS_TOKEN_URL", "", problems)
    return TeamsSettings(
        app_id,
        password,
        tenant,
        service_url=service_url.rstrip("/") + "/",
        openid_metadata_url=metadata,
        token_url=token_url,
    )


def describe(settings: TeamsSettings | None) -> list[str]:
    if settings is None:
        return ["Teams: off (no TEAMS_APP_ID)"]
    lines = [
        f"Teams: on, messages at /api/messages, Bot Connector {settings.service_url}",
        f"  TEAMS_APP_ID: {settings.app_id}",
        f"  TEAMS_APP_PASSWORD: {mask(settings.app_password)}",
        f"  TEAMS_TENANT_ID: {settings.tenant_id}",
    ]
    if settings.openid_metadata_url:
        lines.append(f"  TEAMS_OPENID_METADATA_URL: {settings.openid_metadata_url}")
    if settings.token_url:
        lines.append(f"  TEAMS_TOKEN_URL: {settings.token_url}")
    return lines
