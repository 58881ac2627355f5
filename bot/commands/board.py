"""`/round board [reset|off]`: the partnership board's read-only link, for the leads (and
`maturity-bot board` on the command line, for an operator).

The link goes to the lead who asked, privately: whoever holds it can read the board (only
what the channel summary shows). The same link each time until a lead resets it or turns it
off; the board itself is a page of the web channel, so it needs PUBLIC_URL.
"""

from __future__ import annotations

from datetime import datetime

from bot.board.access import board_token
from bot.commands.context import LeadContext
from bot.commands.outcomes import LinkGiven, Outcome, said
from bot.commands.requests import BoardChange, BoardLink
from bot.model import Community
from bot.ports import Repository

NEEDS_WEB = (
    "The board is a web page, and the web pages are off here. An administrator sets PUBLIC_URL "
    "(the address where people reach the bot; see docs/web-and-email.md), then /round board "
    "gives you its link."
)
WHAT_IT_SHOWS = (
    "It shows the latest summary with its chart, the trend, the group's priorities, the "
    "actions and when the next round opens: only what the summary posted here shows, never "
    "a comment. Anyone with the link can read it, so share it with the partnership board and "
    "no wider. /round board reset replaces the link (the old one then stops working); "
    "/round board off turns it off."
)


async def board_url(
    repo: Repository, community: Community, page: str, now: datetime, *, fresh: bool = False
) -> str:
    """The community's board link (a new one when fresh, or when it has none yet); page is
    the board's URL with {token}."""
    return page.format(token=await board_token(repo, community.id, now, fresh=fresh))


async def turn_off(repo: Repository, community: Community) -> str:
    """Remove the community's board link; what happened, in words."""
    if await repo.drop_board_link(community.id):
        return (
            f"The board page of {community.name} is off: its link no longer works. "
            "/round board makes a new one."
        )
    return f"{community.name} has no board link to turn off. /round board makes one."


async def board(ctx: LeadContext, request: BoardLink) -> Outcome:
    """`/round board`, `/round board reset`, `/round board off`."""
    if request.change is BoardChange.OFF:
        return said(await turn_off(ctx.repo, ctx.community))
    page = ctx.platforms.board_page()
    if page is None:
        return said(NEEDS_WEB)
    reset = request.change is BoardChange.RESET
    replaced = reset and await ctx.repo.board_link(ctx.community.id) is not None
    url = await board_url(ctx.repo, ctx.community, page, ctx.now, fresh=reset)
    name = ctx.community.name
    head = (
        f"A new board link for {name} (the old one no longer works): {url}"
        if replaced
        else f"The partnership board of {name}: {url}"
    )
    return LinkGiven(said=(f"{head}\n{WHAT_IT_SHOWS}",), url=url)
