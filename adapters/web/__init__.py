"""The web and email: people on neither Slack nor Telegram answer in any browser, through a
personal link that arrives by email or is asked for on a community's join page. The same
engine, cards and round as the chat platforms; the emails are the outbox's messages.

Modules: settings (PUBLIC_URL, SMTP_URL, EMAIL_FROM), adapter (the participants' pages and
forms), lead (the leads' pages), pages and lead_pages (HTML), board (the partnership board's
page), responses (what every page shares: headers, forms, CSRF), mail (the emails), sender
(SMTP, or a folder), mailbox (a real SMTP server on loopback that records what it gets, for
tests and benches). The rules behind the links, joining and signing in are the core's
(bot/access/).
"""

from __future__ import annotations

from dataclasses import replace

from adapters.platform import AdapterContext, Platform, PlatformAdapter
from adapters.web import settings
from bot.platforms import MessageLimits, PlatformTraits

TRAITS = PlatformTraits(
    name=settings.PLATFORM,
    title="the web (by email)",
    limits=MessageLimits(text_chars=100_000, detail_chars=100_000),
    lists_members=False,  # no chat: leads add people by address, or they use the join page
    knows_chat_admins=False,
    invite_bot="Leads add people with /round people add",
    take_part="People get a personal link by email.",
    mention_example="/round people add ana@example.org",
    reached_by_email=True,
)


def _configured(configured: settings.WebSettings) -> PlatformTraits:
    return replace(
        TRAITS,
        join_page=f"{configured.public_url}/join/{{code}}",
        board_page=f"{configured.public_url}/board/{{token}}",
        sign_in_page=f"{configured.public_url}/lead/sign-in/{{token}}",
    )


def _build(configured: settings.WebSettings, context: AdapterContext) -> PlatformAdapter:
    from adapters.web.adapter import WebAdapter  # aiosmtplib loads only when the web is used

    return WebAdapter(configured, context)


PLUGIN = Platform(
    name=settings.PLATFORM,
    traits=TRAITS,
    how_to_enable="For the web and email set PUBLIC_URL, SMTP_URL and EMAIL_FROM.",
    settings_type=settings.WebSettings,
    read=settings.read_settings,
    lines=settings.describe,
    settings=settings.SETTINGS,
    build=_build,
    quiet_loggers=("aiosmtplib", "mail.log"),  # they log addresses and message lines
    configure=_configured,
)
