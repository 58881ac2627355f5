"""The console: a chat in the terminal, a platform like the others. Lines starting with /round
go to the community channel, anything else to your DM with the bot; `:as NAME` switches who
you are, `:clock +3d` moves the console's clock so the scheduler's work shows without waiting.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.console.settings import PLATFORM, ConsoleSettings
from adapters.platform import AdapterContext, Platform, PlatformAdapter
from bot.platforms import MessageLimits, PlatformTraits

TRAITS = PlatformTraits(
    name=PLATFORM,
    title="the console",
    limits=MessageLimits(text_chars=100_000, detail_chars=100_000),
    lists_members=True,  # everyone who has spoken in this console session
    knows_chat_admins=False,
    chat_word="channel",
    invite_bot="Type :as NAME to bring people into #general",
    take_part="Everyone in #general gets the questions in their DM (:as NAME to be them).",
    mention_example="/round leads add @alice",
)


def _build(configured: ConsoleSettings, context: AdapterContext) -> PlatformAdapter:
    from adapters.console.adapter import ConsoleAdapter

    return ConsoleAdapter(configured, context)


def _not_from_the_environment(_env: Mapping[str, str], _problems: list[str]) -> None:
    """The command line turns the console on (`console`, or `run` with no platform set up)."""


PLUGIN = Platform(
    name=PLATFORM,
    traits=TRAITS,
    how_to_enable="To try the bot in this terminal use `maturity-bot console`.",
    settings_type=ConsoleSettings,
    read=_not_from_the_environment,
    lines=lambda _settings: [],
    build=_build,
)
