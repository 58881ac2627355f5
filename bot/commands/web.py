"""`/round web`: a lead in a chat gets a one-time link to the leads' web pages, privately.

The link travels in the chat's reply (and so sits in the outbox until that is sent): that is
why it works once, within minutes (bot/access/sign_in.py), and goes only to the lead who asked.
"""

from __future__ import annotations

from bot.access.sign_in import SIGN_IN_LIFETIME, mint_sign_in
from bot.commands.context import LeadContext
from bot.commands.outcomes import LinkGiven, Outcome, said
from bot.commands.requests import WebSignIn
from bot.model import Role

NEEDS_WEB = (
    "The leads' pages are on the web, and the web pages are off here. An administrator sets "
    "PUBLIC_URL (see docs/web-and-email.md)."
)


async def sign_in_link(ctx: LeadContext, _request: WebSignIn) -> Outcome:
    """A sign-in link for the lead who asked, made now."""
    page = ctx.platforms.sign_in_page()
    if page is None:
        return said(NEEDS_WEB)
    if ctx.caller is None or ctx.chat is None:
        return said("You are on the leads' pages already.")
    # A chat's administrator leads there without being named a lead: the pages need it said.
    if await ctx.repo.role(ctx.community.id, ctx.caller.id) is not Role.LEAD:
        await ctx.repo.set_role(ctx.community.id, ctx.caller.id, Role.LEAD)
    url = page.format(token=await mint_sign_in(ctx.repo, ctx.caller.id, ctx.now))
    minutes = int(SIGN_IN_LIFETIME.total_seconds() // 60)
    text = (
        f"Your link to the leads' pages of {ctx.community.name}: {url}\n"
        f"It works once, within {minutes} minutes, and only for you: do not pass it on. "
        "/round web again gives a new one."
    )
    return LinkGiven(said=(text,), url=url)
