"""The app package Teams installs: manifest.json (schema v1.30) and two generated icons, zipped.

`maturity-bot teams package --out maturity-bot-teams.zip` writes it from the settings: the bot
is TEAMS_APP_ID in the personal, team and groupChat scopes, its lead commands listed in
commandLists (what Teams suggests after @maturity-bot), and the bot's own web address
(PUBLIC_URL) as its website and only valid domain. An administrator uploads the zip in Teams
(Apps, Manage your apps, Upload an app) or in the Teams admin centre.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from bot.commands.parser import HELP

MANIFEST_VERSION = "1.30"
SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
ACCENT = "#4B2E83"  # the charts' level-5 purple
COLOR_ICON, OUTLINE_ICON = "color.png", "outline.png"
TITLE_CHARS, DESCRIPTION_CHARS = 32, 128  # the stricter of Teams' documented limits
# What Teams suggests after @maturity-bot in a team or group chat (at most 12 a list)...
TEAM_COMMANDS = (
    "help", "setup", "open", "status", "remind", "close",
    "reopen", "summary", "leads", "schedule", "settings", "debrief",
)  # fmt: skip
# ...and in the 1:1 chat, where people answer and leads sign in to their pages.
PERSONAL_COMMANDS = ("help", "web", "board")


@dataclass(frozen=True)
class PackageDetails:
    """What the manifest says about the app and who runs it."""

    app_id: str  # TEAMS_APP_ID: the bot, and the Teams app's own id
    website: str  # https: where people learn about this deployment (PUBLIC_URL)
    privacy: str  # https: its privacy notice
    terms: str  # https: its terms of use
    developer: str = "maturity-bot"  # who runs this deployment (a council, a partnership)
    version: str = "1.0.0"


def command(topic: str) -> dict[str, str]:
    """A commandLists entry: `round open`, described as /round help describes it."""
    usage = HELP[topic]
    description = usage.split(" — ", 1)[-1]
    if len(description) > DESCRIPTION_CHARS:
        description = description[: DESCRIPTION_CHARS - 1] + "…"
    return {"title": f"round {topic}"[:TITLE_CHARS], "description": description}


def manifest(details: PackageDetails) -> dict[str, Any]:
    """manifest.json for Teams' app schema v1.30."""
    domain = urlsplit(details.website).hostname or ""
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": details.version,
        "id": details.app_id,
        "developer": {
            "name": details.developer,
            "websiteUrl": details.website,
            "privacyUrl": details.privacy,
            "termsOfUseUrl": details.terms,
        },
        "name": {"short": "maturity-bot", "full": "maturity-bot: System Maturity Model rounds"},
        "description": {
            "short": "Your partnership's System Maturity Model self-assessment, in Teams",
            "full": (
                "Partners score their shared local system on the nine categories of the System "
                "Maturity Model, in a 1:1 chat with the bot, in their own time. Leads open and "
                "close rounds in the team with @maturity-bot round open; the summary and its "
                "chart are posted in the team, and leads get the debrief pack."
            ),
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": details.app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["team", "groupChat"],
                        "commands": [command(topic) for topic in TEAM_COMMANDS],
                    },
                    {
                        "scopes": ["personal"],
                        "commands": [command(topic) for topic in PERSONAL_COMMANDS],
                    },
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain] if domain else [],
    }


def _ladder(draw: ImageDraw.ImageDraw, size: int, colour: str, margin: float) -> None:
    """Five rising bars: levels 1 to 5 of the model."""
    left, bottom = size * margin, size * (1 - margin)
    width = (size - 2 * left) / 5
    gap = max(1.0, width * 0.2)
    for level in range(5):
        top = bottom - (bottom - size * margin) * (level + 1) / 5
        x = left + level * width
        draw.rectangle((x + gap / 2, top, x + width - gap / 2, bottom), fill=colour)


def color_icon() -> bytes:
    """192 by 192 pixels, full colour: white bars on the accent colour."""
    image = Image.new("RGBA", (192, 192), ACCENT)
    _ladder(ImageDraw.Draw(image), 192, "#FFFFFF", 0.2)
    return _png(image)


def outline_icon() -> bytes:
    """32 by 32 pixels, white on transparent, as Teams wants its outline icon."""
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    _ladder(ImageDraw.Draw(image), 32, "#FFFFFF", 0.1)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def package(details: PackageDetails) -> bytes:
    """The zip Teams takes: manifest.json and the two icons at its top level."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(details), indent=2) + "\n")
        archive.writestr(COLOR_ICON, color_icon())
        archive.writestr(OUTLINE_ICON, outline_icon())
    return out.getvalue()
